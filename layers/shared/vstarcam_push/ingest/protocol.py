"""The camera protocol's requests: the vuid rules and the heartbeat body.

The replies' shape is in ``runtime.replies``; the HTTP API event in ``runtime.http_event``.
"""

from __future__ import annotations

import json
import re

from vstarcam_push.models.errors import BadRequest

_VUID = re.compile(r"[A-Za-z0-9]{4,32}")


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
