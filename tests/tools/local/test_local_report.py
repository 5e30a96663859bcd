"""The local stack's terminal: nothing a sender controls reaches it raw (no control character,
no forged line, no push key), and the start message's commands work when pasted."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
from pathlib import Path

import pytest
from vstarcam_tools.local import report
from vstarcam_tools.local.http_api import RequestRecord, Route
from vstarcam_tools.local.report import (
    CleanLines,
    SafeFormatter,
    clean,
    cli_command,
    describe_notification,
    request_line,
    route_shape,
)

from tests.unit.conftest import _no_network  # noqa: F401  (no socket is opened)

ROUTES = [
    Route("POST", "/heartbeat/{key}", "HeartbeatFunction"),
    Route("POST", "/heartbeat", "HeartbeatFunction"),
    Route("POST", "/alarm/{key}", "AlarmFunction"),
    Route("GET", "/alarms/{alarmId}/{media}", "MediaLinkFunction"),
    Route("GET", "/api/cameras/{vuid}/urls", "ConsoleApiFunction"),
]
KEY = "q3NwXlE2b7Zk8Yd1Jm4TfA"
# A vuid that would print a forged notification line, clear the screen and retitle the window.
FORGED = "VE1\r\n12:00:00  SNS   alarm    VE0005622QHOW    Door: Motion\x1b[2J\x1b]0;x\x07\u202e"


def record(
    path: str, body: bytes = b"", route: Route | None = None, method: str = "POST"
) -> RequestRecord:
    return RequestRecord(method, path, route, 404, 1.0, False, "application/json", body, None)


def test_clean_keeps_one_line_of_printable_text() -> None:
    cleaned = clean(FORGED)

    assert "\n" not in cleaned and "\r" not in cleaned
    assert not any(ord(char) < 32 or 0x7F <= ord(char) < 0xA0 for char in cleaned)
    assert "\u202e" not in cleaned  # no right-to-left override
    assert clean("Front door \u00e9\u00e8 \U0001f6aa") == "Front door \u00e9\u00e8 \U0001f6aa"
    assert len(clean("x" * 1000)) == report.MAX_VALUE


@pytest.mark.parametrize(
    ("method", "path", "shape"),
    [
        ("POST", f"/alarm/{KEY}/x", "POST /alarm/<key>/…"),
        ("POST", f"/heartbeat/{KEY}/a/b", "POST /heartbeat/<key>/…"),
        ("GET", f"/alarm/{KEY}", "GET /alarm/<key>"),  # a route's path with another method
        ("POST", f"/{KEY}", "POST /…"),
        ("GET", "/wp-login.php", "GET /…"),
        ("GET", "/", "GET /"),
        ("POST", f"/api/cameras/VE1/{KEY}", "POST /api/cameras/<vuid>/…"),
        ("G\x1bET", "/x", "GET /…"),
    ],
)
def test_an_unmatched_path_is_printed_as_a_route_shape(method: str, path: str, shape: str) -> None:
    assert route_shape(method, path, ROUTES) == shape


def test_the_request_line_never_prints_the_key_or_a_forged_vuid() -> None:
    unmatched = request_line(record(f"/alarm/{KEY}/x"), ROUTES)
    forged = request_line(
        record(f"/heartbeat/{KEY}", json.dumps({"vuid": FORGED}).encode(), ROUTES[0]), ROUTES
    )

    assert KEY not in unmatched and unmatched.startswith("POST /alarm/<key>/…")
    assert forged.startswith("POST /heartbeat/{key}") and KEY not in forged
    assert "\n" not in forged and "\x1b" not in forged and "\r" not in forged


def test_sns_lines_and_function_notices_clean_every_value() -> None:
    attributes = {"event": {"Value": "alarm\x1b[1m"}, "vuid": {"Value": FORGED}}
    email = f"Door\n\nOpen the picture: http://x/p?token=a\x1b[2J\nOpen the video: {FORGED}"
    message = json.dumps({"default": "d", "sms": f"Door: {FORGED}", "email": email})
    notification = describe_notification(message, "Motion", attributes)
    # A function's notice (a push's outcome, a held-back alarm) names sender-chosen values.
    notice = clean(f"PUSH  alarm  {FORGED}  -> phone  gave up: {FORGED}")

    # The notification line and one line for each of the email's two links: no more.
    assert len(notification.splitlines()) == 3
    for text in (notification, notice):
        assert "\x1b" not in text and "\r" not in text and "\x07" not in text
    assert "\n" not in notice


def test_every_value_logged_through_the_terminals_formatter_is_cleaned() -> None:
    """The safety net: lines logged elsewhere (stream and queue sources, schedules, werkzeug)
    with a sender's text in a value cannot forge a line either."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SafeFormatter("%(message)s"))
    log = logging.getLogger("tests.local-report")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("stream: function error: %s (%d)", FORGED, 3)
        log.warning("%(what)s", {"what": "a\nb"})
        log.warning(
            "%s", describe_notification(json.dumps({"sms": "x", "email": "Open the v"}), None, {})
        )
    finally:
        log.removeHandler(handler)
    lines = stream.getvalue().splitlines()

    assert lines[0].startswith("stream: function error: VE112:00:00") and lines[0].endswith("(3)")
    assert lines[1] == "ab"
    assert lines[2].startswith("SNS") and lines[3].strip() == "Open the v"
    assert "\x1b" not in stream.getvalue()


