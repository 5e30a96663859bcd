"""The template's LoggingConfig, honoured by the local stack as Lambda honours it.

GIVEN ``LogFormat: JSON``, ``SystemLogLevel: WARN`` and ``ApplicationLogLevel`` from the
``LogLevel`` parameter WHEN functions run in the local stack's workers THEN a successful
invocation writes no platform line, application lines below the level are dropped
(Powertools' own and EMF lines, which carry no level and so count as INFO), and a
successful heartbeat writes nothing at all.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from vstarcam_tools.local.lambda_logs import line_level
from vstarcam_tools.local.workers import FunctionPool
from vstarcam_tools.template import FunctionSpec, Stack

from tests.conftest import JPEG, PUSH_KEY, alarm_body, register_camera
from tests.e2e.localstack import LocalStackProcess, start_local_stack

PRINTER = """
import json
import logging
import sys

from vstarcam_push.runtime.logs import JsonLogger

logger = JsonLogger("probe")


def lambda_handler(event, context):
    logger.debug("a debug line")
    logger.info("an info line")
    logger.warning("a warning line")
    print(json.dumps({"_aws": {"CloudWatchMetrics": []}, "Probe": [1.0]}))
    print("plain text")
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {}
"""


def _probe(tmp_path: Path, logging_config: dict[str, str], event: dict[str, Any]) -> list[str]:
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(PRINTER)
    environment = {"PYTHONPATH": str(Path(__file__).parents[2] / "layers" / "shared")}
    if logging_config.get("LogFormat") == "JSON":
        environment["AWS_LAMBDA_LOG_LEVEL"] = logging_config["ApplicationLogLevel"]
    spec = FunctionSpec(
        logical_id="ProbeFunction",
        name="e2e-probefunction",
        code_dir=code,
        handler="app.lambda_handler",
        environment=environment,
        memory_mb=128,
        timeout_s=10,
        events={},
        logging=logging_config,
    )
    log = tmp_path / "probe.log"
    pool = FunctionPool(spec, environment, log_file=log)
    try:
        pool.invoke(event)
    finally:
        pool.close()
    return [line for line in log.read_text().splitlines() if not line.startswith(" ")]


@pytest.mark.parametrize(
    ("level", "kept"),
    [
        ("DEBUG", ["a debug line", "an info line", "a warning line", "Probe", "plain text"]),
        ("INFO", ["an info line", "a warning line", "Probe", "plain text"]),
        ("WARN", ["a warning line"]),
        ("ERROR", []),
    ],
)
def test_application_lines_below_the_level_are_dropped_and_platform_lines_too(
    tmp_path: Path, level: str, kept: list[str]
) -> None:
    config = {"LogFormat": "JSON", "SystemLogLevel": "WARN", "ApplicationLogLevel": level}
    lines = _probe(tmp_path, config, {})

    texts = [
        line if not line.startswith("{") else json.loads(line).get("message", "Probe")
        for line in lines
    ]
    assert texts == kept


def test_a_failed_invocation_is_reported_at_warn(tmp_path: Path) -> None:
    config = {"LogFormat": "JSON", "SystemLogLevel": "WARN", "ApplicationLogLevel": "ERROR"}
    lines = _probe(tmp_path, config, {"fail": True})

    reports = [json.loads(line) for line in lines if line.startswith('{"time"')]
    assert [report["type"] for report in reports] == ["platform.report"]
    assert reports[0]["record"]["status"] == "error"


def test_system_info_keeps_the_platform_lines_as_json(tmp_path: Path) -> None:
    config = {"LogFormat": "JSON", "SystemLogLevel": "INFO", "ApplicationLogLevel": "ERROR"}
    lines = _probe(tmp_path, config, {})

    types = [json.loads(line)["type"] for line in lines if line.startswith('{"time"')]
    assert types == ["platform.start", "platform.report"]


def test_lambda_reads_a_line_without_a_valid_level_as_info() -> None:
    assert line_level('{"level":"WARNING","message":"x"}') == "WARN"
    assert line_level('{"level":"CRITICAL"}') == "FATAL"
    assert line_level('{"_aws":{}}') == "INFO"
    assert line_level('{"level":"LOUD"}') == "INFO"
    assert line_level("START RequestId: 1") == "INFO"
    assert line_level("[1, 2]") == "INFO"


def test_every_function_logs_json_with_the_levels_of_the_template() -> None:
    """The Globals LoggingConfig reaches every function, and Lambda's level variable with it."""
    stack = Stack(overrides={"LogLevel": "WARN"})
    for table in ("AlarmsTable", "CamerasTable"):
        stack.attributes[(table, "StreamArn")] = f"arn:aws:dynamodb:::table/{table}/stream/x"
    for spec in stack.functions().values():
        # Each function also names its own log group (the IAM fence); the levels are Globals'.
        levels = {key: value for key, value in spec.logging.items() if key != "LogGroup"}
        assert levels == {
            "LogFormat": "JSON",
            "SystemLogLevel": "WARN",
            "ApplicationLogLevel": "WARN",
        }
        assert spec.environment["AWS_LAMBDA_LOG_LEVEL"] == "WARN"
        assert "POWERTOOLS_LOG_LEVEL" not in spec.environment


@pytest.fixture(scope="module")
def warn_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    logs = tmp_path_factory.mktemp("warn-stack-logs")
    stack = start_local_stack(
        schedule_rate=None, parameter_overrides={"LogLevel": "WARN"}, log_dir=logs
    )
    stack.log_dir = logs  # type: ignore[attr-defined]
    yield stack
    stack.stop()


def _function_log(stack: LocalStackProcess, logical_id: str) -> list[str]:
    path = stack.log_dir / f"{logical_id}.log"  # type: ignore[attr-defined]
    deadline = time.monotonic() + 10
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return path.read_text().splitlines() if path.exists() else []


def test_the_local_stack_at_warn_writes_only_the_refusal(warn_stack: LocalStackProcess) -> None:
    """GIVEN the local stack with LogLevel=WARN
    WHEN a registered camera sends a heartbeat and an alarm, and an unknown one a heartbeat
    THEN the heartbeat log holds one line, the refusal (WARNING, with its reason), and the
    alarm log nothing: no INFO line, no EMF line, no START/END/REPORT."""
    from vstarcam_push.dal.camera_registry import CameraRegistry

    registry = CameraRegistry(warn_stack.client("dynamodb"), warn_stack.outputs.cameras_table)
    register_camera(
        warn_stack.client("dynamodb"),
        registry.table,
        "VE0005622QHOW",
        "Front door",
        180,
        int(time.time()),
    )
    keyed = f"{warn_stack.heartbeat_url}/{PUSH_KEY}"
    assert requests.post(keyed, json={"vuid": "VE0005622QHOW"}, timeout=30).ok
    refused = requests.post(keyed, json={"vuid": "VE0000000NONE"}, timeout=30)
    assert refused.status_code == 403
    body, content_type = alarm_body(picture=JPEG)
    sent = requests.post(
        f"{warn_stack.alarm_url}/{PUSH_KEY}",
        data=body,
        headers={"Content-Type": content_type},
        timeout=30,
    )
    assert sent.ok

    heartbeat_lines = [json.loads(line) for line in _function_log(warn_stack, "HeartbeatFunction")]
    assert [(line["level"], line["reason"]) for line in heartbeat_lines] == [
        ("WARNING", "unknown_camera")
    ]
    assert _function_log(warn_stack, "AlarmFunction") == []
