"""Real-shaped Lambda events and context, shared by the local stack, the benchmarks and the tests.

HTTP API payload v2 (lower-case headers, ``requestContext.timeEpoch``,
multipart bodies base64-encoded) and the EventBridge scheduled event.
"""

from __future__ import annotations

import base64
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"


def http_event(
    path: str,
    body: bytes,
    content_type: str,
    *,
    base64_encoded: bool = True,
    time_ms: int | None = None,
    push_key: str | None = None,
) -> dict[str, Any]:
    """An HTTP API payload v2 event for ``POST path``, shaped as API Gateway sends it.

    With ``push_key``, the request is on the camera's keyed route ``POST path/{key}``.
    """
    now_ms = time_ms if time_ms is not None else int(time.time() * 1000)
    route = f"POST {path}" if push_key is None else f"POST {path}/{{key}}"
    if push_key is not None:
        path = f"{path}/{push_key}"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "content-type": content_type,
            "content-length": str(len(body)),
            "host": "abc123.execute-api.us-east-1.amazonaws.com",
            "user-agent": "VStarcam",
        },
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": "POST",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "VStarcam",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now_ms / 1000)),
            "timeEpoch": now_ms,
        },
        "body": base64.b64encode(body).decode() if base64_encoded else body.decode("utf-8"),
        "isBase64Encoded": base64_encoded,
    }
    if push_key is not None:
        event["pathParameters"] = {"key": push_key}
    return event


def link_event(url: str, time_ms: int | None = None) -> dict[str, Any]:
    """The HTTP API payload v2 event of a browser opening an alarm email's media link."""
    parts = urllib.parse.urlsplit(url)
    segments = parts.path.strip("/").split("/")
    route = "GET /alarms/{alarmId}/{media}"
    event = http_event(parts.path, b"", "", base64_encoded=False, time_ms=time_ms)
    event.pop("body")
    event["headers"] = {"host": parts.netloc, "user-agent": "Mozilla/5.0", "accept": "*/*"}
    event["routeKey"] = event["requestContext"]["routeKey"] = route
    event["requestContext"]["http"]["method"] = "GET"
    event["rawQueryString"] = parts.query
    if parts.query:
        event["queryStringParameters"] = dict(urllib.parse.parse_qsl(parts.query))
    if len(segments) == 3 and segments[0] == "alarms":
        event["pathParameters"] = {"alarmId": segments[1], "media": segments[2]}
    return event


def scheduled_event(
    rule_arn: str, region: str = REGION, account: str = ACCOUNT, time_s: float | None = None
) -> dict[str, Any]:
    """The event EventBridge sends a scheduled target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time_s)),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that Powertools and the handlers read."""

    function_name: str = "test-function"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:test-function"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"
    # An invocation that just started, of a function with the longest timeout a batch
    # function has (the delivery function's 30 s).
    remaining_ms: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def console_event(
    route: str,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    time_ms: int | None = None,
) -> dict[str, Any]:
    """A browser's GET on a web console route, as HTTP API passes it on (after the JWT
    authorizer for ``/api/`` routes, whose claims it carries: an admin's, every claim as
    text as HTTP API hands them over)."""
    method, path = route.split(" ", 1)
    for name, value in (path_parameters or {}).items():
        path = path.replace("{" + name + "}", value)
    event = http_event(path, b"", "", base64_encoded=False, time_ms=time_ms)
    event.pop("body")
    event["headers"] = {
        "host": "abc123.execute-api.us-east-1.amazonaws.com",
        "user-agent": "Mozilla/5.0",
        "accept-encoding": "gzip, deflate, br",
        "authorization": "Bearer eyJraWQiOiJkdW1teSJ9.e30.c2ln",
    }
    event["routeKey"] = event["requestContext"]["routeKey"] = route
    event["requestContext"]["http"]["method"] = method
    if route.split(" ", 1)[1].startswith("/api/"):
        event["requestContext"]["authorizer"] = {
            "jwt": {
                "claims": {
                    "sub": "5f1c0b6e-user",
                    "client_id": "console",
                    "username": "owner@example.com",
                    "cognito:groups": "[admin]",
                },
                "scopes": None,
            }
        }
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if query:
        event["queryStringParameters"] = dict(query)
        event["rawQueryString"] = urllib.parse.urlencode(query)
    return event
