"""Notifications from the table streams: a new alarm, a camera going offline, a camera back
online. Records are read from moto's DynamoDB Streams after real writes by the handlers,
filtered by the template's FilterCriteria and delivered as Lambda delivers them."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from vstarcam_push.dal.camera_registry import CameraRegistry

from tests.conftest import JPEG, VUID, alarm_event, heartbeat_event, invoke, reply_of
from tests.integration.conftest import (
    Aws,
    AwsSpy,
    Emf,
    LoadFunction,
    LogCapture,
    Pipeline,
    filtered_metric,
)

OFFLINE_SWEEP_EVENT = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
ALARM_MS = int(datetime(2026, 11, 26, 14, 3, 11, tzinfo=UTC).timestamp() * 1000)


class Camera:
    """A registered camera driving the real handlers."""

    def __init__(self, aws: Aws, functions: LoadFunction, vuid: str = VUID) -> None:
        self.aws = aws
        self.vuid = vuid
        self.heartbeat_function = functions("HeartbeatFunction")
        self.alarm_function = functions("AlarmFunction")
        self.sweep_function = functions("OfflineSweepFunction")

    def heartbeat(self, seconds_ago: int = 0) -> None:
        at_ms = (int(time.time()) - seconds_ago) * 1000
        event = heartbeat_event({"vuid": self.vuid}, at_ms)
        assert reply_of(invoke(self.heartbeat_function, event))["code"] == "200"

    def alarm(self, alarm_type: str = "18", picture: bytes = JPEG, at_ms: int = ALARM_MS) -> None:
        event = alarm_event(at_ms, vuid=self.vuid, alarm_type=alarm_type, picture=picture)
        assert reply_of(invoke(self.alarm_function, event))["code"] == "200"

    def go_offline(self) -> None:
        """Silent for 10 minutes, then the sweep runs."""
        self.heartbeat(seconds_ago=600)
        assert invoke(self.sweep_function, OFFLINE_SWEEP_EVENT)["markedOffline"] == [self.vuid]


def describe(subscription: str, record: dict[str, Any]) -> str:
    images = record["dynamodb"]
    before = images.get("OldImage", {}).get("status", {}).get("S", "-")
    after = images.get("NewImage", {}).get("status", {}).get("S", "-")
    if subscription == "NewAlarm":
        return f"alarm {record['eventName']}"
    return f"camera {record['eventName']} {before}->{after}"


def test_stream_filters_deliver_new_alarms_and_status_changes_only(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    """GIVEN the notify function's stream subscriptions and FilterCriteria from template.yaml
    WHEN cameras are registered, send heartbeats and alarms, are swept offline and come back
    THEN Lambda would deliver exactly: alarm INSERTs, online->offline and offline->online
    MODIFYs (an alarm of an offline camera brings it back online, as a heartbeat does);
    never registration, heartbeats of an online camera, the alarm handler's update of an
    online camera, the notifier's cooldown writes, or a camera's removal."""
    camera = Camera(aws, functions)

    def delivered() -> list[str]:
        return [
            describe(name, record)
            for name, records in pipeline.read().items()
            for record in records
            if pipeline.subscriptions[name].selects(record)
        ]

    aws.register()
    assert delivered() == []  # registration
    camera.heartbeat(seconds_ago=600)
    assert delivered() == []  # first heartbeat of a new camera: it was never offline
    camera.heartbeat(seconds_ago=590)
    assert delivered() == []  # heartbeat of an online camera
    camera.alarm()
    records = pipeline.read()
    assert [describe("NewAlarm", r) for r in records["NewAlarm"]] == ["alarm INSERT"]
    assert all(pipeline.subscriptions["NewAlarm"].selects(r) for r in records["NewAlarm"])
    assert records["CameraStatus"]  # the alarm handler's lastAlarmAt update ...
    assert not any(
        pipeline.subscriptions["CameraStatus"].selects(r) for r in records["CameraStatus"]
    )
    pipeline.deliver(records["NewAlarm"])
    assert delivered() == []  # ... and the notifier's cooldown write are filtered out
    camera.alarm()
    assert delivered() == []  # a retried alarm adds no record
    invoke(camera.sweep_function, OFFLINE_SWEEP_EVENT)
    assert delivered() == ["camera MODIFY online->offline"]
    camera.alarm(picture=JPEG + b"\x01")
    # An alarm is a sign of life: it brings the offline camera back online.
    assert sorted(delivered()) == ["alarm INSERT", "camera MODIFY offline->online"]
    camera.heartbeat(seconds_ago=600)
    assert delivered() == []  # heartbeat of an online camera
    invoke(camera.sweep_function, OFFLINE_SWEEP_EVENT)
    assert delivered() == ["camera MODIFY online->offline"]
    camera.heartbeat()
    assert delivered() == ["camera MODIFY offline->online"]
    CameraRegistry(aws.dynamodb, aws.cameras_table).remove(VUID)
    assert delivered() == []  # removal


def test_new_alarm_is_notified_with_short_sms_and_full_email(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    """GIVEN "Front door" (VE0005622QHOW) pushes a motion alarm received 2026-11-26 14:03:11 UTC
    WHEN its stream record reaches the notify function
    THEN one SNS message is published (MessageStructure json) whose SMS text is exactly
    "Front door (VE0005622QHOW): Motion detection alarm at 2026-11-26 14:03:11 UTC", whose
    email also says where the picture is and how to download it, with an ASCII subject and the
    message attributes event, vuid and alarmType that subscription filters route on."""
    camera = Camera(aws, functions)
    aws.register()
    camera.alarm()
    (delivered,) = pipeline.flush()

    (message,) = aws.published()
    headline = "Front door (VE0005622QHOW): Motion detection alarm at 2026-11-26 14:03:11 UTC"
    (record,) = aws.alarms()
    picture_key = record["pictureKey"]["S"]
    assert message.message["sms"] == headline
    assert message.message["email"].startswith(headline + "\n")
    assert f"Picture: s3://{aws.bucket}/{picture_key}" in message.message["email"]
    assert "console.aws.amazon.com/s3/object/" in message.message["email"]
    assert f"vstarcam-push alarms get {record['alarmId']['S']}" in message.message["email"]
    assert message.message["default"] == message.message["email"]
    assert message.subject == "Motion detection alarm: Front door (VE0005622QHOW)"
    assert message.attributes["event"] == "alarm"
    assert message.attributes["vuid"] == VUID
    assert message.attributes["alarmType"] == "0x12"
    assert delivered["eventName"] == "INSERT"


def test_alarm_with_video_mentions_the_video_in_the_email(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    """GIVEN an alarm pushed with a video
    WHEN it is notified
    THEN the email names the video's location too."""
    from tests.conftest import MP4

    aws.register()
    event = alarm_event(ALARM_MS, video=MP4)
    reply_of(invoke(functions("AlarmFunction"), event))
    pipeline.flush()

    (message,) = aws.published()
    (record,) = aws.alarms()
    assert f"Video: s3://{aws.bucket}/{record['videoKey']['S']}" in message.message["email"]


