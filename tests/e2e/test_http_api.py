"""The HTTP API emulation in-process (the payload v2 event a request becomes, the replies),
and the schedule expressions the local stack runs.

GIVEN the template's routes served by :class:`HttpApi` with a recording
``invoke`` WHEN a WSGI request arrives THEN the event has HTTP API's shape and
the function's reply (or error) becomes HTTP as HTTP API makes it.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from vstarcam_push.runtime.http_event import MAX_REQUEST_BYTES
from vstarcam_tools.local.http_api import HttpApi, is_text, routes_of
from vstarcam_tools.local.schedule import parse_rate
from vstarcam_tools.local.workers import Invocation
from vstarcam_tools.template import Stack
from werkzeug.test import Client


class Functions:
    """Records the events and answers every invocation with ``reply`` (or ``error``)."""

    def __init__(self, reply: Any = None, error: dict[str, Any] | None = None) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.reply = {"statusCode": 200, "body": '{"code":"200","message":"Success"}'}
        if reply is not None:
            self.reply = reply
        self.error = error

    def invoke(self, function: str, event: dict[str, Any]) -> Invocation:
        self.events.append((function, event))
        return Invocation("id", None if self.error else self.reply, self.error, 1.0, False)


def _client(stack: Stack, functions: Functions) -> Client:
    routes = routes_of(stack.functions())
    return Client(HttpApi(routes, functions.invoke, api_id="local", account="123456789012"))


def test_routes_are_the_templates_http_api_events(stack: Stack) -> None:
    routes = {route.key: route.function for route in routes_of(stack.functions())}
    console = {key: f for key, f in routes.items() if f.startswith("Console")}

    assert {key: f for key, f in routes.items() if key not in console} == {
        "POST /heartbeat/{key}": "HeartbeatFunction",
        "POST /heartbeat": "HeartbeatFunction",
        "POST /alarm/{key}": "AlarmFunction",
        "POST /alarm": "AlarmFunction",
        "GET /alarms/{alarmId}/{media}": "MediaLinkFunction",
    }
    # The console's page and API; the /api/ routes name the JWT authorizer.
    assert console["GET /"] == "ConsoleFunction"
    assert console["GET /api/alarms"] == "ConsoleApiFunction"
    authorizers = {r.key: r.authorizer for r in routes_of(stack.functions())}
    assert {authorizers[key] for key in console if key.startswith("GET /api/")} == {
        "ConsoleAuthorizer"
    }
    assert authorizers["POST /heartbeat"] is None and authorizers["GET /"] is None


def test_json_request_becomes_a_payload_v2_event_with_a_text_body(stack: Stack) -> None:
    functions = Functions()

    response = _client(stack, functions).post(
        "/heartbeat?x=1&x=2",
        data=b'{"vuid":"VE0005622QHOW"}',
        headers={"Content-Type": "application/json; charset=UTF-8", "X-Camera": "VStarcam"},
        environ_base={"REMOTE_ADDR": "192.0.2.10"},
    )

    assert response.status_code == 200
    ((function, event),) = functions.events
    assert function == "HeartbeatFunction"
    assert event["version"] == "2.0" and event["routeKey"] == "POST /heartbeat"
    assert event["rawPath"] == "/heartbeat" and event["rawQueryString"] == "x=1&x=2"
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["body"] == '{"vuid":"VE0005622QHOW"}' and event["isBase64Encoded"] is False
    assert event["headers"]["content-type"] == "application/json; charset=UTF-8"
    assert event["headers"]["x-camera"] == "VStarcam"
    assert all(name == name.lower() for name in event["headers"])
    context = event["requestContext"]
    assert context["stage"] == "$default" and context["routeKey"] == "POST /heartbeat"
    assert context["http"] == {
        "method": "POST",
        "path": "/heartbeat",
        "protocol": "HTTP/1.1",
        "sourceIp": "192.0.2.10",
        "userAgent": event["headers"].get("user-agent", ""),
    }
    assert isinstance(context["timeEpoch"], int) and context["requestId"]
    assert response.headers["apigw-requestid"] == context["requestId"]


def test_multipart_request_body_is_base64(stack: Stack) -> None:
    functions = Functions()
    body = b'--b\r\nContent-Disposition: form-data; name="picture"\r\n\r\n\xff\xd8\xff\r\n--b--\r\n'

    _client(stack, functions).post(
        "/alarm", data=body, headers={"Content-Type": "multipart/form-data; boundary=b"}
    )

    ((_, event),) = functions.events
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body


@pytest.mark.parametrize(
    ("content_type", "text"),
    [
        ("application/json", True),
        ("text/plain; charset=utf-8", True),
        ("application/problem+json", True),
        ("application/xml", True),
        ("multipart/form-data; boundary=x", False),
        ("image/jpeg", False),
        ("application/octet-stream", False),
        ("", False),
    ],
)
def test_http_api_passes_text_types_as_text_and_the_rest_as_base64(
    content_type: str, text: bool
) -> None:
    assert is_text(content_type) is text


def test_unknown_route_is_404_without_an_invocation(stack: Stack) -> None:
    functions = Functions()

    response = _client(stack, functions).get("/heartbeat")

    assert response.status_code == 404
    assert json.loads(response.data) == {"message": "Not Found"}
    assert functions.events == []


def test_event_over_six_megabytes_is_413_without_an_invocation(stack: Stack) -> None:
    functions = Functions()

    response = _client(stack, functions).post(
        "/alarm",
        data=b"\xff" * (MAX_REQUEST_BYTES * 3 // 4 + 1),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )

    assert response.status_code == 413
    assert json.loads(response.data) == {"code": "413", "message": "request is over the 6 MB limit"}
    assert functions.events == []


def test_function_error_is_http_apis_500(stack: Stack) -> None:
    functions = Functions(error={"errorType": "Sandbox.Timedout", "errorMessage": "timed out"})

    response = _client(stack, functions).post("/heartbeat", json={"vuid": "VE0005622QHOW"})

    assert response.status_code == 500
    assert json.loads(response.data) == {"message": "Internal Server Error"}


def test_function_reply_is_returned_as_given(stack: Stack) -> None:
    functions = Functions(
        reply={
            "statusCode": 403,
            "headers": {"Content-Type": "application/json; charset=UTF-8"},
            "body": '{"code":"403","message":"camera X is not registered"}',
        }
    )

    response = _client(stack, functions).post("/heartbeat", json={"vuid": "VE0005622QHOW"})

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/json; charset=UTF-8"
    assert response.data == b'{"code":"403","message":"camera X is not registered"}'


def test_reply_without_status_code_is_a_200_json_body(stack: Stack) -> None:
    response = _client(stack, Functions(reply={"ok": True})).post("/alarm", data=b"")

    assert response.status_code == 200
    assert json.loads(response.data) == {"ok": True}


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(2 hours)", 7200),
        ("rate(1 day)", 86400),
    ],
)
def test_schedule_rate_expressions(expression: str, seconds: float) -> None:
    assert parse_rate(expression) == seconds


@pytest.mark.parametrize("expression", ["cron(0 * * * ? *)", "rate(0 minutes)", "every minute"])
def test_schedule_expressions_the_local_stack_cannot_run_are_refused(expression: str) -> None:
    with pytest.raises(ValueError, match="--schedule-rate"):
        parse_rate(expression)
