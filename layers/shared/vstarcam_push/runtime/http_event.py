"""The parts of an HTTP API (payload v2) event the handlers use."""

from __future__ import annotations

import base64
import binascii
import re
import time
from dataclasses import dataclass, field
from typing import Any

from vstarcam_push.models.errors import BadRequest, NotFound, PayloadTooLarge
from vstarcam_push.models.push_keys import KEY_PARAMETER

# Lambda refuses synchronous events over 6 MB; the local stack enforces the same.
MAX_REQUEST_BYTES = 6 * 1024 * 1024


@dataclass(frozen=True)
class HttpRequest:
    """The parts of an HTTP API v2 event the handlers use."""

    body: bytes
    content_type: str
    received_at_ms: int
    request_id: str
    # The route's {placeholders} and the query string (the media links use them).
    path_parameters: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    # "POST /heartbeat/{key}" from the HTTP API; "$default" from a Lambda function URL,
    # which delivers every method and path to its one function.
    route_key: str = ""
    method: str = "POST"
    path: str = ""
    # Who sent it (requestContext.http.sourceIp): in the refusals' log lines, which stand in
    # for the HTTP API's access log where a function URL has none.
    source_ip: str = ""

    def camera_key(self, route: str) -> str | None:
        """The push key of a camera route (``/heartbeat`` or ``/alarm``); None on the bare one.

        From the HTTP API, its ``{key}`` path parameter (the API routed the request). From a
        function URL (``routeKey`` ``$default``), the path itself, which must be the camera
        route: anything else is answered 404, as the HTTP API answers a path it has no
        route for.
        """
        if self.route_key != "$default":
            return self.path_parameters.get(KEY_PARAMETER)
        match = re.fullmatch(rf"{re.escape(route)}(?:/([^/]*))?", self.path)
        if self.method != "POST" or match is None:
            # The path is not echoed: it may hold a push key sent with the wrong method.
            raise NotFound(f"no such route: cameras POST to {route}/KEY", reason="no_route")
        return match.group(1) or None

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> HttpRequest:
        raw = event.get("body") or ""
        if len(raw) > MAX_REQUEST_BYTES:
            raise PayloadTooLarge(
                f"request is over the {MAX_REQUEST_BYTES // (1024 * 1024)} MB limit",
                reason="too_large",
            )
        if event.get("isBase64Encoded"):
            # Powertools' decoded_body decodes to str and breaks on JPEG bytes,
            # so the body is decoded here.
            try:
                body = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError) as error:
                raise BadRequest("body is not valid base64", reason="bad_encoding") from error
        else:
            body = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        context = event.get("requestContext") or {}
        return cls(
            body=body,
            content_type=headers.get("content-type", ""),
            # The push carries no timestamp: API Gateway's receive time is the alarm time.
            received_at_ms=int(context.get("timeEpoch") or time.time() * 1000),
            request_id=str(context.get("requestId", "")),
            path_parameters=dict(event.get("pathParameters") or {}),
            query=dict(event.get("queryStringParameters") or {}),
            route_key=str(event.get("routeKey", "")),
            method=str((context.get("http") or {}).get("method", "POST")).upper(),
            path=str(event.get("rawPath", "")),
            source_ip=str((context.get("http") or {}).get("sourceIp", "")),
        )
