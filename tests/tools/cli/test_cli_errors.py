"""Every CLI error is one line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from vstarcam_push.models.alarm import Alarm
from vstarcam_tools.local.http_api import AwsSdkHint
from vstarcam_tools.outputs import StackOutputs, publish_outputs
from vstarcam_tools.provision import create_resources
from vstarcam_tools.template import Stack
from werkzeug.serving import make_server

from tests.conftest import REGION, VUID
from tests.tools.cli.conftest import Result

UNKNOWN_ALARM = f"{VUID}-0123456789abcdef0123"


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.code == 1
    assert result.out == ""
    assert result.err.count("\n") == 1 and result.err.startswith("vstarcam-push: error: ")
    assert "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in result.err


@pytest.mark.parametrize(
    "argv",
    [
        ["cameras", "list"],
        ["cameras", "add", VUID],
        ["alarms", "list"],
        ["alarms", "get", UNKNOWN_ALARM],
    ],
)
def test_no_such_stack(cli: Callable[..., Result], deployed: StackOutputs, argv: list[str]) -> None:
    result = cli(*argv, "--stack", "not-deployed")
    assert_one_line_error(result, "no stack named 'not-deployed'", REGION)


@pytest.mark.parametrize(
    "argv",
    [
        ["cameras", "add", "VE-0005622"],
        ["cameras", "add", "abc"],
        ["cameras", "remove", "x" * 33],
        ["alarms", "list", "--vuid", "VE0005622QHOW;"],
        ["alarms", "get", "../etc-0123456789abcdef0123"],
    ],
)
def test_invalid_vuid_is_refused_before_any_aws_call(
    cli: Callable[..., Result], no_stack: None, argv: list[str]
) -> None:
    """No stack exists here: the vuid is checked first."""
    assert_one_line_error(cli(*argv), "invalid vuid", "4 to 32 letters and digits")


@pytest.mark.parametrize(
    "alarm_id",
    [VUID, f"{VUID}-0123", f"{VUID}-0123456789abcdef012z", f"{VUID}0123456789abcdef0123"],
)
def test_malformed_alarm_id(cli: Callable[..., Result], no_stack: None, alarm_id: str) -> None:
    assert_one_line_error(cli("alarms", "get", alarm_id), "invalid alarm id")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["alarms", "list", "--limit", "0"], "--limit: 0 must be at least 1"),
        (["cameras"], "required: ACTION"),
        (["cameras", "add"], "required: VUID"),
        (["cameras", "add", VUID, "--offline-after", "soon"], "--offline-after"),
        (["nonsense"], "invalid choice: 'nonsense'"),
        (["alarms", "list", "--no-such-option"], "unrecognized arguments: --no-such-option"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    cli: Callable[..., Result], no_stack: None, argv: list[str], fragment: str
) -> None:
    """GIVEN a command line argparse refuses
    THEN the error is one line on stderr (as the README says of every error), naming the
    command whose --help shows its usage, and the exit status is 2."""
    result = cli(*argv)

    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert fragment in result.err
    assert result.err.startswith("vstarcam-push")
    assert result.err.rstrip().endswith("--help')")
    assert ": error: " in result.err


def test_help_still_prints_the_usage(cli: Callable[..., Result], no_stack: None) -> None:
    result = cli("--help")

    assert result.code == 0
    assert result.out.startswith("usage: vstarcam-push")


def test_unknown_alarm_id(cli: Callable[..., Result], deployed: StackOutputs) -> None:
    assert_one_line_error(cli("alarms", "get", UNKNOWN_ALARM), f"no alarm {UNKNOWN_ALARM}")


def test_remove_unknown_camera(cli: Callable[..., Result], deployed: StackOutputs) -> None:
    assert_one_line_error(cli("cameras", "remove", VUID), f"camera {VUID} is not registered")


def test_alarms_of_an_unknown_camera(cli: Callable[..., Result], deployed: StackOutputs) -> None:
    assert_one_line_error(cli("alarms", "list", "--vuid", VUID), f"camera {VUID} is not registered")


def test_video_of_an_alarm_without_video_writes_nothing(
    cli: Callable[..., Result], store_alarm: Callable[..., Alarm], tmp_path: Path
) -> None:
    alarm = store_alarm(VUID)
    picture, video = tmp_path / "p.jpg", tmp_path / "v.mp4"
    result = cli("alarms", "get", alarm.alarm_id, "--picture", str(picture), "--video", str(video))
    assert_one_line_error(result, "has no video")
    assert not picture.exists() and not video.exists()


def test_unwritable_picture_file(
    cli: Callable[..., Result], store_alarm: Callable[..., Alarm], tmp_path: Path
) -> None:
    alarm = store_alarm(VUID)
    target = tmp_path / "missing-folder" / "p.jpg"
    result = cli("alarms", "get", alarm.alarm_id, "--picture", str(target))
    assert_one_line_error(result, str(target), "No such file or directory")


def test_aws_error_is_one_line(cli: Callable[..., Result], stack: Stack) -> None:
    """GIVEN outputs naming a missing table WHEN listing THEN the AWS error, one line."""
    outputs = {**stack.outputs(), "CamerasTableName": "no-such-table"}
    publish_outputs(boto3.client("cloudformation", region_name=REGION), "vstarcam-push", outputs)
    result = cli("cameras", "list")
    assert_one_line_error(result, "AWS error ResourceNotFoundException")


def test_no_credentials_with_a_non_loopback_endpoint(
    cli: Callable[..., Result], no_stack: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    # Nothing may fall back to the instance metadata service.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://aws.example.invalid")
    assert_one_line_error(cli("cameras", "list"), "no AWS credentials found")


def test_no_credentials_without_an_endpoint(
    cli: Callable[..., Result], no_stack: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert_one_line_error(cli("alarms", "list"), "no AWS credentials found")


def test_no_region(
    cli: Callable[..., Result], no_stack: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert_one_line_error(cli("cameras", "list"), "no AWS region")


def test_unreachable_local_stack(
    cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN AWS_ENDPOINT_URL at a loopback port where nothing listens THEN 'cannot reach'."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert_one_line_error(cli("cameras", "list"), f"cannot reach http://127.0.0.1:{port}")


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto server on a free loopback port, as the local stack runs one."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.mark.slow
def test_loopback_endpoint_works_without_configured_credentials(
    cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch, moto_server: str
) -> None:
    """GIVEN the stack in a moto server at AWS_ENDPOINT_URL and no credentials or region
    WHEN cameras are added and listed THEN it works, as against AWS."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    session = boto3.Session(region_name=REGION)
    stack = Stack(region=REGION)
    create_resources(stack, session)
    publish_outputs(session.client("cloudformation"), "vstarcam-push", stack.outputs())
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert cli("cameras", "add", VUID, "--name", "Front door").code == 0
    result = cli("cameras", "list")
    assert result.code == 0, result.err
    assert VUID in result.out and "Front door" in result.out