def test_camera_going_offline_is_notified(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    """GIVEN an online camera that stopped sending heartbeats
    WHEN the sweep marks it offline and the change reaches the notify function
    THEN one message says "<camera> is offline: last seen at <time>", with event=offline
    and no alarmType (so an alarm-type SMS filter sends it by email only)."""
    camera = Camera(aws, functions)
    aws.register()
    camera.go_offline()
    pipeline.flush()

    (message,) = aws.published()
    camera_item = aws.camera()
    assert camera_item is not None
    last_seen = datetime.fromtimestamp(int(camera_item["lastSeen"]["N"]), tz=UTC)
    assert message.message["sms"] == (
        f"Front door (VE0005622QHOW) is offline: last seen at {last_seen:%Y-%m-%d %H:%M:%S} UTC"
    )
    assert "180 seconds" in message.message["email"]
    assert message.subject == "Camera offline: Front door (VE0005622QHOW)"
    assert message.attributes == {"event": "offline", "vuid": VUID}


def test_camera_back_online_is_notified_with_the_outage_length(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    """GIVEN a camera the sweep marked offline 10 minutes after its last heartbeat
    WHEN it sends a heartbeat again
    THEN one message says "<camera> is back online after 10 min (seen at <time>)"."""
    camera = Camera(aws, functions)
    aws.register()
    camera.go_offline()
    pipeline.flush()
    camera.heartbeat()
    pipeline.flush()

    offline, online = aws.published()
    assert offline.attributes["event"] == "offline"
    assert online.attributes == {"event": "online", "vuid": VUID}
    assert online.subject == "Camera back online: Front door (VE0005622QHOW)"
    assert online.message["sms"].startswith(
        "Front door (VE0005622QHOW) is back online after 10 min"
    )
    assert "(seen at 20" in online.message["sms"]


def test_alarms_inside_the_cooldown_are_stored_but_not_notified(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, emf: Emf, logs: LogCapture
) -> None:
    """GIVEN NotifyCooldownSeconds=300 (the default)
    WHEN a camera pushes three motion alarms and one doorbell alarm within a minute
    THEN all four are stored, the first motion alarm and the doorbell alarm are notified, and
    the two later motion alarms are counted as suppressed (cooldown is per camera, per type)."""
    camera = Camera(aws, functions)
    aws.register()
    for n in range(3):
        camera.alarm(picture=JPEG + bytes([n]), at_ms=ALARM_MS + n * 10_000)
    camera.alarm(alarm_type="20")
    emf()
    logs.attach("notify")
    pipeline.flush()

    assert len(aws.alarms()) == 4
    published = aws.published()
    assert sorted(message.attributes["alarmType"] for message in published) == ["0x12", "0x14"]
    assert filtered_metric(logs.lines(), "NotifyLogs", "NotificationsSuppressed") == 2


def test_other_cameras_have_their_own_cooldown(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    """GIVEN two cameras
    WHEN both push a motion alarm within the cooldown
    THEN both are notified."""
    aws.register()
    aws.register("OKB0379853SNLJ", name="Garage")
    Camera(aws, functions).alarm()
    Camera(aws, functions, vuid="OKB0379853SNLJ").alarm()
    pipeline.flush()

    assert sorted(message.attributes["vuid"] for message in aws.published()) == [
        "OKB0379853SNLJ",
        VUID,
    ]


def test_zero_cooldown_notifies_every_alarm(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    """GIVEN NotifyCooldownSeconds=0
    WHEN a camera pushes two motion alarms in the same second
    THEN both are notified."""
    pipeline.notify = functions("NotifyFunction", NOTIFY_COOLDOWN_SECONDS="0")
    camera = Camera(aws, functions)
    aws.register()
    camera.alarm()
    camera.alarm(picture=JPEG + b"\x01")
    pipeline.flush()

    assert len(aws.published()) == 2


def test_retried_alarm_push_is_notified_once(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    """GIVEN a camera that pushes the same alarm three times (it did not get our reply)
    WHEN the streams are processed
    THEN one alarm record was inserted and one notification sent."""
    camera = Camera(aws, functions)
    aws.register()
    for _ in range(3):
        camera.alarm()
    delivered = pipeline.flush()

    assert len(delivered) == 1
    assert len(aws.published()) == 1


def test_record_whose_publish_failed_is_reported_and_notified_on_redelivery(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, spy: AwsSpy
) -> None:
    """GIVEN a batch of two alarm records (motion, doorbell) and SNS failing the second publish
    WHEN the batch is delivered
    THEN only the failed record is reported back (ReportBatchItemFailures, by sequence number)
    and the first is notified; WHEN Lambda redelivers from the failed record on, it is
    notified too, not silenced by the cooldown slot it claimed before the failure."""
    camera = Camera(aws, functions)
    aws.register()
    camera.alarm()
    camera.alarm(alarm_type="20")
    records = pipeline.selected()
    assert len(records) == 2

    spy.fail("Publish", skip=1)
    with spy.watching():
        response = pipeline.deliver(records)
    failed_sequence = records[1]["dynamodb"]["SequenceNumber"]
    assert response == {"batchItemFailures": [{"itemIdentifier": failed_sequence}]}
    assert [message.attributes["alarmType"] for message in aws.published()] == ["0x12"]

    redelivery = pipeline.deliver(records[1:])

    assert redelivery == {"batchItemFailures": []}
    assert [message.attributes["alarmType"] for message in aws.published()] == ["0x12", "0x14"]


def test_batch_whose_every_record_failed_fails_the_invocation_for_a_retry(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, spy: AwsSpy
) -> None:
    """GIVEN a batch of one alarm record and SNS down
    WHEN the batch is delivered
    THEN the invocation fails (Lambda retries, bisects, and finally sends it to the
    dead-letter queue), and a later redelivery is notified."""
    camera = Camera(aws, functions)
    aws.register()
    camera.alarm()
    records = pipeline.selected()

    spy.fail("Publish")
    with spy.watching(), pytest.raises(Exception, match="All records failed"):
        pipeline.deliver(records)
    assert aws.published() == []

    assert pipeline.deliver(records) == {"batchItemFailures": []}
    assert len(aws.published()) == 1
