"""Recording a change made through the console in the audit trail.

Used by the console API's routes and by the web push routes (whose notification
actions are recorded as the user the action token names). The change is already
made when it is recorded: a failed record is logged as an error, and the reply
still says what was done.
"""

from __future__ import annotations

from typing import Any

from vstarcam_push.console.params import ConsoleRequest
from vstarcam_push.dal.audit import AuditLog
from vstarcam_push.models import audit


def record_change(
    audit_log: AuditLog | None,
    logger: Any,
    request: ConsoleRequest,
    user: str,
    action: str,
    target: str,
    details: dict[str, Any],
) -> None:
    if audit_log is None:
        return
    try:
        audit_log.record(
            audit.AuditEntry(
                at_ms=int(request.now * 1000),
                user=user,
                source=audit.CONSOLE,
                action=action,
                target=target,
                details=details,
                origin=request.origin,
            )
        )
    except Exception:
        if logger is not None:
            logger.exception(
                "change not recorded in the audit trail",
                extra={"reason": "audit_failed", "action": action},
            )
