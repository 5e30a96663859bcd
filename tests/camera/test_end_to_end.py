"""End to end: a configured camera sends its heartbeat to the URL it was given and shows up online.

The stack here is moto in server mode plus the real heartbeat handler behind
a small HTTP server on 127.0.0.1, reached by the CLI through AWS_ENDPOINT_URL
exactly as an operator reaches the local stack.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer
from vstarcam_tools.cli import main
from vstarcam_tools.outputs import publish_outputs
from vstarcam_tools.provision import create_resources
from vstarcam_tools.template import Stack

from tests.conftest import REGION, heartbeat_event, invoke, load_function
from tests.standin_camera import PASSWORD, USER, VUID, StandinCamera

pytestmark = pytest.mark.slow


def _serve_heartbeats(handler: ModuleType) -> ThreadingHTTPServer:
    """POST /heartbeat -> an HTTP API v2 event -> the real handler -> its reply."""

    class Heartbeats(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(min(int(self.headers.get("Content-Length", "0")), 4096))
            if self.path == "/heartbeat":
                response = invoke(handler, heartbeat_event(body))
                status, payload = response["statusCode"], response["body"]
                if response.get("isBase64Encoded"):
                    payload = base64.b64decode(payload).decode()
            else:
                status, payload = 404, json.dumps({"code": "404", "message": "no such route"})
            data = payload.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return ThreadingHTTPServer(("127.0.0.1", 0), Heartbeats)


@pytest.fixture
def running_stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """moto server with the template's resources and published outputs, and a /heartbeat route."""
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # moto keeps its state per process: start empty, leave nothing behind.
    requests.post(f"{endpoint}/moto-api/reset", timeout=10)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    stack = Stack(region=REGION)
    create_resources(stack, boto3.Session(region_name=REGION))
    server = _serve_heartbeats(load_function(stack, "HeartbeatFunction", monkeypatch))
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    outputs = {**stack.outputs(), "HeartbeatUrl": f"{base}/heartbeat", "AlarmUrl": f"{base}/alarm"}
    publish_outputs(boto3.client("cloudformation", region_name=REGION), stack.name, outputs)
    try:
        yield outputs
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        requests.post(f"{endpoint}/moto-api/reset", timeout=10)
        moto.stop()


def listed_cameras(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["cameras", "list", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_configured_camera_heartbeats_to_the_stack_and_is_online(
    running_stack: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CAMERA_PASSWORD", PASSWORD)
    with StandinCamera() as camera:
        argv = ["cameras", "configure", camera.url, "--user", USER]
        assert main([*argv, "--password-env", "CAMERA_PASSWORD", "--name", "Porch"]) == 0
        assert camera.heartbeat_server == running_stack["HeartbeatUrl"]
        assert listed_cameras(capsys)[0]["status"] == "offline"

        reply = camera.send_heartbeat()

    assert (reply.status_code, reply.json()) == (200, {"code": "200", "message": "Success"})
    (listed,) = listed_cameras(capsys)
    assert (listed["vuid"], listed["name"], listed["status"]) == (VUID, "Porch", "online")
    assert listed["offlineAfter"] == 180


def test_a_dry_run_camera_is_not_registered_and_its_heartbeat_is_refused(
    running_stack: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    with StandinCamera() as camera:
        argv = ["cameras", "configure", camera.url, "--user", USER, "--password", PASSWORD]
        assert main([*argv, "--dry-run"]) == 0
        camera.heartbeat_server = running_stack["HeartbeatUrl"]

        reply = camera.send_heartbeat()

    assert reply.status_code == 403
    assert "not registered" in reply.json()["message"]
    assert listed_cameras(capsys) == []
