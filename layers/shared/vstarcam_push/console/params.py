"""The console API's request and its parameters: every bad one a clear 400 before any AWS call.

A page's ``next`` cursor is the position after its last item; it is opaque to the
page and checked like any other parameter.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from vstarcam_push.dal.alarms import AlarmPosition, TypeFilter
from vstarcam_push.ingest.protocol import validate_vuid
from vstarcam_push.models.access import Access
from vstarcam_push.models.alarm_types import AlarmType, check_severity, severity_of
from vstarcam_push.models.errors import BadRequest

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
MAX_BATCH = 50
MAX_BODY_BYTES = 64 * 1024
CAMERA_STATUSES = ("online", "offline", "pending")
_ALARM_ID = re.compile(r"[A-Z0-9]{4,32}-[0-9a-f]{20}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ConsoleRequest:
    """One ``/api/`` request as API Gateway hands it over, after its JWT authorizer.

    ``access`` is the signed-in user's role and sites, read from the claims of the token
    the authorizer verified (``requestContext.authorizer.jwt.claims``), never from
    anything the page sends; ``origin`` is the address the request came from.
    """

    route: str
    path: dict[str, str]
    query: dict[str, str]
    body: bytes
    now: float
    access: Access = field(default_factory=lambda: Access("", None))
    origin: str = ""

    @classmethod
    def from_event(cls, event: dict[str, Any], now: float) -> ConsoleRequest:
        raw = event.get("body") or ""
        if len(raw) > MAX_BODY_BYTES * 2:
            raise BadRequest("request body is too large", reason="body_too_large")
        try:
            body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()
        except (binascii.Error, ValueError) as error:
            raise BadRequest("body is not valid base64", reason="bad_encoding") from error
        context = event.get("requestContext") or {}
        claims = ((context.get("authorizer") or {}).get("jwt") or {}).get("claims") or {}
        return cls(
            route=str(event.get("routeKey", "")),
            path=dict(event.get("pathParameters") or {}),
            query=dict(event.get("queryStringParameters") or {}),
            body=body,
            now=now,
            access=Access.of_claims(claims if isinstance(claims, dict) else {}),
            origin=str((context.get("http") or {}).get("sourceIp") or ""),
        )

    def only(self, *names: str) -> None:
        unknown = sorted(set(self.query) - set(names))
        if unknown:
            allowed = ", ".join(names) if names else "none"
            raise BadRequest(
                f"unknown parameter {unknown[0]!r} (allowed: {allowed})", reason="param_unknown"
            )

    def json(self, *fields: str) -> dict[str, Any]:
        if len(self.body) > MAX_BODY_BYTES:
            raise BadRequest("request body is too large", reason="body_too_large")
        try:
            document = json.loads(self.body or b"{}")
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise BadRequest("request body is not JSON", reason="not_json") from error
        if not isinstance(document, dict):
            raise BadRequest("request body must be a JSON object", reason="not_object")
        unknown = sorted(set(document) - set(fields))
        if unknown:
            raise BadRequest(
                f"unknown field {unknown[0]!r} (allowed: {', '.join(fields)})",
                reason="field_unknown",
            )
        return document


def limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_LIMIT:
        raise BadRequest(
            f"limit must be a whole number from 1 to {MAX_LIMIT}", reason="limit_invalid"
        )
    return int(value)


def camera_status(value: str | None) -> str | None:
    if value is not None and value not in CAMERA_STATUSES:
        raise BadRequest(
            f"status must be one of {', '.join(CAMERA_STATUSES)}", reason="status_invalid"
        )
    return value


def epoch_ms(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 15:
        raise BadRequest(
            f"{name} must be a time in epoch milliseconds, like 1717243200000",
            reason="time_invalid",
        )
    return int(value)


def alarm_id(value: object) -> str:
    if not isinstance(value, str) or not _ALARM_ID.fullmatch(value):
        raise BadRequest(
            "alarm id must look like VE0005622QHOW-0123456789abcdef0123", reason="alarm_id_invalid"
        )
    return value


def alarm_ids(document: dict[str, Any]) -> list[str]:
    ids = document.get("alarmIds")
    if not isinstance(ids, list) or not ids:
        raise BadRequest("alarmIds must be a non-empty list of alarm ids", reason="ids_invalid")
    if len(ids) > MAX_BATCH:
        raise BadRequest(f"at most {MAX_BATCH} alarms at a time", reason="ids_too_many")
    return list(dict.fromkeys(alarm_id(value) for value in ids))


def username(value: object) -> str:
    """A console user's name from the path (an email; API Gateway may leave it encoded)."""
    name = unquote(value) if isinstance(value, str) else ""
    if not name or len(name) > 128 or any(c.isspace() or not c.isprintable() for c in name):
        raise BadRequest("user must be a console user's name (an email)", reason="user_invalid")
    return name


