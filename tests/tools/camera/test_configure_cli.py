"""``vstarcam-push cameras configure`` / ``show-config`` against stand-in cameras and moto.

Every failure must be one line on stderr, a non-zero exit, and no
``set_alarm_push_cfg.cgi`` request: the camera is left as it was.
"""

from __future__ import annotations

import getpass
import io
import json
import logging
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from vstarcam_push.dal.camera_fleet import CameraFleet
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_tools.cli.main import main
from vstarcam_tools.outputs import publish_outputs
from vstarcam_tools.progress import Progress
from vstarcam_tools.template import Stack

from tests.conftest import REGION, TEST_SECRET
from tests.standin_camera import DEVICEID, PASSWORD, USER, VUID, StandinCamera
from tests.tools.camera.conftest import STACK_NAME
from tests.tools.cli.conftest import stack_secret

SET = "set_alarm_push_cfg.cgi"
VENDOR_SUB_SERVER = "http://push.vendor.example/alarm"


@pytest.fixture(autouse=True)
def _camera_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMERA_PASSWORD", PASSWORD)


def registry(stack: Stack) -> CameraRegistry:
    return CameraRegistry(
        boto3.client("dynamodb", region_name=REGION), stack.outputs()["CamerasTableName"]
    )


def camera_fleet(stack: Stack) -> CameraFleet:
    return CameraFleet(
        boto3.client("dynamodb", region_name=REGION), stack.outputs()["CamerasTableName"]
    )


