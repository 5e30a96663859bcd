"""What happened, as every channel sees it: an alarm, a camera offline, a camera back online."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from vstarcam_push.models.alarm_types import severity_of

EventKind = Literal["alarm", "offline", "online"]

# Smoke and fire: what goes through quiet hours by default, and what Pushover sends
# at high priority.
URGENT_TYPES = ("0x26", "0x6d", "0x6e")


@dataclass(frozen=True)
class PushEvent:
    """One event as every channel sees it; serialised into the delivery queue's messages.

    ``link_token`` is the alarm's media link capability: it travels (encrypted) in the
    queue so the channels can link the picture, and is never logged.
    """

    kind: EventKind
    event_id: str
    vuid: str
    camera_name: str
    site: str
    at: int
    title: str
    text: str
    alarm_id: str = ""
    alarm_type: int | None = None
    alarm_type_hex: str = ""
    alarm_type_name: str = ""
    picture_key: str = ""
    picture_content_type: str = ""
    picture_size: int = 0
    has_video: bool = False
    link_token: str = ""
    link_expires_at: int = 0
    # "alert" or "detection" (models.alarm_types) for an alarm, as the notifier's
    # AlertTypes setting had it; "" for status events and messages queued before it.
    severity: str = ""

    @property
    def camera_label(self) -> str:
        return f"{self.camera_name} ({self.vuid})" if self.camera_name else self.vuid

    @property
    def alarm_severity(self) -> str:
        """The alarm's severity; an alarm queued before severities existed is classed by
        the default alert types."""
        if self.kind != "alarm":
            return ""
        return self.severity or severity_of(self.alarm_type or 0)

    @property
    def urgent(self) -> bool:
        return self.kind == "alarm" and self.alarm_type_hex in URGENT_TYPES

    def iso_time(self) -> str:
        return datetime.fromtimestamp(self.at, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> PushEvent:
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in document.items() if key in known})
