"""The camera CGI client against the stand-in camera: ids, push settings, and each failure."""

from __future__ import annotations

import logging
import socket

import pytest
from vstarcam_tools.camera.cgi_client import (
    CameraClient,
    CameraError,
    CameraRefused,
    CameraUnreachable,
    Credentials,
    PushConfig,
    PushNotSupported,
    UnparsableReply,
    WrongCredentials,
    camera_base_url,
    mask_credentials,
)

from tests.standin_camera import DEVICEID, PASSWORD, USER, VUID, StandinCamera

WANTED = PushConfig(
    heartbeat_time=60,
    heartbeat_server="https://abc.execute-api.us-east-1.amazonaws.com/heartbeat",
    alarm_push_main_server="https://abc.execute-api.us-east-1.amazonaws.com/alarm?a=1&b=2",
    alarm_push_sub_server="",
)


def client_for(camera: StandinCamera, password: str = PASSWORD, timeout: float = 5) -> CameraClient:
    return CameraClient(camera.url, Credentials(USER, password), timeout=timeout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    ("address", "base_url"),
    [
        ("192.168.1.50", "http://192.168.1.50:81"),
        ("192.168.1.50:8080", "http://192.168.1.50:8080"),
        (" http://192.168.1.50:81/ ", "http://192.168.1.50:81"),
        ("http://cam.lan", "http://cam.lan"),
        ("https://cam.lan:8443", "https://cam.lan:8443"),
        ("[fe80::1]", "http://[fe80::1]:81"),
    ],
)
def test_camera_address_bare_host_means_port_81(address: str, base_url: str) -> None:
    assert camera_base_url(address) == base_url


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("http://admin:888888@192.168.1.50:81", "--user/--password"),
        ("ftp://192.168.1.50", "is not http://host"),
        ("http://192.168.1.50:81/get_status.cgi", "has a path"),
        ("192.168.1.50:99999", "is not a host"),
    ],
)
def test_bad_camera_addresses_are_refused(address: str, message: str) -> None:
    with pytest.raises(CameraError, match=message) as raised:
        camera_base_url(address)
    assert "888888" not in str(raised.value)


def test_reads_ids_and_push_settings(camera: StandinCamera) -> None:
    camera.heartbeat_time = 30
    camera.heartbeat_server = "http://old.example/hb"
    with client_for(camera) as client:
        ids = client.get_ids()
        config = client.get_push_config()
    assert (ids.vuid, ids.deviceid, ids.alias, ids.push_id) == (VUID, DEVICEID, "Front door", VUID)
    assert config == PushConfig(30, "http://old.example/hb", "", "http://push.vendor.example/alarm")


def test_firmware_without_vuid_is_known_by_its_deviceid() -> None:
    with StandinCamera(vuid=None) as camera, client_for(camera) as client:
        ids = client.get_ids()
    assert (ids.vuid, ids.push_id) == ("", DEVICEID)


def test_every_request_carries_both_credential_forms(camera: StandinCamera) -> None:
    with client_for(camera) as client:
        client.get_ids()
    (request,) = camera.requests
    assert request.params["loginuse"] == request.params["user"] == USER
    assert request.params["loginpas"] == request.params["pwd"] == PASSWORD


def test_set_url_encodes_the_urls_and_the_camera_decodes_them(camera: StandinCamera) -> None:
    with client_for(camera) as client:
        client.set_push_config(WANTED)
        assert client.get_push_config() == WANTED
    set_request = camera.requests[0]
    assert set_request.cgi == "set_alarm_push_cfg.cgi"
    assert "heartbeatServer=https%3A%2F%2Fabc." in set_request.query
    assert (
        "alarmPushMainServer=https%3A%2F%2Fabc.execute-api.us-east-1.amazonaws.com%2Falarm%3Fa%3D1%26b%3D2&"
        in (set_request.query)
    )
    assert set_request.query.endswith("&")


def test_shown_url_masks_the_password_and_keeps_everything_else(camera: StandinCamera) -> None:
    with client_for(camera) as client:
        shown = client.url("set_alarm_push_cfg.cgi", WANTED.as_params())
    assert shown.startswith(f"{camera.url}/set_alarm_push_cfg.cgi?heartbeatTime=60&")
    assert "loginuse=admin&loginpas=***&user=admin&pwd=***&" in shown
    assert "Pa55" not in shown and "Pa55" not in repr(client)
    assert "Pa55" not in repr(Credentials(USER, PASSWORD))


@pytest.mark.parametrize("reply", ["401", "result=-1", "result=-2"])
def test_wrong_credentials_in_each_way_cameras_report_them(reply: str) -> None:
    with (
        StandinCamera(wrong_credentials_reply=reply) as camera,  # type: ignore[arg-type]
        client_for(camera, password="wrong-guess") as client,
        pytest.raises(WrongCredentials, match="refused the user or password"),
    ):
        client.get_ids()


def test_firmware_without_push_cgis_is_named_as_such() -> None:
    with (
        StandinCamera(push_cgi=False) as camera,
        client_for(camera) as client,
        pytest.raises(PushNotSupported, match="firmware does not support alarm push"),
    ):
        client.get_push_config()


def test_garbled_reply_is_reported_with_a_short_excerpt() -> None:
    with (
        StandinCamera(garbled=frozenset({"get_status.cgi"})) as camera,
        client_for(camera) as client,
        pytest.raises(UnparsableReply, match=r"cannot parse the get_status.cgi reply .*'\\x00"),
    ):
        client.get_ids()


def test_slow_camera_times_out_within_the_bound() -> None:
    with (
        StandinCamera(delay_seconds=5) as camera,
        client_for(camera, timeout=0.3) as client,
        pytest.raises(CameraUnreachable, match=r"did not answer get_status\.cgi within 0\.3 s"),
    ):
        client.get_ids()


def test_refused_connection_is_unreachable_and_hides_the_url_with_its_password() -> None:
    client = CameraClient(f"127.0.0.1:{free_port()}", Credentials(USER, PASSWORD), timeout=2)
    with pytest.raises(CameraUnreachable, match="unreachable") as raised:
        client.get_ids()
    assert "Pa55" not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_set_refused_by_the_camera_is_an_error(camera: StandinCamera) -> None:
    refused = PushConfig(-5, "https://h/heartbeat", "https://h/alarm", "")
    with client_for(camera) as client, pytest.raises(CameraRefused, match="result=-1"):
        client.set_push_config(refused)
    assert camera.heartbeat_server == ""


def test_debug_logs_of_the_http_library_never_show_the_password(
    camera: StandinCamera, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # The HTTP library's own logger at DEBUG too, whatever an earlier test in this worker
    # (a function's app.py imported at collection quiets the wire loggers) left it at.
    caplog.set_level(logging.DEBUG, logger="urllib3")
    with client_for(camera) as client:
        client.get_ids()
    assert "get_status.cgi" in caplog.text
    assert "loginpas=***" in caplog.text
    assert "Pa55" not in caplog.text


def test_mask_credentials_covers_both_forms() -> None:
    assert (
        mask_credentials("/x.cgi?loginuse=a&loginpas=s%26t&user=a&pwd=s%26t&")
        == "/x.cgi?loginuse=a&loginpas=***&user=a&pwd=***&"
    )
