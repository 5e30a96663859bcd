"""Observability: JSON log lines carrying the request id; CloudWatch EMF metrics for alarms
by type, refusals by reason and unknown cameras; the heartbeat's refusals and the sweep's
offline transitions counted by metric filters on their log lines; notifications logged by
event (SNS counts them for free), and nothing at all written for a successful heartbeat."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from vstarcam_tools.template import PROJECT_ROOT as TEMPLATE_DIR
from vstarcam_tools.template import load_template

from tests.conftest import (
    VUID,
    LambdaContext,
    alarm_event,
    heartbeat_event,
    invoke,
    reply_of,
)
from tests.integration.conftest import (
    Aws,
    Emf,
    LoadFunction,
    LogCapture,
    Pipeline,
    metric,
    metric_filter_counts,
)

TEMPLATE = load_template()


def test_a_successful_heartbeat_writes_no_log_line_and_no_metric(
    aws: Aws, functions: LoadFunction, logs: LogCapture, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a registered camera
    WHEN its heartbeat is handled
    THEN nothing is written: no application line, no EMF line (heartbeats are counted by
    the function's free AWS/Lambda Invocations metric)."""
    aws.register()
    heartbeat = functions("HeartbeatFunction")
    logs.attach("heartbeat")
    capsys.readouterr()
    reply_of(invoke(heartbeat, heartbeat_event({"vuid": VUID})))

    assert capsys.readouterr().out == ""
    assert logs.lines() == []


def test_at_debug_a_heartbeat_says_it_was_accepted(
    aws: Aws, functions: LoadFunction, logs: LogCapture
) -> None:
    """GIVEN LogLevel=DEBUG WHEN a registered camera's heartbeat is handled THEN one DEBUG
    line says so, with the vuid (at INFO it writes nothing: the test above)."""
    aws.register()
    heartbeat = functions("HeartbeatFunction", AWS_LAMBDA_LOG_LEVEL="DEBUG")
    logs.attach("heartbeat")
    reply_of(invoke(heartbeat, heartbeat_event({"vuid": VUID})))

    (line,) = logs.lines()
    assert (line["level"], line["message"], line["vuid"]) == ("DEBUG", "heartbeat accepted", VUID)


@pytest.mark.parametrize("function", ["heartbeat", "offline_sweep", "notify"])
def test_the_heartbeat_sweep_and_notify_functions_import_no_powertools(function: str) -> None:
    """Powertools' package imports its Metrics and Tracer, whatever is imported from it:
    a tenth of the heartbeat's cold start, a twentieth of the sweep's and the notifier's
    (vstarcam_push.runtime.logs; their metrics come from metric filters on their log lines)."""
    source = Path(TEMPLATE_DIR, "functions", function, "app.py").read_text()
    tree = ast.parse(source)
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not [name for name in imported if name.startswith("aws_lambda_powertools")]
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, runpy; runpy.run_path(sys.argv[1]); "
            "print(sorted(m for m in sys.modules if m.startswith('aws_lambda_powertools')))",
            str(Path(TEMPLATE_DIR, "functions", function, "app.py")),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "AWS_DEFAULT_REGION": "us-east-1",
            "CAMERAS_TABLE": "cameras",
            "TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t",
            "MEDIA_BUCKET": "media",
            "DESTINATIONS_TABLE": "destinations",
        },
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "[]"


def test_refused_heartbeat_is_logged_with_its_reason_and_counted_by_the_metric_filters(
    aws: Aws, functions: LoadFunction, logs: LogCapture, emf: Emf
) -> None:
    """GIVEN an unregistered camera
    WHEN its heartbeat is refused
    THEN one WARNING JSON log line carries the Lambda and API Gateway request ids, the vuid,
    the service and reason unknown_camera; the template's metric filters turn it into one
    Refusals (reason=unknown_camera, service=heartbeat) and one UnknownCameras; no EMF."""
    heartbeat = functions("HeartbeatFunction")
    logs.attach("heartbeat")
    emf()
    context = LambdaContext(aws_request_id="66666666-7777-8888-9999-000000000000")
    event = heartbeat_event({"vuid": VUID})
    reply = reply_of(heartbeat.lambda_handler(event, context))

    assert reply["code"] == "403"
    (line,) = logs.lines()
    assert line["level"] == "WARNING"
    assert line["message"] == "request refused"
    assert line["function_request_id"] == context.aws_request_id
    assert line["api_request_id"] == event["requestContext"]["requestId"]
    assert line["vuid"] == VUID
    assert line["reason"] == "unknown_camera"
    assert line["service"] == "heartbeat"
    assert metric_filter_counts(line) == {
        "Refusals": {"reason": "unknown_camera", "service": "heartbeat"},
        "UnknownCameras": {"service": "heartbeat"},
    }
    assert emf() == []


