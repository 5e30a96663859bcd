"""End to end with the local stack: configure a camera, and its heartbeats and alarms arrive.

The local stack runs as its own process on free ports (tests/e2e/localstack.py);
the CLI reaches it through AWS_ENDPOINT_URL exactly as an operator does, so
``configure`` sets the local stack's published URLs on the stand-in camera,
which then pushes to them over HTTP.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from vstarcam_tools.cli.main import main

from tests.conftest import JPEG
from tests.e2e.helpers import new_vuid
from tests.e2e.localstack import LocalStackProcess, start_local_stack
from tests.standin_camera import PASSWORD, USER, StandinCamera

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    stack = start_local_stack(schedule_rate=None, log_dir=tmp_path_factory.mktemp("logs"))
    yield stack
    stack.stop()


@pytest.fixture
def cli_env(local: LocalStackProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process CLI talks to the local stack, as after ``export AWS_ENDPOINT_URL=...``."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", local.endpoint)
    monkeypatch.setenv("CAMERA_PASSWORD", PASSWORD)


def keyed(base_url: str, vuid: str, capsys: pytest.CaptureFixture[str]) -> str:
    """``base_url`` + the camera's push key, as ``cameras urls --json`` reports it."""
    urls = cli_json(capsys, "cameras", "urls", vuid)
    assert urls["heartbeatUrl"].startswith(f"{base_url.rsplit('/', 1)[0]}/heartbeat/")
    key = urls["heartbeatUrl"].rsplit("/", 1)[1]
    assert len(key) == 22 and urls["alarmUrl"].endswith(f"/alarm/{key}")
    return f"{base_url}/{key}"


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    capsys.readouterr()
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def listed(capsys: pytest.CaptureFixture[str], vuid: str) -> dict[str, Any] | None:
    cameras = cli_json(capsys, "cameras", "list")
    return next((camera for camera in cameras if camera["vuid"] == vuid), None)


@pytest.mark.usefixtures("cli_env")
def test_configured_camera_heartbeats_to_the_local_stack_and_is_online(
    local: LocalStackProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    with StandinCamera(vuid=new_vuid()) as camera:
        argv = ["cameras", "configure", camera.url, "--user", USER]
        assert main([*argv, "--password-env", "CAMERA_PASSWORD", "--name", "Porch"]) == 0
        # The camera's own URLs: the stack's, with its push key.
        assert camera.heartbeat_server == keyed(local.heartbeat_url, camera.push_id, capsys)
        assert camera.alarm_push_main_server == keyed(local.alarm_url, camera.push_id, capsys)
        before = listed(capsys, camera.push_id)
        assert before is not None and before["status"] == "offline"

        reply = camera.send_heartbeat()

        assert (reply.status_code, reply.json()) == (200, {"code": "200", "message": "Success"})
        after = listed(capsys, camera.push_id)
        assert after is not None
        assert (after["name"], after["status"], after["offlineAfter"]) == ("Porch", "online", 180)


@pytest.mark.usefixtures("cli_env")
def test_configured_camera_alarm_is_stored(capsys: pytest.CaptureFixture[str]) -> None:
    with StandinCamera(vuid=new_vuid()) as camera:
        argv = ["cameras", "configure", camera.url, "--user", USER]
        assert main([*argv, "--password-env", "CAMERA_PASSWORD"]) == 0

        reply = camera.send_alarm(0x12, JPEG)

        assert reply.status_code == 200, reply.text
        (alarm,) = cli_json(capsys, "alarms", "list", "--vuid", camera.push_id)
        assert (alarm["typeHex"], alarm["typeName"]) == ("0x12", "Motion detection alarm")


@pytest.mark.usefixtures("cli_env")
def test_a_dry_run_leaves_the_camera_unregistered_so_its_heartbeat_is_refused(
    local: LocalStackProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    with StandinCamera(vuid=new_vuid()) as camera:
        argv = ["cameras", "configure", camera.url, "--user", USER, "--password", PASSWORD]
        assert main([*argv, "--dry-run"]) == 0
        assert camera.heartbeat_server == ""
        camera.heartbeat_server = local.heartbeat_url

        reply = camera.send_heartbeat()

        assert reply.status_code == 403
        assert "not registered" in reply.json()["message"]
        assert listed(capsys, camera.push_id) is None


def test_the_cli_process_against_the_local_stack_never_shows_the_password(
    local: LocalStackProcess,
) -> None:
    """GIVEN the CLI as a process WHEN it configures a camera THEN no output shows a password."""
    with StandinCamera(vuid=new_vuid()) as camera:
        command = [sys.executable, "-m", "vstarcam_tools.cli", "cameras", "configure", camera.url]
        completed = subprocess.run(
            [*command, "--user", USER, "--password-env", "CAMERA_PASSWORD", "--dry-run"],
            env={**local.aws_environment(), "CAMERA_PASSWORD": PASSWORD},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        configured = subprocess.run(
            [*command, "--user", USER, "--password-env", "CAMERA_PASSWORD"],
            env={**local.aws_environment(), "CAMERA_PASSWORD": PASSWORD},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert camera.heartbeat_server.startswith(f"{local.heartbeat_url}/")
        key = camera.heartbeat_server.rsplit("/", 1)[1]
    assert (completed.returncode, configured.returncode) == (0, 0), configured.stderr
    assert "loginpas=***" in completed.stdout
    # The local stack was started on 127.0.0.1: the CLI says a LAN camera could not reach it.
    assert 'make run ARGS="--host 0.0.0.0"' in configured.stderr
    for output in (completed.stdout, completed.stderr, configured.stdout, configured.stderr):
        assert PASSWORD not in output and "Pa55" not in output
        # Neither is the push key: only 'cameras urls' shows it.
        assert key not in output


def test_plain_http_configures_the_front_door_which_locally_is_the_local_api(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN the local stack with PlainHttpFrontDoor=true (locally plain HTTP already)
    WHEN a camera is configured with --plain-http
    THEN it gets the PlainHttp* outputs, and its heartbeat to them brings it online."""
    overrides = {"PlainHttpFrontDoor": "true"}
    stack = start_local_stack(schedule_rate=None, parameter_overrides=overrides, log_dir=tmp_path)
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", stack.endpoint)
        monkeypatch.setenv("CAMERA_PASSWORD", PASSWORD)
        with StandinCamera(vuid=new_vuid()) as camera:
            argv = ["cameras", "configure", camera.url, "--user", USER, "--plain-http"]
            assert main([*argv, "--password-env", "CAMERA_PASSWORD"]) == 0
            assert camera.heartbeat_server == keyed(stack.heartbeat_url, camera.push_id, capsys)
            assert camera.alarm_push_main_server == keyed(stack.alarm_url, camera.push_id, capsys)

            reply = camera.send_heartbeat()

            assert reply.status_code == 200, reply.text
            after = listed(capsys, camera.push_id)
            assert after is not None and after["status"] == "online"
    finally:
        stack.stop()
