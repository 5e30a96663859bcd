"""The local stack with CameraEndpoint=FunctionUrl: the camera path end to end on the function
URLs' event shape.

The local HTTP API plays the two function URLs (on its own address): the camera functions
get the event a function URL sends (``routeKey`` ``$default``, no path parameters, the
URL's host), everything else the API's. In-process first (the event each function gets),
then the whole stack over real HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.media import MediaStore
from vstarcam_tools.function_urls import function_url_event, function_url_targets
from vstarcam_tools.local.http_api import HttpApi, routes_of
from vstarcam_tools.local.workers import Invocation
from vstarcam_tools.template import Stack
from werkzeug.test import Client

from tests.conftest import PUSH_KEY, register_camera
from tests.e2e.helpers import (
    HTTP_TIMEOUT_S,
    new_vuid,
    post_alarm,
    post_heartbeat,
    reply_of,
    stored_alarms,
)
from tests.e2e.localstack import LocalStackProcess, start_local_stack

FUNCTION_URLS = {"CameraEndpoint": "FunctionUrl"}


def test_the_camera_functions_get_their_function_urls_event_and_the_rest_the_apis() -> None:
    """GIVEN the local HTTP API of a FunctionUrl stack, recording the events it sends
    WHEN a camera posts a heartbeat and an alarm, and a browser opens the console
    THEN the camera functions' events are the function URL's (no route, no path parameters,
    the key in rawPath, the URL's host), the console's the API's."""
    stack = Stack(overrides=FUNCTION_URLS)
    for table in ("CamerasTable", "AlarmsTable"):
        stack.attributes[(table, "StreamArn")] = f"arn:aws:dynamodb:::{table}/stream/1"
    targets = function_url_targets(stack)
    events: list[tuple[str, dict[str, Any]]] = []

    def invoke(function: str, event: dict[str, Any]) -> Invocation:
        events.append((function, event))
        return Invocation("id", {"statusCode": 200, "body": "{}"}, None, 1.0, False)

    def shape(function: str, event: dict[str, Any]) -> dict[str, Any]:
        return (
            function_url_event(event, function.lower(), stack.region)
            if function in targets
            else event
        )

    client = Client(
        HttpApi(
            routes_of(stack.functions()), invoke, api_id="local", account="1", function_urls=shape
        )
    )
    client.post(f"/heartbeat/{PUSH_KEY}", json={"vuid": "VE0005622QHOW"})
    client.post("/alarm", data=b"--x--", content_type="multipart/form-data; boundary=x")
    client.get("/")

    (heartbeat, alarm, console) = events
    assert heartbeat[0] == "HeartbeatFunction"
    assert heartbeat[1]["routeKey"] == heartbeat[1]["requestContext"]["routeKey"] == "$default"
    assert "pathParameters" not in heartbeat[1]
    assert heartbeat[1]["rawPath"] == f"/heartbeat/{PUSH_KEY}"
    assert heartbeat[1]["requestContext"]["domainName"].endswith(".lambda-url.us-east-1.on.aws")
    assert alarm[0] == "AlarmFunction" and alarm[1]["routeKey"] == "$default"
    assert alarm[1]["isBase64Encoded"] is True
    assert console[0] == "ConsoleFunction" and console[1]["routeKey"] == "GET /"


# -- over real HTTP ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def url_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    stack = start_local_stack(
        schedule_rate=None,
        parameter_overrides=FUNCTION_URLS,
        log_dir=tmp_path_factory.mktemp("function-url-stack-logs"),
    )
    yield stack
    stack.stop()


@pytest.mark.slow
def test_the_camera_path_works_on_the_function_url_shape(url_stack: LocalStackProcess) -> None:
    """GIVEN the local stack deployed with CameraEndpoint=FunctionUrl and a registered camera
    WHEN the camera sends a heartbeat and an alarm to the URLs the outputs give, and a push
    with a wrong key and one over Lambda's 6 MB limit
    THEN they are answered as on the HTTP API: 200 and stored, 403, 413."""
    outputs = url_stack.outputs
    assert outputs.raw["CameraEndpoint"] == "FunctionUrl"
    assert outputs.heartbeat_url == f"{url_stack.base_url}/heartbeat"
    assert outputs.alarm_url == f"{url_stack.base_url}/alarm"
    dynamodb = url_stack.client("dynamodb")
    vuid = new_vuid()
    register_camera(dynamodb, outputs.cameras_table, vuid, "Porch", 180, int(time.time()))

    reply_of(post_heartbeat(outputs.heartbeat_url, vuid), 200)
    camera = CameraRegistry(dynamodb, outputs.cameras_table).get(vuid)
    assert camera is not None and camera.status == "online"
    reply_of(post_alarm(outputs.alarm_url, vuid), 200)
    (alarm,) = stored_alarms(AlarmStore(dynamodb, outputs.alarms_table), vuid)
    media = MediaStore(url_stack.client("s3"), outputs.media_bucket)
    assert media.get(alarm.picture.key).startswith(b"\xff\xd8\xff")

    assert "not registered" in reply_of(
        post_heartbeat(outputs.heartbeat_url, vuid, key="W" * 22), 403
    )
    too_large = requests.post(
        f"{outputs.alarm_url}/{PUSH_KEY}",
        data=b"x" * (6 * 1024 * 1024),
        headers={"content-type": "application/octet-stream"},
        timeout=HTTP_TIMEOUT_S,
    )
    reply_of(too_large, 413)
