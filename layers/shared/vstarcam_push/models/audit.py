"""One line of the audit trail: who changed what, when, and from where (no I/O).

Every change made through the web console or the CLI is recorded (``dal/audit.py``
stores it); the camera push paths record nothing. An entry never carries a secret: a
push key, a URL with one, a destination's token or a password is never in ``details``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CONSOLE = "console"
CLI = "cli"
SOURCES = (CONSOLE, CLI)

# What can be recorded (the ``action`` field), and what it is about (``target``).
CAMERA_REGISTERED = "camera.registered"  # target: the vuid
CAMERA_UPDATED = "camera.updated"  # renamed or its offline threshold changed
CAMERA_SITE = "camera.site"  # moved to a site (details: site, "" for none)
CAMERA_REMOVED = "camera.removed"
CAMERA_KEY_ROTATED = "camera.key-rotated"
# Notifications held or let through again (details: choice, until, and a site's cameras).
CAMERA_SNOOZED = "camera.snoozed"  # target: the vuid; choice "off" turned it back on
SITE_SNOOZED = "site.snoozed"  # target: the site
ALARMS_DELETED = "alarms.deleted"  # target: the alarm id, or the count of a batch
USER_ADDED = "user.added"  # target: the user name (an email)
USER_CHANGED = "user.changed"
USER_REMOVED = "user.removed"
DESTINATION_ADDED = "destination.added"  # target: the destination's name
DESTINATION_REMOVED = "destination.removed"
# A notification's action (details: action, device): target the alarm id or the vuid.
PUSH_ACTION = "push.action"
ACTIONS = (
    CAMERA_REGISTERED,
    CAMERA_UPDATED,
    CAMERA_SITE,
    CAMERA_REMOVED,
    CAMERA_KEY_ROTATED,
    CAMERA_SNOOZED,
    SITE_SNOOZED,
    ALARMS_DELETED,
    USER_ADDED,
    USER_CHANGED,
    USER_REMOVED,
    DESTINATION_ADDED,
    DESTINATION_REMOVED,
    PUSH_ACTION,
)
# Details are short facts (a name, a site, a role, a list of ids), bounded per entry.
MAX_DETAIL_CHARS = 4000


@dataclass(frozen=True)
class AuditEntry:
    """``user``: the console user's name, or the AWS principal the CLI ran as;
    ``source``: console or cli; ``origin``: the browser's address for the console."""

    at_ms: int
    user: str
    source: str
    action: str
    target: str
    details: dict[str, Any] = field(default_factory=dict)
    origin: str = ""

    def check(self) -> AuditEntry:
        """The entry, if its source and action are known ones (checked when recorded; an
        entry read back is shown as it is, even of an action a later version added)."""
        if self.source not in SOURCES:
            raise ValueError(f"audit source {self.source!r} is not one of {SOURCES}")
        if self.action not in ACTIONS:
            raise ValueError(f"audit action {self.action!r} is not a known action")
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "atMs": self.at_ms,
            "user": self.user,
            "source": self.source,
            "action": self.action,
            "target": self.target,
            "details": self.details,
            "origin": self.origin or None,
        }

    def describe(self) -> str:
        """The details as ``key=value`` words, for a table."""
        return " ".join(
            f"{key}={','.join(map(str, value)) if isinstance(value, list) else value}"
            for key, value in sorted(self.details.items())
        )
