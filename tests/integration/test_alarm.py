"""POST /alarm: a multipart alarm push is stored (picture, video, record) before it is answered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from vstarcam_push.models.alarm_types import ALARM_TYPE_NAMES

from tests.conftest import (
    JPEG,
    MP4,
    PNG,
    VENDOR_ALARM_TYPES,
    VUID,
    alarm_event,
    invoke,
    reply_of,
)
from tests.integration.conftest import Aws, AwsSpy, LoadFunction, LogCapture

SUCCESS = {"code": "200", "message": "Success"}
# 2026-11-26 14:03:11.250 UTC, API Gateway's receive time of the push.
RECEIVED_MS = int(datetime(2026, 11, 26, 14, 3, 11, 250_000, tzinfo=UTC).timestamp() * 1000)


def test_alarm_push_answers_success_after_storing_picture_record_and_camera(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN a registered camera
    WHEN it pushes a motion alarm (type "18") with a JPEG picture
    THEN the reply is exactly Success, the picture is in S3 under
    alarms/<vuid>/<yyyy>/<mm>/<dd>/<HHMMSS>-<id>.jpg as image/jpeg, the alarm record points at it,
    and the camera's lastSeen and lastAlarmAt are the receive time."""
    aws.register()
    response = invoke(functions("AlarmFunction"), alarm_event(time_ms=RECEIVED_MS))

    assert reply_of(response) == SUCCESS
    (key,) = aws.media_keys()
    assert key.startswith(f"alarms/{VUID}/2026/11/26/140311-") and key.endswith(".jpg")
    assert aws.media(key) == (JPEG, "image/jpeg")
    (record,) = aws.alarms()
    assert record["vuid"] == {"S": VUID}
    assert record["alarmId"]["S"].startswith(f"{VUID}-")
    assert record["pictureKey"] == {"S": key}
    assert record["pictureContentType"] == {"S": "image/jpeg"}
    assert record["pictureSize"] == {"N": str(len(JPEG))}
    assert record["receivedAtMs"] == {"N": str(RECEIVED_MS)}
    assert record["receivedDay"] == {"S": "2026-11-26"}
    assert "videoKey" not in record
    camera = aws.camera()
    assert camera is not None
    assert camera["lastSeen"] == camera["lastAlarmAt"] == {"N": str(RECEIVED_MS // 1000)}


@pytest.mark.parametrize("state", ["never seen", "offline"])
def test_alarm_is_a_sign_of_life_that_brings_the_camera_online(
    aws: Aws, functions: LoadFunction, state: str
) -> None:
    """GIVEN a registered camera never heard from, or one the sweep marked offline
    WHEN it pushes an alarm at time t
    THEN it is online, last seen at t, with its deadline at t + its threshold, as after a
    heartbeat (the offline one's offline -> online change is what the notifier reports)."""
    aws.register(offline_after=240)
    if state == "offline":
        aws.dynamodb.update_item(
            TableName=aws.cameras_table,
            Key={"vuid": {"S": VUID}},
            UpdateExpression="SET #s = :off, offlineSince = :t, lastSeen = :t",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":off": {"S": "offline"}, ":t": {"N": "1795600000"}},
        )
    assert reply_of(invoke(functions("AlarmFunction"), alarm_event(time_ms=RECEIVED_MS))) == SUCCESS

    camera = aws.camera()
    assert camera is not None
    assert camera["status"] == {"S": "online"}
    assert camera["lastSeen"] == {"N": str(RECEIVED_MS // 1000)}
    assert camera["onlineUntil"] == {"N": str(RECEIVED_MS // 1000 + 240)}


def test_alarm_record_expires_with_the_retention_period(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN RetentionDays=30 (the default)
    WHEN an alarm is stored
    THEN its record's TTL attribute expiresAt is the receive time + 30 days."""
    aws.register()
    invoke(functions("AlarmFunction"), alarm_event(time_ms=RECEIVED_MS))

    (record,) = aws.alarms()
    assert record["expiresAt"] == {"N": str(RECEIVED_MS // 1000 + 30 * 86_400)}


@pytest.mark.parametrize(
    ("type_field", "code"),
    [("18", 0x12), ("0x12", 0x12), ("0X12", 0x12), ("20", 0x14), ("0x6e", 0x6E), ("110", 0x6E)],
)
def test_alarm_type_is_accepted_as_decimal_or_hex(
    aws: Aws, functions: LoadFunction, type_field: str, code: int
) -> None:
    """GIVEN the type field in decimal ("18") or hex ("0x12")
    WHEN the alarm is stored
    THEN the record carries the numeric code and its name in words."""
    aws.register()
    reply_of(invoke(functions("AlarmFunction"), alarm_event(alarm_type=type_field)))

    (record,) = aws.alarms()
    assert record["alarmType"] == {"N": str(code)}
    assert record["alarmTypeName"] == {"S": ALARM_TYPE_NAMES[code]}


def test_every_documented_alarm_type_is_stored_with_its_name(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN the eight alarm codes of the vendor's table
    WHEN a camera pushes one alarm of each
    THEN eight alarms are stored, each named in words as the vendor names it."""
    aws.register()
    alarm = functions("AlarmFunction")
    for code in ALARM_TYPE_NAMES:
        picture = JPEG + code.to_bytes(2, "big")
        assert (
            reply_of(invoke(alarm, alarm_event(alarm_type=str(code), picture=picture)))["code"]
            == "200"
        )

    names = {int(item["alarmType"]["N"]): item["alarmTypeName"]["S"] for item in aws.alarms()}
    assert names == VENDOR_ALARM_TYPES


def test_unknown_alarm_code_is_stored_and_named_unknown(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN an alarm code not in the vendor's table (0x99)
    WHEN it is pushed
    THEN it is stored, never dropped, and named "unknown (0x99)"."""
    aws.register()
    reply = reply_of(invoke(functions("AlarmFunction"), alarm_event(alarm_type="153")))

    assert reply == SUCCESS
    (record,) = aws.alarms()
    assert record["alarmType"] == {"N": "153"}
    assert record["alarmTypeName"] == {"S": "unknown (0x99)"}


def test_picture_content_type_is_sniffed_from_its_bytes_not_the_part_headers(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN a PNG picture sent as "alarm.jpg" with part type image/jpeg
    WHEN it is stored
    THEN S3 holds it as image/png with a .png key: part names and types are not trusted."""
    aws.register()
    reply_of(invoke(functions("AlarmFunction"), alarm_event(picture=PNG)))

    (key,) = aws.media_keys()
    assert key.endswith(".png")
    assert aws.media(key) == (PNG, "image/png")
    (record,) = aws.alarms()
    assert record["pictureContentType"] == {"S": "image/png"}


@pytest.mark.parametrize(
    ("video", "content_type", "extension"),
    [
        (MP4, "video/mp4", "mp4"),
        (b"RIFF\x24\x00\x00\x00AVI LIST" + bytes(64), "video/x-msvideo", "avi"),
        (b"\x00\x00\x00\x01\x67\x42\x00\x1e" + bytes(64), "video/h264", "h264"),
        (b"\x12\x34 some camera container" + bytes(64), "application/octet-stream", "bin"),
    ],
    ids=["mp4", "avi", "h264-annex-b", "unknown"],
)
def test_video_is_stored_beside_the_picture_with_a_sniffed_content_type(
    aws: Aws, functions: LoadFunction, video: bytes, content_type: str, extension: str
) -> None:
    """GIVEN an alarm push with a video part (sent as "alarm.mp4", video/mp4 whatever it is)
    WHEN it is stored
    THEN the video is in S3 beside the picture, typed from its bytes, and the record points at
    both."""
    aws.register()
    reply = reply_of(invoke(functions("AlarmFunction"), alarm_event(video=video)))

    assert reply == SUCCESS
    (record,) = aws.alarms()
    video_key = record["videoKey"]["S"]
    assert video_key.endswith(f".{extension}")
    assert video_key.rsplit(".", 1)[0] == record["pictureKey"]["S"].rsplit(".", 1)[0]
    assert aws.media(video_key) == (video, content_type)
    assert record["videoSize"] == {"N": str(len(video))}
    assert sorted(aws.media_keys()) == sorted([record["pictureKey"]["S"], video_key])


def test_picture_bytes_survive_the_base64_body_unchanged(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN a picture holding every byte value, CR/LF pairs and dashes (not valid UTF-8 text)
    WHEN it arrives base64-encoded as HTTP API delivers multipart
    THEN the stored object is byte-for-byte the picture."""
    aws.register()
    picture = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + b"\r\n--\r\n\r\n--x" + b"\xff\xd9"
    reply_of(invoke(functions("AlarmFunction"), alarm_event(picture=picture)))

    (key,) = aws.media_keys()
    assert aws.media(key)[0] == picture


def test_retried_alarm_is_stored_once(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN an alarm already stored
    WHEN the camera retries it (same vuid, type and picture; a second later)
    THEN the retry is answered Success and there is still one record and one picture."""
    aws.register()
    alarm = functions("AlarmFunction")
    first = invoke(alarm, alarm_event(time_ms=RECEIVED_MS, video=MP4))
    retry = invoke(alarm, alarm_event(time_ms=RECEIVED_MS + 1_000, video=MP4))

    assert reply_of(first) == reply_of(retry) == SUCCESS
    assert len(aws.alarms()) == 1
    assert len(aws.media_keys()) == 2
    (record,) = aws.alarms()
    assert record["receivedAtMs"] == {"N": str(RECEIVED_MS)}


def test_an_alarm_sent_again_says_why_it_is_quiet(
    aws: Aws, functions: LoadFunction, logs: LogCapture
) -> None:
    """GIVEN an alarm already stored
    WHEN the same type and picture arrive again (a camera's retry, or the README's curl run
    twice to see the cooldown)
    THEN the answer is Success and nothing is stored or notified, and the log line carries
    a notice saying so (the local stack's terminal prints it), which the first did not."""
    aws.register()
    alarm = functions("AlarmFunction")
    logs.attach("alarm")
    invoke(alarm, alarm_event())
    invoke(alarm, alarm_event())

    stored, again = [line for line in logs.lines() if "alarm_id" in line]
    (record,) = aws.alarms()
    assert stored["message"] == "alarm stored" and "notice" not in stored
    assert again["message"] == "alarm already stored"
    assert again["notice"] == (
        f"HELD  alarm    {VUID}    not stored or notified again: the same type and picture "
        f"as alarm {record['alarmId']['S']}, already stored"
    )


def test_retry_with_the_type_in_hex_is_the_same_alarm(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN an alarm stored with type "18"
    WHEN the same picture arrives with type "0x12"
    THEN both are answered Success (the retry too: the camera must not retry again), and
    it is recognised as the same alarm and not stored twice."""
    aws.register()
    alarm = functions("AlarmFunction")
    first = reply_of(invoke(alarm, alarm_event(alarm_type="18")))
    retry = reply_of(invoke(alarm, alarm_event(alarm_type="0x12")))

    assert first == retry == {"code": "200", "message": "Success"}
    (record,) = aws.alarms()
    assert record["alarmType"] == {"N": "18"}
    assert aws.media_keys() == [record["pictureKey"]["S"]]


def test_a_different_picture_or_type_is_a_new_alarm(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN a stored motion alarm
    WHEN the camera pushes a different picture, and then the same picture as another type
    THEN each is its own alarm (three records, three pictures)."""
    aws.register()
    alarm = functions("AlarmFunction")
    invoke(alarm, alarm_event())
    invoke(alarm, alarm_event(picture=JPEG + b"\x00"))
    invoke(alarm, alarm_event(alarm_type="41"))

    assert len(aws.alarms()) == 3
    assert len(aws.media_keys()) == 3


def test_alarm_reads_once_then_stores_media_then_record_then_camera(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN a registered camera
    WHEN it pushes an alarm with a video
    THEN the function reads once (BatchGetItem: camera registered? alarm stored?), puts the
    media, then the alarm record that points at it, then updates the camera; the reply comes
    after all of it."""
    aws.register()
    alarm = functions("AlarmFunction")
    with spy.watching():
        reply = reply_of(invoke(alarm, alarm_event(video=MP4)))

    assert reply == SUCCESS
    assert spy.operations() == [
        "BatchGetItem",
        "PutObject",
        "PutObject",
        "PutItem",
        "UpdateItem",
    ]


def test_alarm_retry_makes_no_write_but_the_camera_update(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN an alarm already stored
    WHEN the camera retries it
    THEN the function reads once and only updates the camera (no S3 put, no record put)."""
    aws.register()
    alarm = functions("AlarmFunction")
    invoke(alarm, alarm_event())
    with spy.watching():
        reply = reply_of(invoke(alarm, alarm_event()))

    assert reply == SUCCESS
    assert spy.operations() == ["BatchGetItem", "UpdateItem"]


def test_concurrent_retry_that_loses_the_race_removes_its_own_media(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN two deliveries of the same alarm, both past the lookup before either stored it
    WHEN the second one's conditional record put finds the first one's record
    THEN it answers Success, removes the media it put, and one record with its media remains."""
    aws.register()
    alarm = functions("AlarmFunction")
    event = alarm_event(time_ms=RECEIVED_MS)
    racing = alarm_event(time_ms=RECEIVED_MS + 2_000)
    # The racing delivery runs to completion just before this one writes its record.
    spy.before("PutItem", lambda: reply_of(invoke(alarm, racing)))
    with spy.watching():
        reply = reply_of(invoke(alarm, event))

    assert reply == SUCCESS
    (record,) = aws.alarms()
    assert aws.media_keys() == [record["pictureKey"]["S"]]
