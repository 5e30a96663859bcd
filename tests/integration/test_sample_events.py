"""The sample events in events/ (for ``sam local invoke -e``) are real-shaped and each gets
its function's expected outcome against the stack."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from vstarcam_push.dal.destinations import DestinationStore
from vstarcam_push.dal.secrets import SecretStore
from vstarcam_push.ingest.multipart import parse_form
from vstarcam_push.models.destination import Destination
from vstarcam_tools.template import PROJECT_ROOT, Stack

from tests.conftest import VUID, heartbeat_event, invoke, reply_of
from tests.integration.conftest import Aws, LoadFunction, stream_subscriptions
from tests.push_fakes import FakeNtfy

EVENTS = PROJECT_ROOT / "events"
SUCCESS = {"code": "200", "message": "Success"}
# The push key in the HTTP samples' paths (events/README.md).
SAMPLE_KEY = "SampleKeyFrontDoor0001"


def sample(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def test_there_is_a_sample_event_for_every_function() -> None:
    assert sorted(path.name for path in EVENTS.glob("*.json")) == [
        "alarm-with-video.json",
        "alarm.json",
        "delivery.json",
        "heartbeat.json",
        "media.json",
        "notify-alarm.json",
        "notify-camera-status.json",
        "offline-sweep.json",
    ]


@pytest.mark.parametrize("name", ["heartbeat.json", "alarm.json", "alarm-with-video.json"])
def test_http_samples_are_http_api_v2_payloads(name: str) -> None:
    """GIVEN the HTTP samples
    THEN they have API Gateway's payload v2 shape: lower-case header names, POST to the route
    at the camera's keyed route at the root of the $default stage, timeEpoch, and base64
    bodies for multipart only."""
    event = sample(name)
    path = "/heartbeat" if name == "heartbeat.json" else "/alarm"

    assert event["version"] == "2.0"
    assert event["routeKey"] == event["requestContext"]["routeKey"] == f"POST {path}/{{key}}"
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == f"{path}/{SAMPLE_KEY}"
    assert event["pathParameters"] == {"key": SAMPLE_KEY}
    assert event["requestContext"]["stage"] == "$default"
    assert event["requestContext"]["http"]["method"] == "POST"
    assert isinstance(event["requestContext"]["timeEpoch"], int)
    assert all(header == header.lower() for header in event["headers"])
    assert event["isBase64Encoded"] is (path == "/alarm")


def test_heartbeat_sample_is_accepted(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN VE0005622QHOW registered
    WHEN events/heartbeat.json is handled
    THEN the reply is Success and the camera is online as of the event's time."""
    aws.register(key=SAMPLE_KEY)
    event = sample("heartbeat.json")

    assert reply_of(invoke(functions("HeartbeatFunction"), event)) == SUCCESS
    camera = aws.camera()
    assert camera is not None
    assert camera["status"] == {"S": "online"}
    assert camera["lastSeen"] == {"N": str(event["requestContext"]["timeEpoch"] // 1000)}


def sample_parts(event: dict[str, Any]) -> dict[str, bytes]:
    parts = parse_form(base64.b64decode(event["body"]), event["headers"]["content-type"])
    return {name: part.content for name, part in parts.items()}


def test_alarm_sample_carries_a_real_jpeg() -> None:
    """GIVEN events/alarm.json
    THEN its picture is a complete JPEG (SOI ... EOI markers, JFIF header)."""
    picture = sample_parts(sample("alarm.json"))["picture"]

    assert picture[:4] == b"\xff\xd8\xff\xe0" and picture[6:11] == b"JFIF\x00"
    assert picture.endswith(b"\xff\xd9")


def test_alarm_sample_is_stored(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN VE0005622QHOW registered
    WHEN events/alarm.json is handled
    THEN Success, its picture stored as image/jpeg, one motion alarm recorded."""
    aws.register(key=SAMPLE_KEY)
    event = sample("alarm.json")

    assert reply_of(invoke(functions("AlarmFunction"), event)) == SUCCESS
    (record,) = aws.alarms()
    assert record["alarmTypeName"] == {"S": "Motion detection alarm"}
    assert aws.media(record["pictureKey"]["S"]) == (sample_parts(event)["picture"], "image/jpeg")


def test_alarm_with_video_sample_is_stored_with_its_video(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN VE0005622QHOW registered
    WHEN events/alarm-with-video.json (a doorbell alarm, type "0x14") is handled
    THEN Success, with its MP4 video stored beside the picture as video/mp4."""
    aws.register(key=SAMPLE_KEY)
    event = sample("alarm-with-video.json")

    assert reply_of(invoke(functions("AlarmFunction"), event)) == SUCCESS
    (record,) = aws.alarms()
    assert record["alarmTypeName"] == {"S": "Doorbell button alarm"}
    video = sample_parts(event)["video"]
    assert video[4:8] == b"ftyp"
    assert aws.media(record["videoKey"]["S"]) == (video, "video/mp4")


def test_offline_sweep_sample_is_a_scheduled_event_that_runs_the_sweep(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN a camera silent for 10 minutes
    WHEN events/offline-sweep.json (EventBridge "Scheduled Event") is handled
    THEN the camera is marked offline."""
    event = sample("offline-sweep.json")
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    aws.register()
    past_ms = (int(time.time()) - 600) * 1000
    invoke(functions("HeartbeatFunction"), heartbeat_event({"vuid": VUID}, past_ms))

    assert invoke(functions("OfflineSweepFunction"), event) == {
        "pastDue": 1,
        "markedOffline": [VUID],
    }


@pytest.mark.parametrize(
    ("name", "subscription", "view"),
    [
        ("notify-alarm.json", "NewAlarm", "NEW_IMAGE"),
        ("notify-camera-status.json", "CameraStatus", "NEW_AND_OLD_IMAGES"),
    ],
)
def test_stream_samples_are_shaped_as_lambda_delivers_them_and_pass_the_filters(
    stack: Stack, name: str, subscription: str, view: str
) -> None:
    """GIVEN the stream batch samples
    THEN every record has Lambda's shape (eventSource aws:dynamodb, eventSourceARN of the
    table's stream, SequenceNumber, ApproximateCreationDateTime in epoch seconds, the table's
    StreamViewType) and passes the template's FilterCriteria for its subscription."""
    selects = stream_subscriptions(stack)[subscription].selects
    table = "alarmstable" if subscription == "NewAlarm" else "camerastable"

    for record in sample(name)["Records"]:
        assert record["eventSource"] == "aws:dynamodb"
        assert f":table/vstarcam-push-{table}/stream/" in record["eventSourceARN"]
        assert record["dynamodb"]["SequenceNumber"].isdigit()
        assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)
        assert record["dynamodb"]["StreamViewType"] == view
        assert selects(record)


def test_notify_alarm_sample_is_what_storing_the_alarm_sample_writes(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN events/alarm.json stored by the alarm function
    THEN the alarm record is the NewImage of events/notify-alarm.json (the two samples
    describe the same alarm), but for the random link token and upload."""
    aws.register(key=SAMPLE_KEY)
    invoke(functions("AlarmFunction"), sample("alarm.json"))

    (record,) = aws.alarms()
    (stream_record,) = sample("notify-alarm.json")["Records"]
    new_image = stream_record["dynamodb"]["NewImage"]
    # The link token is random: the same shape, not the same value.
    token, sample_token = record.pop("linkToken")["S"], new_image.pop("linkToken")["S"]
    assert len(token) == len(sample_token) == 22
    # The picture key ends in this request's random upload: the same stem, not the same key.
    key, sample_key = record.pop("pictureKey")["S"], new_image.pop("pictureKey")["S"]
    assert key.rsplit("-", 1)[0] == sample_key.rsplit("-", 1)[0]
    assert len(key) == len(sample_key)
    assert record == new_image


def test_notify_alarm_sample_is_notified(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN "Front door" VE0005622QHOW registered
    WHEN events/notify-alarm.json is handled
    THEN no record fails and one SMS says the motion alarm at 2026-11-26 14:03:11 UTC."""
    aws.register(key=SAMPLE_KEY)
    response = invoke(functions("NotifyFunction"), sample("notify-alarm.json"))

    assert response == {"batchItemFailures": []}
    (message,) = aws.published()
    assert message.message["sms"] == (
        "Front door (VE0005622QHOW): Motion detection alarm at 2026-11-26 14:03:11 UTC"
    )


def test_notify_camera_status_sample_is_notified(aws: Aws, functions: LoadFunction) -> None:
    """WHEN events/notify-camera-status.json (offline, then back online) is handled
    THEN no record fails and two notifications are sent: offline, then back online."""
    response = invoke(functions("NotifyFunction"), sample("notify-camera-status.json"))

    assert response == {"batchItemFailures": []}
    offline, online = aws.published()
    assert offline.message["sms"] == (
        "Front door (VE0005622QHOW) is offline: last seen at 2026-11-26 14:03:11 UTC"
    )
    assert online.message["sms"] == (
        "Front door (VE0005622QHOW) is back online after 9 min (seen at 2026-11-26 14:13:05 UTC)"
    )


def test_samples_fit_in_a_lambda_request() -> None:
    for path in sorted(Path(EVENTS).glob("*.json")):
        assert path.stat().st_size < 6 * 1024 * 1024, path.name


def test_media_sample_opens_the_picture_of_the_alarm_sample(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN events/alarm.json stored, its link token set to the one in events/media.json
    WHEN events/media.json (opening the email's picture link) is handled
    THEN the reply is a redirect to the stored picture."""
    aws.register(key=SAMPLE_KEY)
    invoke(functions("AlarmFunction"), sample("alarm.json"))
    event = sample("media.json")
    (record,) = aws.alarms()
    aws.dynamodb.update_item(
        TableName=aws.alarms_table,
        Key={"vuid": record["vuid"], "alarmId": record["alarmId"]},
        UpdateExpression="SET linkToken = :token",
        ExpressionAttributeValues={":token": {"S": event["queryStringParameters"]["token"]}},
    )
    # The sample was taken minutes after the alarm; the link is good for days.
    response = invoke(functions("MediaLinkFunction"), event)

    assert response["statusCode"] == 302
    assert record["pictureKey"]["S"] in response["headers"]["location"]


def test_notify_alarm_sample_also_drives_media_processing(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN events/alarm.json stored (its picture a real 32x24 JPEG)
    WHEN events/notify-alarm.json, the same Alarms stream batch, reaches MediaProcessFunction
    THEN the alarm gets its thumbnail (as small as the picture: never enlarged)."""
    aws.register(key=SAMPLE_KEY)
    invoke(functions("AlarmFunction"), sample("alarm.json"))

    response = invoke(functions("MediaProcessFunction"), sample("notify-alarm.json"))

    assert response == {"batchItemFailures": []}
    (record,) = aws.alarms()
    assert record["mediaStatus"] == {"S": "processed"}
    thumbnail, content_type = aws.media(record["thumbnailKey"]["S"])
    assert content_type == "image/jpeg" and thumbnail[:3] == b"\xff\xd8\xff"


def test_delivery_sample_reaches_its_destination(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN a push destination "phone" (ntfy, a fake on 127.0.0.1)
    WHEN events/delivery.json (one delivery, as the notifier invokes the function) is handled
    THEN the destination receives the offline event, and no retry is scheduled."""
    fake = FakeNtfy().start()
    try:
        DestinationStore(aws.dynamodb, aws.stack.physical_name("DestinationsTable")).add(
            Destination(name="phone", channel="ntfy", target="topic", secret_fields=("url",))
        )
        SecretStore(boto3.client("ssm", region_name="us-east-1"), "/vstarcam-push/notify/").put(
            "phone", {"url": fake.url}
        )
        delivery = functions("DeliveryFunction")
        event = sample("delivery.json")
        assert event["destination"] == "phone" and event["attempt"] == 1

        assert invoke(delivery, event) == {"result": "delivered"}
        (received,) = fake.received
        assert received.body.decode().startswith("Front door (VE0005622QHOW) is offline")
    finally:
        fake.stop()