@pytest.mark.parametrize("endpoint", ["127.0.0.1:4566", "localhost:4566"])
def test_an_endpoint_without_a_scheme_names_the_value_to_use(
    cli: Callable[..., Result], no_stack: None, monkeypatch: pytest.MonkeyPatch, endpoint: str
) -> None:
    """Not "no AWS credentials found": the variable is what is wrong."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    assert_one_line_error(
        cli("cameras", "list"),
        f"AWS_ENDPOINT_URL={endpoint}",
        f"AWS_ENDPOINT_URL=http://{endpoint}",
    )


@contextmanager
def serving(app: Callable[..., Any]) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def not_found(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The local camera API's (and API Gateway's) answer to a path it does not route."""
    start_response("404 Not Found", [("content-type", "application/json")])
    return [b'{"message":"Not Found"}']


def web_page(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("content-type", "text/html")])
    return [b"<!doctype html><title>router</title>"]


def test_the_camera_api_as_endpoint_names_the_aws_endpoint(
    cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN AWS_ENDPOINT_URL set to the local stack's first port (its camera API) THEN one
    line with the value to use, not a 20-line ResponseParserError."""
    with serving(AwsSdkHint(not_found, "http://127.0.0.1:4566")) as camera_api:
        monkeypatch.setenv("AWS_ENDPOINT_URL", camera_api)
        result = cli("cameras", "list")
    assert_one_line_error(result, "camera API", "set AWS_ENDPOINT_URL=http://127.0.0.1:4566")


@pytest.mark.parametrize("app", [not_found, web_page], ids=["api-gateway", "web-page"])
def test_an_endpoint_that_is_no_aws_emulator_is_named(
    cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch, app: Callable[..., Any]
) -> None:
    with serving(app) as elsewhere:
        monkeypatch.setenv("AWS_ENDPOINT_URL", elsewhere)
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        result = cli("cameras", "list")
    assert_one_line_error(
        result, f"AWS_ENDPOINT_URL={elsewhere} is not an AWS endpoint", "http://127.0.0.1:4566"
    )
