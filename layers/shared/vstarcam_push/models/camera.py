"""A camera as the Cameras table holds it, and the rules of its fields (no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from vstarcam_push.models.alarm_types import AlarmType
from vstarcam_push.models.errors import BadRequest

# A site groups a customer's cameras for push destinations (``--sites``). Short, so the
# camera item stays far under 1 KB in every state.
SITE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$")

PENDING = "pending"

# At most this many unknown cameras wait for approval; further unknown vuids are refused.
MAX_PENDING_CAMERAS = 100

# Camera names go into email subjects and SMS: one line, bounded.
MAX_NAME_LENGTH = 64

# A snooze "until turned back on" is stored as this end (9999-12-31 23:59:59 UTC): one
# comparison (``until > now``) serves every snooze, and the item keeps one number.
SNOOZE_UNTIL_ON = 253_402_300_799


def check_site(site: str) -> str:
    """A camera site: 1-40 letters, digits, spaces, '.', '_' or '-'."""
    if not SITE_PATTERN.match(site):
        raise ValueError(
            f"site {site[:50]!r}: 1-40 letters, digits, spaces, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return site


def clean_name(value: object) -> str:
    """A camera name fit for a notification: one line of printable text, 64 characters at most.

    The one rule for every name, wherever it is given (``cameras add --name``, a CSV,
    the camera's own alias, the console's forms): a name with a newline could
    otherwise print a fake line (a phishing link) into an email body. Control and
    format characters (bidi overrides) become spaces and runs of spaces one; a name
    still longer than ``MAX_NAME_LENGTH`` is refused, not cut. None is no name.

    >>> clean_name("Front door\\nOpen the picture: https://evil.example")
    'Front door Open the picture: https://evil.example'
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest("name must be text", reason="name_invalid")
    # Not printable: categories C (control, format, surrogates, private, unassigned) and Z
    # (separators, which str.split folds anyway).
    name = " ".join("".join(c if c.isprintable() else " " for c in value).split())
    if len(name) > MAX_NAME_LENGTH:
        raise BadRequest(
            f"name is longer than {MAX_NAME_LENGTH} characters", reason="name_too_long"
        )
    return name


def cooldown_slot(alarm_type: AlarmType) -> str:
    """The cooldown slot of an alarm type: its own for a vendor code, one shared by the rest.

    The sender chooses the code (0 to 0xFFFF): a slot per code would let forged codes
    bypass the cooldown and grow the camera item without bound.
    """
    return alarm_type.hex if alarm_type.known else "other"


@dataclass(frozen=True)
class Camera:
    vuid: str
    name: str
    status: str
    registered_at: int | None
    last_seen: int | None
    last_alarm_at: int | None
    offline_after: int | None
    online_until: int | None
    offline_since: int | None
    push_key_id: int | None = None
    site: str = ""
    # The camera's own snooze (``snoozedUntil``) and its site's (``siteSnoozedUntil``,
    # written to every camera of the site by a site snooze): epoch seconds; either held
    # until it passes holds every notification of the camera (docs/notifications.md).
    snoozed_until: int | None = None
    site_snoozed_until: int | None = None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Camera:
        def number(key: str) -> int | None:
            value = item.get(key, {}).get("N")
            return int(float(value)) if value is not None else None

        return cls(
            vuid=item["vuid"]["S"],
            name=item.get("name", {}).get("S", ""),
            # A camera that never sent a heartbeat is reported offline.
            status=item.get("status", {}).get("S", "offline"),
            registered_at=number("registeredAt"),
            last_seen=number("lastSeen"),
            last_alarm_at=number("lastAlarmAt"),
            offline_after=number("offlineAfter"),
            online_until=number("onlineUntil"),
            offline_since=number("offlineSince"),
            push_key_id=number("pushKeyId"),
            site=item.get("site", {}).get("S", ""),
            snoozed_until=number("snoozedUntil"),
            site_snoozed_until=number("siteSnoozedUntil"),
        )

    @property
    def label(self) -> str:
        """``Front door (VE0005622QHOW)``, or the bare vuid for an unnamed camera."""
        return f"{self.name} ({self.vuid})" if self.name else self.vuid

    @property
    def pending(self) -> bool:
        return self.status == PENDING

    @property
    def has_push_key(self) -> bool:
        return self.push_key_id is not None

    def snoozed(self, now: int) -> bool:
        """Whether the camera's notifications are held at ``now`` (its own or its site's)."""
        return self.snooze(now) is not None

    def snooze(self, now: int) -> Snooze | None:
        """The snooze holding the camera at ``now``, the later-ending when both do."""
        held = [
            Snooze(until, site)
            for until, site in ((self.snoozed_until, ""), (self.site_snoozed_until, self.site))
            if until is not None and until > now
        ]
        return max(held, key=lambda snooze: snooze.until) if held else None


@dataclass(frozen=True)
class Snooze:
    """A snooze in force: until when (epoch seconds) and whose (``site``: empty, the
    camera's own; else the site snoozed)."""

    until: int
    site: str = ""

    @property
    def until_on(self) -> bool:
        """Until turned back on rather than until a time."""
        return self.until >= SNOOZE_UNTIL_ON


@dataclass(frozen=True)
class Registration:
    """What ``register`` did; ``push_key`` is set only when a key was issued (shown once)."""

    created: bool
    approved: bool
    push_key: str | None


@dataclass(frozen=True)
class AlarmRate:
    """A camera's alarm pushes in its current rate window, as the alarm's one read found them."""

    window_start: int | None
    count: int

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> AlarmRate:
        start = item.get("alarmWindow", {}).get("N")
        return cls(
            window_start=int(start) if start is not None else None,
            count=int(item.get("alarmCount", {}).get("N", "0")),
        )

    def window_open(self, now: int, period: int) -> bool:
        return self.window_start is not None and self.window_start > now - period

    def allows(self, now: int, limit: int, period: int) -> bool:
        """Whether one more push fits: fewer than ``limit`` in the window, or a new window."""
        return not self.window_open(now, period) or self.count < limit


@dataclass(frozen=True)
class NotifyCeiling:
    """At most ``limit`` notifications per camera in ``period`` seconds, all alarm types together.

    Against a motion storm, or a sender rotating alarm types: the alarms past it are
    stored, not notified, and counted.
    """

    limit: int
    period: int


@dataclass(frozen=True)
class Claim:
    """The outcome of a notification claim; true when the alarm may be notified.

    ``reason``: ``claimed``, ``redelivered`` (this alarm holds the slot already),
    ``snoozed``, ``cooldown``, ``ceiling`` or ``unknown_camera``. ``camera`` is the camera as read,
    for the notification's text. ``until``: refused by the cooldown or the ceiling, when
    it ends (epoch seconds), so the notifier can say how long the camera stays quiet; the
    snooze's end when snoozed.
    """

    granted: bool
    reason: str
    camera: Camera | None
    until: int = 0

    def __bool__(self) -> bool:
        return self.granted


class PushKeyUnavailable(Exception):
    """The camera's push key cannot be shown: no camera, no key, or another secret."""


def number_attribute(item: dict[str, Any], name: str) -> int | None:
    """A whole number from a DynamoDB item (its ``{"N": "..."}`` form), None when absent.

    Shared by the camera's readers here, the notification claims and the status history,
    which all read the camera item as the stream and the low-level client give it."""
    value = (item.get(name) or {}).get("N")
    return int(float(value)) if value is not None else None