def test_refused_alarm_is_counted_by_reason_in_emf(
    aws: Aws, functions: LoadFunction, emf: Emf
) -> None:
    """GIVEN an unregistered camera
    WHEN its alarm push is refused
    THEN the alarm function's EMF counts one refusal with reason=unknown_camera and one
    unknown camera."""
    emf()
    reply = reply_of(invoke(functions("AlarmFunction"), alarm_event()))

    assert reply["code"] == "403"
    blobs = emf()
    assert metric(blobs, "Refusals", reason="unknown_camera") == 1
    assert metric(blobs, "UnknownCameras") == 1


def test_bad_input_is_counted_by_its_reason(
    aws: Aws, functions: LoadFunction, logs: LogCapture, emf: Emf
) -> None:
    """GIVEN a heartbeat that is not JSON and an alarm push that is not multipart
    WHEN they are refused
    THEN each refusal is counted with its own reason: the heartbeat's by the metric filter
    on its log line (not_json), the alarm's in EMF (not_multipart)."""
    heartbeat = functions("HeartbeatFunction")
    alarm = functions("AlarmFunction")
    logs.attach("heartbeat")
    emf()
    invoke(heartbeat, heartbeat_event(b"hello"))
    invoke(alarm, heartbeat_event({"vuid": VUID}))

    (line,) = logs.lines()
    assert metric_filter_counts(line) == {
        "Refusals": {"reason": "not_json", "service": "heartbeat"}
    }
    blobs = emf()
    assert metric(blobs, "Refusals", reason="not_multipart") == 1
    assert metric(blobs, "UnknownCameras") == 0


def test_stored_alarm_is_logged_and_counted_by_alarm_type(
    aws: Aws, functions: LoadFunction, logs: LogCapture, emf: Emf
) -> None:
    """GIVEN a registered camera
    WHEN it pushes a smoke alarm (0x26) and then retries it
    THEN "alarm stored" is logged with the vuid, alarm type and alarm id, AlarmsByType
    counts it once with alarmType=0x26, and the retry counts as a duplicate."""
    aws.register()
    alarm = functions("AlarmFunction")
    logs.attach("alarm")
    emf()
    invoke(alarm, alarm_event(alarm_type="0x26"))
    invoke(alarm, alarm_event(alarm_type="0x26"))

    blobs = emf()
    assert metric(blobs, "AlarmsByType", alarmType="0x26") == 1
    assert metric(blobs, "Alarms") == 0  # the total is the sum by type, not a metric of its own
    assert metric(blobs, "DuplicateAlarms") == 1
    stored = [line for line in logs.lines() if line["message"] == "alarm stored"]
    assert len(stored) == 1
    assert stored[0]["vuid"] == VUID
    assert stored[0]["alarm_type"] == "0x26"
    assert stored[0]["alarm_id"].startswith(f"{VUID}-")
    assert stored[0]["function_request_id"]


def test_offline_transitions_are_counted_by_the_metric_filter(
    aws: Aws, functions: LoadFunction, emf: Emf, logs: LogCapture
) -> None:
    """GIVEN two cameras past their deadline
    WHEN the sweep marks them offline
    THEN its one line names them and counts 2, which the template's metric filter makes
    the OfflineTransitions metric; no EMF line (the sweep imports no Powertools); a sweep
    that finds nobody writes nothing."""
    heartbeat = functions("HeartbeatFunction")
    for vuid in (VUID, "OKB0379853SNLJ"):
        aws.register(vuid)
        invoke(heartbeat, heartbeat_event({"vuid": vuid}, (int(time.time()) - 600) * 1000))
    sweep = functions("OfflineSweepFunction")
    logs.attach("offline-sweep")
    emf()
    schedule = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    invoke(sweep, schedule)

    (line,) = logs.lines()
    assert sorted(line["vuids"]) == sorted([VUID, "OKB0379853SNLJ"])
    assert metric_filter_counts(line, "OfflineSweepLogs") == {
        "OfflineTransitions": {"service": "offline-sweep", "_value": 2}
    }
    assert emf() == []
    invoke(sweep, schedule)
    assert len(logs.lines()) == 1


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


def test_notifications_sent_are_logged_by_event_and_cost_no_custom_metric(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, emf: Emf, logs: LogCapture
) -> None:
    """GIVEN an alarm, then the camera going offline
    WHEN the notifications are sent
    THEN each is published and logged with its event, and no NotificationsSent metric is
    written: SNS's free NumberOfMessagesPublished counts them (a custom metric costs $0.30
    a month for each event, by the hours it is published)."""
    aws.register()
    heartbeat = functions("HeartbeatFunction")
    ten_minutes_ago_ms = (int(time.time()) - 600) * 1000
    invoke(heartbeat, heartbeat_event({"vuid": VUID}, ten_minutes_ago_ms))
    invoke(functions("AlarmFunction"), alarm_event(time_ms=ten_minutes_ago_ms + 1000))
    invoke(functions("OfflineSweepFunction"), {"detail-type": "Scheduled Event", "detail": {}})
    emf()
    logs.attach("notify")
    pipeline.flush()

    blobs = emf()
    assert len(aws.published()) == 2
    sent = [line for line in logs.lines() if line.get("message") == "notification sent"]
    assert sorted(line["event"] for line in sent) == ["alarm", "offline"]
    assert metric(blobs, "NotificationsSent") == 0