def configure_args(camera_url: str, *extra: str) -> list[str]:
    return [
        "cameras",
        "configure",
        camera_url,
        "--user",
        USER,
        "--password-env",
        "CAMERA_PASSWORD",
        *extra,
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def push_key_of(stack: Stack, vuid: str = VUID) -> str:
    """The camera's push key, derived as 'cameras urls' does from the secret in SSM."""
    return registry(stack).push_key(vuid, stack_secret())


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("vstarcam-push: error: ")
    return lines[0]


# ---------------------------------------------------------------- success


def test_configure_points_the_camera_at_the_stack_and_registers_it(
    deployed: Stack, camera: StandinCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = deployed.outputs()

    assert main(configure_args(camera.url, "--name", "Porch")) == 0

    assert camera.heartbeat_time == 60
    # The camera's own URLs: the stack's, each with its push key.
    key = push_key_of(deployed)
    assert camera.heartbeat_server == f"{outputs['HeartbeatUrl']}/{key}"
    assert camera.alarm_push_main_server == f"{outputs['AlarmUrl']}/{key}"
    assert camera.alarm_push_sub_server == VENDOR_SUB_SERVER
    assert camera.cgis() == [
        "get_status.cgi",
        "get_alarm_push_cfg.cgi",
        SET,
        "get_alarm_push_cfg.cgi",
    ]
    registered = registry(deployed).get(VUID)
    assert registered is not None
    assert (registered.name, registered.offline_after) == ("Porch", 180)
    out = capsys.readouterr().out
    assert f"camera {camera.url}: Porch ({VUID})" in out
    assert "  heartbeatTime: 0 -> 60" in out
    # What it prints never shows the key.
    assert f"  heartbeatServer: (empty) -> {outputs['HeartbeatUrl']}/<push key>" in out
    assert f"  alarmPushMainServer: (empty) -> {outputs['AlarmUrl']}/<push key>" in out
    assert key not in out
    assert "alarmPushSubServer" not in out
    assert "registered camera Porch" in out and "offline after 180 s" in out
    assert "read back: every setting took" in out


def test_the_set_request_carries_the_stack_urls_url_encoded(
    deployed: Stack, camera: StandinCamera
) -> None:
    assert main(configure_args(camera.url)) == 0
    (set_request,) = [request for request in camera.requests if request.cgi == SET]
    heartbeat_url = f"{deployed.outputs()['HeartbeatUrl']}/{push_key_of(deployed)}"
    encoded = heartbeat_url.replace(":", "%3A").replace("/", "%2F")
    assert f"heartbeatServer={encoded}&" in set_request.query
    assert set_request.params["heartbeatServer"] == heartbeat_url
    assert set_request.params["alarmPushSubServer"] == VENDOR_SUB_SERVER
    assert set_request.params["loginpas"] == set_request.params["pwd"] == PASSWORD


def test_name_defaults_to_the_camera_alias_then_keeps_the_registered_name(
    deployed: Stack, camera: StandinCamera
) -> None:
    assert main(configure_args(camera.url)) == 0
    assert registry(deployed).get(VUID).name == "Front door"  # type: ignore[union-attr]
    registry(deployed).register(VUID, "Renamed", 180, 0, TEST_SECRET)
    assert main(configure_args(camera.url)) == 0
    assert registry(deployed).get(VUID).name == "Renamed"  # type: ignore[union-attr]


def test_an_alias_too_long_for_a_name_fails_that_camera_before_anything_is_changed(
    deployed: Stack, camera: StandinCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    """One name rule: an alias over 64 characters is refused (it used to be cut), in one
    line, before the camera's settings are set or it is registered."""
    camera.alias = "Front door " * 7
    assert main(configure_args(camera.url)) == 1
    error = one_error_line(capsys.readouterr().err)
    assert "name is longer than 64 characters" in error
    assert SET not in camera.cgis()
    assert registry(deployed).get(VUID) is None


def test_a_configured_camera_is_not_set_again(
    deployed: Stack, camera: StandinCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(configure_args(camera.url)) == 0
    camera.requests.clear()
    capsys.readouterr()

    assert main(configure_args(camera.url)) == 0

    assert SET not in camera.cgis()
    out = capsys.readouterr().out
    assert "push settings already point at the stack" in out
    assert "updated camera" in out


@pytest.mark.parametrize(("heartbeat_time", "offline_after"), [(10, 30), (20, 60), (300, 900)])
def test_offline_threshold_is_three_heartbeats_and_at_least_30_seconds(
    deployed: Stack, camera: StandinCamera, heartbeat_time: int, offline_after: int
) -> None:
    assert main(configure_args(camera.url, "--heartbeat-time", str(heartbeat_time))) == 0
    assert camera.heartbeat_time == heartbeat_time
    assert registry(deployed).get(VUID).offline_after == offline_after  # type: ignore[union-attr]


@pytest.mark.parametrize("heartbeat_time", ["5", "3601", "sixty"])
def test_heartbeat_time_out_of_range_is_a_usage_error(
    camera: StandinCamera, heartbeat_time: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(configure_args(camera.url, "--heartbeat-time", heartbeat_time)) == 2
    assert "argument --heartbeat-time" in capsys.readouterr().err
    assert camera.requests == []


def test_sub_server_is_set_when_asked(deployed: Stack, camera: StandinCamera) -> None:
    sub = "https://backup.example.net/alarm"
    assert main(configure_args(camera.url, "--sub-server", sub)) == 0
    assert camera.alarm_push_sub_server == sub


def test_a_front_door_url_replaces_the_stack_urls(
    deployed: Stack, camera: StandinCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN firmware without HTTPS WHEN a plain-HTTP front door is given THEN it is set."""
    front_door = "http://d111111abcdef8.cloudfront.net"
    argv = configure_args(camera.url, "--heartbeat-url", f"{front_door}/heartbeat")
    assert main([*argv, "--alarm-url", f"{front_door}/alarm"]) == 0
    key = push_key_of(deployed)
    assert camera.heartbeat_server == f"{front_door}/heartbeat/{key}"
    assert camera.alarm_push_main_server == f"{front_door}/alarm/{key}"
    assert "warning" not in capsys.readouterr().err


def test_plain_http_sets_the_stacks_plain_http_front_door(
    stack: Stack, camera: StandinCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a stack deployed with PlainHttpFrontDoor=true (its CloudFront outputs)
    WHEN the camera is configured with --plain-http
    THEN the camera gets the front door's http:// URLs, not the API's https:// ones."""
    front_door = "http://d111111abcdef8.cloudfront.net"
    outputs = {
        **stack.outputs(),
        "PlainHttpHeartbeatUrl": f"{front_door}/heartbeat",
        "PlainHttpAlarmUrl": f"{front_door}/alarm",
    }
    publish_outputs(boto3.client("cloudformation", region_name=REGION), STACK_NAME, outputs)

    assert main(configure_args(camera.url, "--plain-http")) == 0

    key = push_key_of(stack)
    assert camera.heartbeat_server == f"{front_door}/heartbeat/{key}"
    assert camera.alarm_push_main_server == f"{front_door}/alarm/{key}"
    assert f"-> {front_door}/alarm/<push key>" in capsys.readouterr().out


def test_plain_http_without_a_front_door_is_one_line_and_changes_nothing(
    deployed: Stack, camera: StandinCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(configure_args(camera.url, "--plain-http")) == 1

    line = one_error_line(capsys.readouterr().err)
    assert "no plain-HTTP front door" in line and "PlainHttpFrontDoor=true" in line
    assert SET not in camera.cgis()
    assert registry(deployed).get(VUID) is None


def test_plain_http_and_explicit_urls_together_are_refused(
    deployed: Stack, camera: StandinCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = configure_args(camera.url, "--plain-http", "--alarm-url", "http://example.net/alarm")
    assert main(argv) == 1
    assert "not both" in one_error_line(capsys.readouterr().err)
    assert SET not in camera.cgis()


def test_loopback_urls_are_warned_about_but_still_set(
    deployed: Stack, camera: StandinCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = configure_args(camera.url, "--heartbeat-url", "http://127.0.0.1:3000/heartbeat")
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: http://127.0.0.1:3000/heartbeat names this machine's")
    assert 'make run ARGS="--host 0.0.0.0"' in err
    assert camera.heartbeat_server == f"http://127.0.0.1:3000/heartbeat/{push_key_of(deployed)}"


def test_firmware_without_vuid_is_registered_by_its_deviceid(deployed: Stack) -> None:
    with StandinCamera(vuid=None) as camera:
        assert main(configure_args(camera.url)) == 0
    assert registry(deployed).get(DEVICEID) is not None


def test_vuid_flag_overrides_what_the_camera_reports(
    deployed: Stack, camera: StandinCamera
) -> None:
    assert main(configure_args(camera.url, "--vuid", "okb0379853snlj")) == 0
    assert registry(deployed).get("OKB0379853SNLJ") is not None
    assert registry(deployed).get(VUID) is None


def test_an_invalid_vuid_changes_nothing(
    deployed: Stack, camera: StandinCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(configure_args(camera.url, "--vuid", "VE-0005")) == 1
    assert "--vuid 'VE-0005' is not a usable vuid" in one_error_line(capsys.readouterr().err)
    assert SET not in camera.cgis()


# ---------------------------------------------------------------- dry run


def test_dry_run_prints_the_plan_and_masked_url_and_changes_nothing(
    deployed: Stack, camera: StandinCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*configure_args(camera.url), "--dry-run"]) == 0

    assert SET not in camera.cgis()
    assert camera.heartbeat_server == ""
    assert registry(deployed).get(VUID) is None
    out = capsys.readouterr().out
    assert out.startswith("dry run: nothing is changed")
    assert "  heartbeatTime: 0 -> 60" in out
    assert f"would register camera Front door ({VUID})" in out
    (url_line,) = [line for line in out.splitlines() if "would request" in line]
    url = url_line.split("would request ", 1)[1]
    assert url.startswith(f"{camera.url}/{SET}?heartbeatTime=60&heartbeatServer=https%3A%2F%2F")
    assert url.endswith("&loginuse=admin&loginpas=***&user=admin&pwd=***&")


# ---------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("switches", "extra", "message"),
    [
        ({"wrong_credentials_reply": "401"}, ["--password", "guess"], "HTTP 401"),
        ({"wrong_credentials_reply": "result=-1"}, ["--password", "guess"], "result=-1"),
        ({"wrong_credentials_reply": "result=-2"}, ["--password", "guess"], "result=-2"),
        ({"push_cgi": False}, [], "the firmware does not support alarm push"),
        ({"garbled": frozenset({"get_status.cgi"})}, [], "cannot parse the get_status.cgi reply"),
        (
            {"garbled": frozenset({"get_alarm_push_cfg.cgi"})},
            [],
            "cannot parse the get_alarm_push_cfg.cgi reply",
        ),
        ({"delay_seconds": 5.0}, ["--timeout", "0.3"], "did not answer get_status.cgi within"),
    ],
    ids=["401", "result-1", "result-2", "no-push-cgi", "garbled-status", "garbled-push", "slow"],
)
def test_each_camera_failure_is_one_line_and_changes_nothing(
    deployed: Stack,
    capsys: pytest.CaptureFixture[str],
    switches: dict[str, Any],
    extra: list[str],
    message: str,
) -> None:
    with StandinCamera(**switches) as camera:
        argv = [
            "cameras",
            "configure",
            camera.url,
            "--user",
            USER,
            *(extra if "--password" in extra else ["--password-env", "CAMERA_PASSWORD", *extra]),
        ]
        assert main(argv) == 1
    line = one_error_line(capsys.readouterr().err)
    assert message in line
    assert SET not in camera.cgis()
    assert (camera.heartbeat_time, camera.heartbeat_server) == (0, "")
    assert registry(deployed).get(VUID) is None


def test_unreachable_camera(deployed: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(configure_args(f"127.0.0.1:{free_port()}", "--timeout", "2")) == 1
    assert "is unreachable" in one_error_line(capsys.readouterr().err)
    assert camera_fleet(deployed).list() == []


def test_read_back_mismatch_is_reported_setting_by_setting(
    deployed: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    with StandinCamera(ignore_set=True) as camera:
        assert main(configure_args(camera.url)) == 1
    line = one_error_line(capsys.readouterr().err)
    assert "did not keep its settings" in line
    # The push key is redacted in the message too.
    asked = f"{deployed.outputs()['HeartbeatUrl']}/<push key>"
    assert f"heartbeatServer set to '{asked}' but reads '(empty)'" in line
    assert "heartbeatTime set to '60' but reads '0'" in line


def test_missing_stack_is_one_line(
    camera: StandinCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    from moto import mock_aws

    with mock_aws():
        assert main(configure_args(camera.url, "--stack", "nope")) == 1
    assert "no stack named 'nope'" in one_error_line(capsys.readouterr().err)
    assert SET not in camera.cgis()


# ---------------------------------------------------------------- credentials


def test_password_from_the_flag(deployed: Stack, camera: StandinCamera) -> None:
    argv = ["cameras", "configure", camera.url, "--user", USER, "--password", PASSWORD]
    assert main(argv) == 0
    assert camera.heartbeat_server != ""


def test_unset_password_variable_is_an_error(
    camera: StandinCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["cameras", "configure", camera.url, "--user", USER, "--password-env", "NOT_SET_HERE"]
    assert main(argv) == 1
    assert "NOT_SET_HERE is not set" in one_error_line(capsys.readouterr().err)
    assert camera.requests == []


def test_without_a_terminal_there_is_no_prompt(
    camera: StandinCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cameras", "configure", camera.url, "--user", USER]) == 1
    assert "no camera password" in one_error_line(capsys.readouterr().err)


def test_on_a_terminal_the_password_is_asked_without_echo(
    deployed: Stack, camera: StandinCamera, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    prompts: list[str] = []
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(getpass, "getpass", lambda prompt: prompts.append(prompt) or PASSWORD)
    assert main(["cameras", "configure", camera.url, "--user", USER]) == 0
    assert prompts == [f"password for {USER} on {camera.url}: "]


def test_no_password_in_any_output_or_log(
    deployed: Stack,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with StandinCamera() as good, StandinCamera(ignore_set=True) as stubborn:
        main(configure_args(good.url, "--dry-run"))
        main(configure_args(good.url))
        main(configure_args(stubborn.url))
        main(["cameras", "configure", good.url, "--user", USER, "--password", "Wr0ng-Secret"])
        main(["cameras", "show-config", good.url, "--user", USER, "--password", PASSWORD])
    captured = capsys.readouterr()
    everything = captured.out + captured.err + caplog.text
    assert "loginpas=***" in everything
    for secret in (PASSWORD, "Pa55", "Wr0ng-Secret"):
        assert secret not in everything


# ---------------------------------------------------------------- show-config


def test_show_config_prints_ids_and_push_settings(
    camera: StandinCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    camera.heartbeat_time = 45
    camera.heartbeat_server = "https://h.example/heartbeat"
    argv = [
        "cameras",
        "show-config",
        camera.url,
        "--user",
        USER,
        "--password-env",
        "CAMERA_PASSWORD",
    ]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"vuid:                 {VUID}" in lines
    assert f"deviceid:             {DEVICEID}" in lines
    assert "heartbeatTime:        45" in lines
    assert "heartbeatServer:      https://h.example/heartbeat" in lines
    assert "alarmPushMainServer:  (empty)" in lines
    assert f"alarmPushSubServer:   {VENDOR_SUB_SERVER}" in lines
    assert camera.cgis() == ["get_status.cgi", "get_alarm_push_cfg.cgi"]


def test_show_config_on_firmware_without_push_shows_ids_then_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with StandinCamera(push_cgi=False) as camera:
        argv = ["cameras", "show-config", camera.url, "--user", USER, "--password", PASSWORD]
        assert main(argv) == 1
    captured = capsys.readouterr()
    assert f"vuid:                 {VUID}" in captured.out
    assert "firmware does not support alarm push" in one_error_line(captured.err)


# ---------------------------------------------------------------- bulk


@pytest.fixture
def fleet() -> Iterator[list[StandinCamera]]:
    """Three healthy cameras with their own passwords, one with a stale CSV password."""
    cameras = [
        StandinCamera(vuid=f"VE000000{index}AAAA", password=f"Fleet-Pw-{index}")
        for index in range(4)
    ]
    for camera in cameras:
        camera.__enter__()
    yield cameras
    for camera in cameras:
        camera.__exit__(None, None, None)


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("url,user,password,name\n" + "".join(row + "\n" for row in rows))
    return path


def test_bulk_configures_what_it_can_and_reports_a_table(
    deployed: Stack,
    fleet: list[StandinCamera],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dead = f"127.0.0.1:{free_port()}"
    csv_file = write_csv(
        tmp_path / "cameras.csv",
        [
            f"{fleet[0].url},admin,Fleet-Pw-0,Garage",
            f"{fleet[1].url},admin,Fleet-Pw-1,",
            f"{fleet[2].url},admin,Stale-Pw-2,Shed",
            f"{dead},admin,Dead-Pw,Attic",
            f"{fleet[3].url},admin,Fleet-Pw-3,Gate",
        ],
    )

    assert main(["cameras", "configure", "--from", str(csv_file), "--timeout", "2"]) == 1

    configured = [fleet[0], fleet[1], fleet[3]]
    heartbeat_url = deployed.outputs()["HeartbeatUrl"]
    assert all(
        camera.heartbeat_server == f"{heartbeat_url}/{push_key_of(deployed, camera.vuid)}"
        for camera in configured
    )
    assert fleet[2].heartbeat_server == "" and SET not in fleet[2].cgis()
    assert [camera.vuid for camera in camera_fleet(deployed).list()] == [
        camera.vuid for camera in configured
    ]
    captured = capsys.readouterr()
    table = captured.out[captured.out.index("CAMERA") :].splitlines()
    assert table[0].split() == ["CAMERA", "VUID", "RESULT"]
    assert table[1].split()[:4] == ["Garage", fleet[0].vuid, "configured", "(3"]
    assert table[2].split()[:3] == [fleet[1].url, fleet[1].vuid, "configured"]
    assert table[3].split()[:3] == ["Shed", "-", "failed:"] and "refused" in table[3]
    assert table[4].split()[:3] == ["Attic", "-", "failed:"] and "unreachable" in table[4]
    assert table[5].split()[:3] == ["Gate", fleet[3].vuid, "configured"]
    err_lines = captured.err.strip().splitlines()
    assert err_lines[-2] == "configured 5/5 cameras (2 failed)"
    assert err_lines[-1] == "vstarcam-push: error: 2 of 5 cameras failed (see the table above)"
    for secret in ("Fleet-Pw", "Stale-Pw", "Dead-Pw"):
        assert secret not in captured.out + captured.err


def test_a_csv_with_a_site_column_puts_each_camera_in_its_site(
    deployed: Stack,
    fleet: list[StandinCamera],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """GIVEN an installer's CSV naming each camera's site (one row without)
    THEN each camera is registered in its site, the others' sites are left as they were,
    and the audit trail records each registration with its site."""
    csv_file = tmp_path / "cameras.csv"
    csv_file.write_text(
        "url,user,password,name,site\n"
        f"{fleet[0].url},admin,Fleet-Pw-0,Porch,Smith house\n"
        f"{fleet[1].url},admin,Fleet-Pw-1,Till,Jones shop\n"
        f"{fleet[3].url},admin,Fleet-Pw-3,Gate,\n"
    )
    assert main(["cameras", "configure", "--from", str(csv_file)]) == 0
    sites = {camera.vuid: camera.site for camera in camera_fleet(deployed).list()}
    assert sites == {fleet[0].vuid: "Smith house", fleet[1].vuid: "Jones shop", fleet[3].vuid: ""}
    assert "in site Smith house" in capsys.readouterr().out
    assert main(["audit", "--json"]) == 0
    entries = {e["target"]: e for e in json.loads(capsys.readouterr().out)}
    assert entries[fleet[0].vuid]["action"] == "camera.registered"
    assert entries[fleet[0].vuid]["details"]["site"] == "Smith house"
    assert "site" not in entries[fleet[3].vuid]["details"]


def test_a_bad_site_in_a_csv_is_refused_before_any_camera_is_touched(
    fleet: list[StandinCamera], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_file = tmp_path / "cameras.csv"
    csv_file.write_text(f"url,user,password,name,site\n{fleet[0].url},admin,x,Porch,Smith/house\n")
    assert main(["cameras", "configure", "--from", str(csv_file)]) == 1
    assert ":2: site 'Smith/house'" in one_error_line(capsys.readouterr().err)
    assert fleet[0].requests == []


def test_bulk_dry_run_changes_nothing(
    deployed: Stack,
    fleet: list[StandinCamera],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    csv_file = write_csv(
        tmp_path / "cameras.csv",
        [f"{camera.url},,,Cam {index}" for index, camera in enumerate(fleet)],
    )
    argv = ["cameras", "configure", "--from", str(csv_file), "--user", "admin", "--dry-run"]
    # One password for the rows without their own: it fits only the first camera.
    argv += ["--password", "Fleet-Pw-0"]
    assert main(argv) == 1
    assert all(SET not in camera.cgis() for camera in fleet)
    assert camera_fleet(deployed).list() == []
    out = capsys.readouterr().out
    assert "Cam 0" in out and "dry run: 3 to change" in out
    assert out.count("would request") == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("host,user\n1.2.3.4,admin\n", "must name the columns url,user,password,name"),
        ("url,pasword\n1.2.3.4,x\n", "(unknown: pasword)"),
        ("url,user,password,name\n", "no cameras listed"),
        ("url,user,password,name\n1.2.3.4,,secret,\n", ":2: no user"),
        ("url,user,password,name\nftp://1.2.3.4,admin,secret,\n", ":2: camera address"),
        ("url,user,password,name\n1.2.3.4,admin,secret,x,extra\n", "more cells than columns"),
    ],
)
def test_bulk_csv_problems_are_one_line_before_any_camera_is_touched(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    message: str,
) -> None:
    csv_file = tmp_path / "cameras.csv"
    csv_file.write_text(content)
    assert main(["cameras", "configure", "--from", str(csv_file)]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert message in line
    assert "secret" not in line


def test_from_and_a_camera_url_together_are_refused(
    camera: StandinCamera, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_file = write_csv(tmp_path / "cameras.csv", [f"{camera.url},admin,{PASSWORD},"])
    assert main(["cameras", "configure", camera.url, "--from", str(csv_file)]) == 1
    assert "per row" in one_error_line(capsys.readouterr().err)
    assert camera.requests == []


def test_progress_line_on_a_terminal_is_rewritten_in_place() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = Progress(2, stream)
    progress.advance(failed=False)
    progress.advance(failed=True)
    assert stream.getvalue() == (
        "\r[##########..........] configured 1/2 cameras"
        "\r[####################] configured 2/2 cameras (1 failed)\n"
    )


# ---------------------------------------------------------------- push keys


def test_firmware_that_shortens_the_keyed_urls_is_named_with_the_way_out(
    deployed: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN firmware that keeps only as many characters as the bare URL has (the push key
    makes it 23 longer)
    WHEN it is configured THEN the read-back names the shortening and points to
    RequirePushKey=false with --without-key; configured so, the bare URLs fit."""
    bare = deployed.outputs()["HeartbeatUrl"]
    with StandinCamera(max_url_length=len(bare) + 5) as camera:
        assert main(configure_args(camera.url)) == 1
        line = one_error_line(capsys.readouterr().err)
        assert f"shortened heartbeatServer to {len(bare) + 5} characters" in line
        assert "RequirePushKey=false" in line and "--without-key" in line
        assert push_key_of(deployed) not in line

        assert main(configure_args(camera.url, "--without-key")) == 0
        assert camera.heartbeat_server == bare
        assert camera.alarm_push_main_server == deployed.outputs()["AlarmUrl"]


def test_rotate_key_with_configure_sets_the_new_urls_on_the_camera(
    deployed: Stack, camera: StandinCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(configure_args(camera.url)) == 0
    old = push_key_of(deployed)
    argv = ["cameras", "rotate-key", VUID, "--configure", camera.url, "--user", USER]
    capsys.readouterr()

    assert main([*argv, "--password-env", "CAMERA_PASSWORD"]) == 0

    new = push_key_of(deployed)
    outputs = deployed.outputs()
    assert new != old
    assert camera.heartbeat_server == f"{outputs['HeartbeatUrl']}/{new}"
    assert camera.alarm_push_main_server == f"{outputs['AlarmUrl']}/{new}"
    assert camera.alarm_push_sub_server == VENDOR_SUB_SERVER
    out = capsys.readouterr().out
    assert "read back: they took" in out and new not in out and old not in out


def test_rotate_key_configure_refuses_another_camera(
    deployed: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    """The camera at the address must be the one whose key was rotated."""
    assert main(["cameras", "add", "OKB0379853SNLJ"]) == 0
    with StandinCamera() as camera:
        argv = ["cameras", "rotate-key", "OKB0379853SNLJ", "--configure", camera.url]
        assert main([*argv, "--user", USER, "--password-env", "CAMERA_PASSWORD"]) == 1
        assert "not OKB0379853SNLJ" in one_error_line(capsys.readouterr().err)
        assert SET not in camera.cgis()


def test_show_config_never_shows_the_push_key(
    deployed: Stack, camera: StandinCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(configure_args(camera.url)) == 0
    capsys.readouterr()
    argv = ["cameras", "show-config", camera.url, "--user", USER]

    assert main([*argv, "--password-env", "CAMERA_PASSWORD"]) == 0

    out = capsys.readouterr().out
    assert push_key_of(deployed) not in out
    assert f"{deployed.outputs()['HeartbeatUrl']}/<push key>" in out


def test_a_dry_run_never_shows_the_push_key(
    deployed: Stack, camera: StandinCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a configured camera whose key was rotated WHEN a dry run plans the change
    THEN it says only the key changes, and shows neither key."""
    assert main(configure_args(camera.url)) == 0
    old = push_key_of(deployed)
    assert main(["cameras", "rotate-key", VUID]) == 0
    capsys.readouterr()

    assert main(configure_args(camera.url, "--dry-run")) == 0

    out = capsys.readouterr().out
    assert "the push key in them changes" in out
    assert old not in out and push_key_of(deployed) not in out