def audit_since(value: str | None, now_ms: int, retention_days: int) -> int:
    """From when the audit trail is read: epoch milliseconds, at most the retention back
    (the default: a week)."""
    oldest = now_ms - (retention_days + 1) * 86_400_000
    since = epoch_ms("since", value)
    return max(since if since is not None else now_ms - 7 * 86_400_000, oldest)


def camera_vuid(value: object, what: str = "vuid") -> str:
    try:
        return validate_vuid(value)
    except BadRequest as error:
        raise BadRequest(f"{what}: {error.message}", reason=error.reason) from error


# -- cursors ---------------------------------------------------------------------------


def encode_cursor(document: dict[str, Any]) -> str:
    raw = json.dumps(document, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> dict[str, Any]:
    bad = BadRequest("cursor is not one this API gave out", reason="cursor_invalid")
    if len(value) > 512:
        raise bad
    try:
        document = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(document, dict):
        raise bad
    return document


def camera_cursor(value: str, status: str | None) -> str:
    """The vuid a camera page goes on after; its cursor holds the status filter it was for."""
    document = decode_cursor(value)
    after = document.get("v", "")
    if not isinstance(after, str) or not after or document.get("s") != (status or ""):
        raise BadRequest("cursor is not one this API gave out", reason="cursor_invalid")
    return after


def next_camera_cursor(status: str | None, last: str) -> str:
    return encode_cursor({"s": status or "", "v": last})


def alarm_cursor(value: str, scope: str) -> AlarmPosition:
    """The position an alarm cursor of ``scope`` (``fleet`` or a vuid) stands for."""
    document = decode_cursor(value)
    bad = BadRequest("cursor is not one this API gave out", reason="cursor_invalid")
    if document.get("s") != scope:
        raise BadRequest(
            "cursor belongs to another filter: start again without it", reason="cursor_mismatch"
        )
    day, last = document.get("d"), document.get("k")
    if not isinstance(day, str) or not _DAY.fullmatch(day):
        raise bad
    if last is None:
        return AlarmPosition(day)
    if not isinstance(last, dict) or set(last) != {"a", "t"}:
        raise bad
    after, at = last["a"], last["t"]
    if not isinstance(after, str) or not _ALARM_ID.fullmatch(after):
        raise bad
    if not isinstance(at, int) or isinstance(at, bool) or at < 0:
        raise bad
    return AlarmPosition(day, (after, at))


def next_alarm_cursor(scope: str, position: AlarmPosition) -> str:
    after = {"a": position.after[0], "t": position.after[1]} if position.after else None
    return encode_cursor({"s": scope, "d": position.day, "k": after})


def alarm_types(
    alarm_type: AlarmType | None, severity: str | None, alert_types: frozenset[int]
) -> tuple[AlarmType | None, TypeFilter | None]:
    """The ``type`` and ``severity`` filters as one listing filter: a type of the other
    severity keeps nothing (``TypeFilter`` of no code), alerts are the stack's AlertTypes,
    detections every other type."""
    if severity is None:
        return alarm_type, None
    chosen = check_severity(severity)
    if alarm_type is not None:
        kept = severity_of(alarm_type.code, alert_types) == chosen
        return alarm_type, None if kept else TypeFilter(frozenset())
    return None, TypeFilter(alert_types, exclude=chosen == "detection")
