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
# The media link: a capability, read from the stored alarm where it is needed, never
# written into a document (and dropped from one written before: in-flight retries).
CAPABILITY_FIELDS = ("link_token", "link_expires_at")


@dataclass(frozen=True)
class PushEvent:
    """One event as every channel sees it; serialised into the delivery documents.

    ``link_token`` is the alarm's media link capability (anyone holding it opens the
    picture). It is never serialised (:meth:`to_dict`): a delivery document is what Lambda's
    on-failure record forwards to the operations topic (email, SMS), what a retry
    schedule keeps as its input; the delivery function reads the token from the stored
    alarm when it sends (``delivery.deliverer.MediaSource.media_link``).
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
        """The event as a delivery document carries it: without the media link."""
        return {key: value for key, value in asdict(self).items() if key not in CAPABILITY_FIELDS}

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> PushEvent:
        """The event of a delivery document. A document written before the link was left
        out (a retry in flight across the update) may still hold it: it is kept for this
        attempt, and :meth:`to_dict` leaves it out of the next one."""
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in document.items() if key in known})
