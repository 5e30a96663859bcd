"""The wire protocol both endpoints speak: request access, vuid rules and the reply shape.

Every reply is ``{"code": "<status>", "message": "<words>"}`` JSON, as the
vendor's interface document prescribes; success is ``{"code":"200","message":"Success"}``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from vstarcam_push.errors import BadRequest, PayloadTooLarge

# Lambda refuses synchronous events over 6 MB; the local stack enforces the same.
MAX_REQUEST_BYTES = 6 * 1024 * 1024

SUCCESS_BODY = '{"code":"200","message":"Success"}'
_VUID = re.compile(r"[A-Za-z0-9]{4,32}")


def reply(status: int, message: str) -> dict[str, Any]:
    """An HTTP API (payload v2) response in the camera protocol's shape."""
    if status == 200 and message == "Success":
        body = SUCCESS_BODY
    else:
        body = json.dumps({"code": str(status), "message": message}, separators=(",", ":"))
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json; charset=UTF-8"},
        "body": body,
    }


def success() -> dict[str, Any]:
    return reply(200, "Success")


def validate_vuid(value: object) -> str:
    """Return the vuid in canonical (upper) case, or refuse it.

    >>> validate_vuid("ve0005622qhow")
    'VE0005622QHOW'
    """
    if value is None:
        raise BadRequest("vuid is missing", reason="vuid_missing")
    if not isinstance(value, str):
        raise BadRequest("vuid must be a string", reason="vuid_invalid")
    if value == "":
        raise BadRequest("vuid is empty", reason="vuid_missing")
    if not _VUID.fullmatch(value):
        raise BadRequest(
            "vuid must be 4 to 32 letters and digits, like VE0005622QHOW",
            reason="vuid_invalid",
        )
    # Cameras print their vuid in upper case; accepting any case avoids a
    # registration that silently never matches.
    return value.upper()


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


def parse_heartbeat(body: bytes) -> str:
    """The vuid of a heartbeat body ``{"vuid": "..."}``."""
    try:
        document = json.loads(body)
    except RecursionError as error:
        # Deep nesting exhausts the decoder's stack: a client mistake, not a server fault.
        raise BadRequest(
            'heartbeat body is nested too deeply: send {"vuid":"<camera vuid>"}',
            reason="not_json",
        ) from error
    except (UnicodeDecodeError, ValueError) as error:
        raise BadRequest(
            'heartbeat body is not JSON: send {"vuid":"<camera vuid>"}', reason="not_json"
        ) from error
    if not isinstance(document, dict):
        raise BadRequest(
            'heartbeat body must be a JSON object like {"vuid":"VE0005622QHOW"}',
            reason="not_object",
        )
    return validate_vuid(document.get("vuid"))
