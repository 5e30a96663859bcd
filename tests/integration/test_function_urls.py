"""CameraEndpoint=FunctionUrl: the camera functions answer their function URLs' events exactly
as they answer the HTTP API's routes.

A function URL sends the same payload 2.0 without the route's ``{key}`` parameter
(``routeKey`` ``$default``): the key comes from the path, and a path or method that is
not a camera route is answered 404 in the protocol's shape, where the HTTP API answers
it without invoking anything. Each case below is sent both ways and must get the same
status, the same wire reply and store the same.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from vstarcam_push.runtime.http_event import MAX_REQUEST_BYTES
from vstarcam_tools.function_urls import function_url_event

from tests.conftest import (
    JPEG,
    PUSH_KEY,
    REGION,
    VUID,
    alarm_event,
    heartbeat_event,
    invoke,
    reply_of,
)
from tests.integration.conftest import Aws, Emf, LoadFunction, filtered_metric, metric

WRONG_KEY = "W" * 22


def as_function_url(event: dict[str, Any]) -> dict[str, Any]:
    return function_url_event(event, "heartbeatfunctionurl", REGION)


def too_large(event: dict[str, Any]) -> dict[str, Any]:
    event["body"] = base64.b64encode(b"x" * (MAX_REQUEST_BYTES // 4 * 3 + 8)).decode()
    event["isBase64Encoded"] = True
    return event


HEARTBEATS = {
    "keyed": lambda: heartbeat_event({"vuid": VUID}),
    "wrong key": lambda: heartbeat_event({"vuid": VUID}, key=WRONG_KEY),
    "bare route": lambda: heartbeat_event({"vuid": VUID}, key=None),
    "unknown camera": lambda: heartbeat_event({"vuid": "VE9999999ZZZZ"}),
    "not json": lambda: heartbeat_event(b"vuid=VE0005622QHOW"),
    "over 6 MB": lambda: too_large(heartbeat_event({"vuid": VUID})),
}
ALARMS = {
    "keyed": lambda: alarm_event(),
    "wrong key": lambda: alarm_event(key=WRONG_KEY),
    "bare route": lambda: alarm_event(key=None),
    "no picture": lambda: alarm_event(picture=None),
    "over 6 MB": lambda: too_large(alarm_event()),
}


def outcome(aws: Aws) -> tuple[Any, ...]:
    camera = aws.camera() or {}
    return (
        camera.get("status"),
        len(aws.alarms()),
        len(aws.media_keys()),
    )


@pytest.mark.parametrize("case", list(HEARTBEATS))
def test_a_heartbeat_gets_the_same_reply_and_stores_the_same_from_either_endpoint(
    aws: Aws, functions: LoadFunction, case: str
) -> None:
    """GIVEN a newly registered camera, each time
    WHEN the same heartbeat arrives from the HTTP API and from the function URL
    THEN the status, the wire reply and what was stored are the same."""
    aws.register()
    heartbeat = functions("HeartbeatFunction")
    api = invoke(heartbeat, HEARTBEATS[case]())
    after_api = outcome(aws)
    aws.dynamodb.delete_item(TableName=aws.cameras_table, Key={"vuid": {"S": VUID}})
    aws.register()
    url = invoke(heartbeat, as_function_url(HEARTBEATS[case]()))

    assert url["statusCode"] == api["statusCode"]
    assert reply_of(url) == reply_of(api)
    assert outcome(aws) == after_api


@pytest.mark.parametrize("case", list(ALARMS))
def test_an_alarm_gets_the_same_reply_from_either_endpoint(
    aws: Aws, functions: LoadFunction, case: str
) -> None:
    """GIVEN a registered camera
    WHEN the same alarm push (with a picture of its own each time) arrives from the HTTP
    API and from the function URL
    THEN the status and the wire reply are the same, and each stored alarm is in the
    table and the bucket."""
    aws.register()
    alarm = functions("AlarmFunction")
    api = invoke(alarm, ALARMS[case]())
    stored = len(aws.alarms())
    event = ALARMS[case]()
    if case == "keyed":  # another alarm, not a retry of the first
        event = alarm_event(picture=JPEG + b"2")
    url = invoke(alarm, as_function_url(event))

    assert url["statusCode"] == api["statusCode"]
    assert reply_of(url) == reply_of(api)
    assert len(aws.alarms()) == 2 * stored
    assert len(aws.media_keys()) == len(aws.alarms())


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/"),
        ("POST", "/alarm/" + PUSH_KEY),
        ("POST", f"/heartbeat/{PUSH_KEY}/more"),
        ("GET", f"/heartbeat/{PUSH_KEY}"),
        ("PUT", "/heartbeat"),
    ],
)
def test_a_function_url_request_off_the_camera_route_is_404_and_counted(
    aws: Aws,
    functions: LoadFunction,
    capsys: pytest.CaptureFixture[str],
    method: str,
    path: str,
) -> None:
    """GIVEN the heartbeat function's URL, which any method and path reaches
    WHEN a request is not POST /heartbeat[/KEY] (another path, another method)
    THEN it is answered 404 in the protocol's shape, nothing is written, the path (which
    may hold a key) is not in the reply or the log, and the refusal is counted."""
    aws.register()
    heartbeat = functions("HeartbeatFunction")
    event = as_function_url(heartbeat_event({"vuid": VUID}))
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    capsys.readouterr()

    response = invoke(heartbeat, event)

    assert response["statusCode"] == 404
    assert reply_of(response)["message"] == "no such route: cameras POST to /heartbeat/KEY"
    assert "status" not in (aws.camera() or {})
    out = capsys.readouterr().out
    assert PUSH_KEY not in out
    lines = [json.loads(line) for line in out.splitlines() if line]
    assert filtered_metric(lines, "HeartbeatLogs", "Refusals") == 1


def test_an_alarm_on_the_function_url_is_counted_as_on_the_api(
    aws: Aws, functions: LoadFunction, emf: Emf
) -> None:
    """The alarm function's metrics (alarms by type, refusals by reason) are the same EMF
    lines from a function URL."""
    aws.register()
    alarm = functions("AlarmFunction")
    invoke(alarm, as_function_url(alarm_event()))
    invoke(alarm, as_function_url(alarm_event(key=WRONG_KEY, picture=JPEG + b"x")))

    blobs = emf()
    assert metric(blobs, "AlarmsByType", alarmType="0x12") == 1
    assert metric(blobs, "Refusals", reason="wrong_key") == 1


def test_refusal_lines_carry_the_senders_address(
    aws: Aws, functions: LoadFunction, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the API's access log, a refused push still names who sent it."""
    heartbeat = functions("HeartbeatFunction")
    capsys.readouterr()
    invoke(heartbeat, as_function_url(heartbeat_event({"vuid": VUID}, key=WRONG_KEY)))

    (line,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    assert line["source_ip"] == "203.0.113.7"
    assert line["reason"] == "unknown_camera"
