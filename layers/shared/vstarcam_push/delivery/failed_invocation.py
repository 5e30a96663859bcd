"""A delivery invocation Lambda gave up on: its record -> one sentence for the owner.

Lambda tries each asynchronous invocation of the delivery function three times when it
crashes or times out (a failed *send* is no crash: the function's own schedules retry it
for hours). Then it sends the invocation's record to the function's on-failure
destination: the request (the delivery document) and the last error (``errorType``,
``errorMessage``, ``stackTrace``). Sent to the operations topic as it was, that record
reached the owner as raw JSON, cut off mid-word by SMS, with whatever the document and the
error's text held: a media link token, a token quoted by an HTTP library's error.

The destination is a small function (``functions/delivery_failed``) that makes of the
record what a give-up makes (``deliverer.DeadLetters``): one short sentence on the
operations topic naming the destination, the event and what went wrong, and one document
in the dead-letter queue for the doctor. It reads only the fields it knows, and repeats
an error's message only when it is the delivery function's own retelling
(``DeliveryCrashed``, which holds the error's kind, never its text).
"""

from __future__ import annotations

import re
from typing import Any

# The delivery function's retelling of an unexpected error (deliverer.DeliveryCrashed):
# written to hold no secret, so it is the one error message repeated.
RETOLD = "DeliveryCrashed"
# An error's type as Lambda's runtime names it (a class name, ``Sandbox.Timedout``).
_TYPE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,79}")


def failed_document(record: dict[str, Any], now: int) -> dict[str, Any]:
    """The dead-letter document of a failed invocation's record: the destination, the event,
    how many attempts and why, in words (``reason``)."""
    request = record.get("requestPayload")
    request = request if isinstance(request, dict) else {}
    event = request.get("event")
    event = event if isinstance(event, dict) else {}
    context = record.get("requestContext")
    context = context if isinstance(context, dict) else {}
    return {
        "destination": _text(request.get("destination")),
        "event": _text(event.get("kind")),
        "eventId": _text(event.get("event_id")),
        "vuid": _text(event.get("vuid")),
        "reason": reason(record),
        "attempts": _count(context.get("approximateInvokeCount")),
        "at": now,
        "crashed": True,
    }


def reason(record: dict[str, Any]) -> str:
    """What went wrong, for people: a timeout, an invocation too old to run, or the error's
    kind (the delivery function's retelling of it as it is)."""
    context = record.get("requestContext")
    condition = context.get("condition") if isinstance(context, dict) else ""
    if condition == "EventAgeExceeded":
        return "the delivery function did not get to run it within 6 hours (throttled?)"
    response = record.get("responsePayload")
    response = response if isinstance(response, dict) else {}
    kind = str(response.get("errorType") or "")
    kind = kind if _TYPE.fullmatch(kind) else ""
    message = str(response.get("errorMessage") or "")
    if "timedout" in kind.lower() or "Task timed out" in message:
        return "the delivery function timed out"
    if kind == RETOLD:
        return " ".join(message.split())[:300]
    return f"the delivery function failed ({kind or 'an unknown error'})"


def failed_message(document: dict[str, Any]) -> dict[str, str]:
    """The operations topic's email and SMS for a failed invocation: one sentence."""
    name = document.get("destination")
    if not name:
        return {
            "Subject": "VStarcam push: a push delivery failed",
            "Message": "A push delivery failed every attempt and its record named no "
            f"destination: {document.get('reason')}. Run 'vstarcam-push doctor'.",
        }
    return {
        "Subject": f"VStarcam push: the push to {name} failed"[:100],
        "Message": (
            f"The {document.get('event') or 'event'} of camera {document.get('vuid') or '?'} "
            f"did not reach push destination '{name}': {document.get('attempts')} attempt(s) "
            f"failed: {document.get('reason')}. The delivery function's log says more; "
            "'vstarcam-push doctor' counts it."
        ),
    }


def _text(value: Any) -> str:
    """A short field of the request, printable ASCII (an SNS subject takes no other)."""
    if not isinstance(value, str):
        return ""
    return "".join(c if " " <= c <= "~" else "?" for c in " ".join(value.split()))[:64]


def _count(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
