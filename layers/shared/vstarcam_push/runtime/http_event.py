"""The parts of an HTTP API (payload v2) event the handlers use."""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass, field
from typing import Any

from vstarcam_push.models.errors import BadRequest, PayloadTooLarge

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
        )
