"""A sender rotating alarm types, or a storm of alarms, cannot send a hundred messages: unknown
codes share one cooldown slot, and a per-camera ceiling caps notifications across types.
Every alarm is still stored."""

from __future__ import annotations

from datetime import UTC, datetime

from vstarcam_push.notify.messages import format_time

from tests.conftest import JPEG, VUID, alarm_event, invoke, reply_of
from tests.integration.conftest import Aws, Emf, LoadFunction, LogCapture, Pipeline, filtered_metric

ALARM_MS = int(datetime(2026, 11, 26, 14, 3, 11, tzinfo=UTC).timestamp() * 1000)


def push(alarm: object, alarm_type: str, number: int) -> None:
    event = alarm_event(
        ALARM_MS + number * 1000, alarm_type=alarm_type, picture=JPEG + number.to_bytes(2, "big")
    )
    assert reply_of(invoke(alarm, event))["code"] == "200"  # type: ignore[arg-type]


def test_fifty_forged_alarm_types_in_a_minute_give_one_notification(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, emf: Emf, logs: LogCapture
) -> None:
    """GIVEN a sender rotating through 50 codes no camera uses (0x100 up), within a minute
    WHEN they are stored and the stream delivered
    THEN all 50 are stored, named unknown, and one is notified: they share one cooldown
    slot (before, 50 forged types gave 50 notifications)."""
    aws.register()
    alarm = functions("AlarmFunction", ALARM_RATE_LIMIT="1000")
    for number in range(50):
        push(alarm, hex(0x100 + number), number)
    emf()
    logs.attach("notify")
    pipeline.flush()

    assert len(aws.alarms()) == 50
    assert all(item["alarmTypeName"]["S"].startswith("unknown") for item in aws.alarms())
    assert len(aws.published()) == 1
    assert filtered_metric(logs.lines(), "NotifyLogs", "NotificationsSuppressed") == 49


def test_the_ceiling_caps_notifications_across_alarm_types(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, emf: Emf, logs: LogCapture
) -> None:
    """GIVEN NotifyCeiling=3 per 600 s and no cooldown
    WHEN a camera pushes 8 alarms of the vendor's 8 types within a minute
    THEN 3 are notified, 5 stored but not notified and counted as capped, each with a line
    naming the camera, the ceiling and when its window ends."""
    aws.register()
    pipeline.notify = functions("NotifyFunction", NOTIFY_CEILING="3", NOTIFY_COOLDOWN_SECONDS="0")
    alarm = functions("AlarmFunction")
    for number, code in enumerate(("18", "20", "38", "39", "40", "41", "109", "110")):
        push(alarm, code, number)
    emf()
    logs.attach("notify")
    pipeline.flush()

    assert len(aws.alarms()) == 8
    assert len(aws.published()) == 3
    assert filtered_metric(logs.lines(), "NotifyLogs", "NotificationsCapped") == 5
    camera = aws.camera(VUID)
    assert camera is not None and camera["notifyCount"] == {"N": "3"}
    window_ends = format_time(int(camera["notifyWindow"]["N"]) + 600)
    capped = [line for line in logs.lines() if line.get("reason") == "ceiling"]
    assert [(line["vuid"], line["until"]) for line in capped] == [(VUID, window_ends)] * 5
    assert capped[0]["notice"] == (
        f"HELD  alarm    {VUID}    not notified: the camera is over its ceiling of 3 "
        f"notifications per 600 s until {window_ends}"
    )


def test_after_the_ceilings_window_the_camera_is_notified_again(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    """GIVEN NotifyCeiling=1 per 600 s WHEN a second alarm type comes within the window, and a
    third after it THEN the first and the third are notified."""
    aws.register()
    pipeline.notify = functions("NotifyFunction", NOTIFY_CEILING="1")
    alarm = functions("AlarmFunction")

    push(alarm, "18", 0)
    pipeline.flush()
    push(alarm, "20", 1)
    pipeline.flush()
    assert len(aws.published()) == 1

    # The notifier's clock is the record's processing time: move the window's start back.
    aws.dynamodb.update_item(
        TableName=aws.cameras_table,
        Key={"vuid": {"S": VUID}},
        UpdateExpression="SET notifyWindow = notifyWindow - :hour",
        ExpressionAttributeValues={":hour": {"N": "3600"}},
    )
    push(alarm, "38", 2)
    pipeline.flush()

    assert len(aws.published()) == 2
