"""Observability: JSON log lines carrying the request id, and CloudWatch EMF metrics for
heartbeats, alarms by type, refusals by reason, unknown cameras, offline transitions and
notifications."""

from __future__ import annotations

import time
import warnings

from tests.conftest import (
    VUID,
    LambdaContext,
    alarm_event,
    heartbeat_event,
    invoke,
    reply_of,
)
from tests.integration.conftest import Aws, Emf, LoadFunction, LogCapture, Pipeline, metric


def test_heartbeat_is_counted_in_the_vstarcam_push_namespace(
    aws: Aws, functions: LoadFunction, emf: Emf
) -> None:
    """GIVEN a registered camera
    WHEN its heartbeat is handled
    THEN one EMF document counts Heartbeats=1 in namespace VStarcamPush, service heartbeat."""
    aws.register()
    heartbeat = functions("HeartbeatFunction")
    emf()
    reply_of(invoke(heartbeat, heartbeat_event({"vuid": VUID})))

    (blob,) = emf()
    assert metric([blob], "Heartbeats") == 1
    assert blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "VStarcamPush"
    assert blob["service"] == "heartbeat"


def test_refused_request_is_logged_with_its_reason_and_counted_by_reason(
    aws: Aws, functions: LoadFunction, logs: LogCapture, emf: Emf
) -> None:
    """GIVEN an unregistered camera
    WHEN its heartbeat is refused
    THEN a WARNING JSON log line carries the Lambda and API Gateway request ids, the vuid and
    reason unknown_camera,
    and the metrics count one refusal with reason=unknown_camera and one unknown camera."""
    heartbeat = functions("HeartbeatFunction")
    logs.attach("heartbeat")
    emf()
    context = LambdaContext(aws_request_id="66666666-7777-8888-9999-000000000000")
    event = heartbeat_event({"vuid": VUID})
    reply = reply_of(heartbeat.lambda_handler(event, context))

    assert reply["code"] == "403"
    (line,) = [line for line in logs.lines() if line["level"] == "WARNING"]
    assert line["function_request_id"] == context.aws_request_id
    assert line["api_request_id"] == event["requestContext"]["requestId"]
    assert line["vuid"] == VUID
    assert line["reason"] == "unknown_camera"
    assert line["service"] == "heartbeat"
    blobs = emf()
    assert metric(blobs, "Refusals", reason="unknown_camera") == 1
    assert metric(blobs, "UnknownCameras") == 1
    assert metric(blobs, "Heartbeats") == 0


def test_bad_input_is_counted_by_its_reason(aws: Aws, functions: LoadFunction, emf: Emf) -> None:
    """GIVEN a heartbeat that is not JSON and an alarm push that is not multipart
    WHEN they are refused
    THEN each refusal is counted with its own reason (not_json, not_multipart)."""
    heartbeat = functions("HeartbeatFunction")
    alarm = functions("AlarmFunction")
    emf()
    invoke(heartbeat, heartbeat_event(b"hello"))
    invoke(alarm, heartbeat_event({"vuid": VUID}))

    blobs = emf()
    assert metric(blobs, "Refusals", reason="not_json") == 1
    assert metric(blobs, "Refusals", reason="not_multipart") == 1
    assert metric(blobs, "UnknownCameras") == 0


def test_stored_alarm_is_logged_and_counted_by_alarm_type(
    aws: Aws, functions: LoadFunction, logs: LogCapture, emf: Emf
) -> None:
    """GIVEN a registered camera
    WHEN it pushes a smoke alarm (0x26) and then retries it
    THEN "alarm stored" is logged with the vuid, alarm type and alarm id, the Alarms metric
    counts it once by alarmType=0x26, and the retry counts as a duplicate."""
    aws.register()
    alarm = functions("AlarmFunction")
    logs.attach("alarm")
    emf()
    invoke(alarm, alarm_event(alarm_type="0x26"))
    invoke(alarm, alarm_event(alarm_type="0x26"))

    blobs = emf()
    assert metric(blobs, "AlarmsByType", alarmType="0x26") == 1
    assert metric(blobs, "Alarms") == 1
    assert metric(blobs, "DuplicateAlarms") == 1
    stored = [line for line in logs.lines() if line["message"] == "alarm stored"]
    assert len(stored) == 1
    assert stored[0]["vuid"] == VUID
    assert stored[0]["alarm_type"] == "0x26"
    assert stored[0]["alarm_id"].startswith(f"{VUID}-")
    assert stored[0]["function_request_id"]


def test_offline_transitions_are_counted(aws: Aws, functions: LoadFunction, emf: Emf) -> None:
    """GIVEN two cameras past their deadline
    WHEN the sweep marks them offline
    THEN the OfflineTransitions metric is 2."""
    heartbeat = functions("HeartbeatFunction")
    for vuid in (VUID, "OKB0379853SNLJ"):
        aws.register(vuid)
        invoke(heartbeat, heartbeat_event({"vuid": vuid}, (int(time.time()) - 600) * 1000))
    sweep = functions("OfflineSweepFunction")
    emf()
    invoke(sweep, {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}})

    assert metric(emf(), "OfflineTransitions") == 2


def test_a_sweep_that_marks_no_camera_offline_publishes_no_metric(
    aws: Aws, functions: LoadFunction, emf: Emf
) -> None:
    """GIVEN a camera whose heartbeat is recent
    WHEN the sweep runs
    THEN it writes no EMF document: an every-minute zero would be a paid, always-on metric."""
    aws.register()
    invoke(functions("HeartbeatFunction"), heartbeat_event({"vuid": VUID}))
    sweep = functions("OfflineSweepFunction")
    emf()
    invoke(sweep, {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}})

    assert emf() == []


def test_quiet_invocations_write_no_powertools_warning(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN a quiet sweep and a refused heartbeat, neither of which adds to the metric set
    WHEN each runs
    THEN Powertools' "No application metrics" warning is not raised: in Lambda it would be a
    stray non-JSON line in a log that is otherwise JSON."""
    sweep = functions("OfflineSweepFunction")
    heartbeat = functions("HeartbeatFunction")
    with warnings.catch_warnings(record=True) as caught:
        invoke(sweep, {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}})
        invoke(heartbeat, heartbeat_event({"vuid": "VE0000000NONE"}))

    assert [str(warning.message) for warning in caught] == []


def test_notifications_sent_are_counted_by_event(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, emf: Emf
) -> None:
    """GIVEN an alarm, then the camera going offline
    WHEN the notifications are sent
    THEN NotificationsSent is counted with event=alarm and event=offline."""
    aws.register()
    heartbeat = functions("HeartbeatFunction")
    ten_minutes_ago_ms = (int(time.time()) - 600) * 1000
    invoke(heartbeat, heartbeat_event({"vuid": VUID}, ten_minutes_ago_ms))
    invoke(functions("AlarmFunction"), alarm_event(time_ms=ten_minutes_ago_ms + 1000))
    invoke(functions("OfflineSweepFunction"), {"detail-type": "Scheduled Event", "detail": {}})
    emf()
    pipeline.flush()

    blobs = emf()
    assert metric(blobs, "NotificationsSent", event="alarm") == 1
    assert metric(blobs, "NotificationsSent", event="offline") == 1