def test_the_banner_names_the_cli_by_a_path_that_works_when_pasted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make run` runs .venv/bin/vstarcam-push, whose folder is not on the PATH: a bare
    `vstarcam-push` is 'command not found' in another terminal."""
    bin_dir = tmp_path / "my venv" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "vstarcam-push"
    script.write_text("#!/bin/sh\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(report.sys, "executable", str(bin_dir / "python"))

    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    elsewhere = cli_command()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin")
    on_path = cli_command()

    assert elsewhere == f"'{script}'"
    assert on_path == "vstarcam-push"


def test_the_functions_own_output_shown_with_verbose_is_cleaned_and_marked() -> None:
    """A handler may print a sender's text, newlines and all: each line is cleaned and carries
    the function's name, so none passes for one of the stack's own lines."""
    terminal = io.StringIO()
    stream = CleanLines(terminal, "vstarcam-push-heartbeatfunction | ")

    stream.write("heartbeat from ")
    stream.write(f"{FORGED}\nTraceback (most recent call last):\n")
    stream.write("partial")

    lines = terminal.getvalue().split("\n")
    assert lines[-1] == ""  # the partial line waits for its end
    assert all(line.startswith("vstarcam-push-heartbeatfunction | ") for line in lines[:-1])
    assert lines[1].endswith("12:00:00  SNS   alarm    VE0005622QHOW    Door: Motion[2J]0;x")
    assert "\x1b" not in terminal.getvalue() and "\r" not in terminal.getvalue()


def test_what_a_camera_routes_function_says_for_people_follows_its_request_line() -> None:
    """An alarm sent twice (the README's curl twice) is answered 200 and stored once: the
    alarm function's notice says why it stays quiet, under the request line, cleaned."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SafeFormatter("%(message)s"))
    log = logging.getLogger("vstarcam_tools.local")
    log.addHandler(handler)
    level, propagate = log.level, log.propagate
    log.setLevel(logging.INFO)
    log.propagate = False
    said = f"HELD  alarm    {FORGED}    not stored or notified again: the same type and picture"
    try:
        report.request_logger(ROUTES)(
            RequestRecord(
                "POST",
                f"/alarm/{KEY}",
                ROUTES[2],
                200,
                3.0,
                False,
                "application/json",
                b"",
                None,
                notices=(said,),
            )
        )
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
        log.propagate = propagate
    lines = stream.getvalue().splitlines()

    assert len(lines) == 2 and lines[0].startswith("POST /alarm/{key}")
    assert (
        lines[1].startswith("HELD  alarm    VE112:00:00") and "not stored or notified" in lines[1]
    )
    assert "\x1b" not in stream.getvalue() and KEY not in stream.getvalue()
