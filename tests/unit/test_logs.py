"""Log levels: Lambda's ApplicationLogLevel (AWS_LAMBDA_LOG_LEVEL) wins over
POWERTOOLS_LOG_LEVEL, in Powertools' Logger and in the heartbeat's stand-in alike."""

from __future__ import annotations

import io
import json
import logging
import uuid
import warnings

import pytest
from aws_lambda_powertools import Logger
from vstarcam_push.runtime.logs import WIRE_LOGGERS, JsonLogger, log_level, quiet_wire_loggers


@pytest.mark.parametrize(
    ("lambda_level", "powertools_level", "expected"),
    [
        ("WARN", "DEBUG", "WARNING"),
        ("DEBUG", "ERROR", "DEBUG"),
        ("FATAL", None, "CRITICAL"),
        (None, "ERROR", "ERROR"),
        (None, None, "INFO"),
    ],
)
def test_lambdas_level_wins_in_powertools_and_in_the_stand_in(
    monkeypatch: pytest.MonkeyPatch,
    lambda_level: str | None,
    powertools_level: str | None,
    expected: str,
) -> None:
    for name, value in (
        ("AWS_LAMBDA_LOG_LEVEL", lambda_level),
        ("POWERTOOLS_LOG_LEVEL", powertools_level),
    ):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        powertools = Logger(service=f"probe-{uuid.uuid4().hex}")

    assert logging.getLevelName(powertools.log_level) == expected
    assert log_level() == expected


def test_powertools_warns_when_its_level_is_more_verbose_than_lambdas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Why the template sets no POWERTOOLS_LOG_LEVEL: this warning would be a non-JSON
    line in every cold start's log."""
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "WARN")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "INFO")
    with pytest.warns(UserWarning, match="Advanced Logging Controls"):
        Logger(service=f"probe-{uuid.uuid4().hex}")


def test_the_stand_in_writes_powertools_line_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_LAMBDA_LOG_LEVEL", raising=False)
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "INFO")
    logger = JsonLogger(f"probe-{uuid.uuid4().hex}")
    stream = io.StringIO()
    logger._logger.handlers[0].stream = stream  # type: ignore[attr-defined]

    class Context:
        aws_request_id = "11111111-2222-3333-4444-555555555555"

    @logger.inject_lambda_context
    def handler(event: object, context: object) -> None:
        logger.append_keys(vuid="VE0005622QHOW")
        logger.debug("not written at INFO")
        logger.warning("request refused", extra={"reason": "unknown_camera"})

    handler({}, Context())
    handler({}, Context())

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2
    line = lines[0]
    assert set(line) >= {"level", "location", "message", "timestamp", "service"}
    assert line["level"] == "WARNING" and line["message"] == "request refused"
    assert line["reason"] == "unknown_camera" and line["vuid"] == "VE0005622QHOW"
    assert line["function_request_id"] == Context.aws_request_id
    assert line["location"].startswith("handler:")


# -- the wire loggers: never below INFO ----------------------------------------------------

WIRE_CHILDREN = ("botocore.parsers", "botocore.endpoint", "botocore.auth", "urllib3.connectionpool")


@pytest.mark.parametrize(
    ("lambda_level", "expected"),
    [
        ("TRACE", "INFO"),
        ("DEBUG", "INFO"),
        ("INFO", "INFO"),
        ("WARN", "WARNING"),
        ("ERROR", "ERROR"),
    ],
)
def test_the_wire_loggers_stay_at_info_or_above_and_follow_a_higher_level(
    monkeypatch: pytest.MonkeyPatch, lambda_level: str, expected: str
) -> None:
    """At DEBUG and TRACE botocore would log SSM's decrypted answers and urllib3 the request
    lines with tokens in them; at WARN their INFO lines stay out, as the function's do."""
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", lambda_level)
    for name in WIRE_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)

    quiet_wire_loggers()

    for name in WIRE_LOGGERS + WIRE_CHILDREN:
        assert logging.getLevelName(logging.getLogger(name).getEffectiveLevel()) == expected
