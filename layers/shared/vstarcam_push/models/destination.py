"""A push destination and its filters, as the Destinations table holds them (no I/O).

A destination is a name (the key), a channel (``ntfy``, ``telegram``...), the
channel's settings that are not secret (a chat id, an API URL), the names of
its secrets (kept in SSM Parameter Store, never here), a ``target`` line for
people (``chat 12345 via api.telegram.org``), and filters:

- ``events``: alarm, offline, online (all when absent);
- ``types``: alarm types as hex codes (all when absent; status events pass);
- ``severities``: ``alert`` and/or ``detection`` (models.alarm_types; both when
  absent; status events pass);
- ``cameras``: vuids; ``sites``: camera sites (all when absent);
- quiet hours ``22:00-07:00`` in an IANA time zone: inside them only the
  ``urgentTypes`` (smoke and fire by default) go through.

The delivery function notes every failed attempt on the item (``lastError``,
``lastErrorAt``), so ``notify list`` says which destination is failing and why from
its first failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from vstarcam_push.models.push_event import URGENT_TYPES, PushEvent

EVENTS = ("alarm", "offline", "online")

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")

_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


class InvalidFilter(ValueError):
    """A filter or name the operator gave that cannot work; the message says why."""


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise InvalidFilter(
            f"destination name {name[:50]!r}: 1-40 letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return name


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    timezone: str

    @classmethod
    def parse(cls, hours: str, timezone: str) -> QuietHours:
        match = _HOURS.match(hours.strip())
        if not match:
            raise InvalidFilter(
                f"quiet hours {hours[:30]!r}: write them HH:MM-HH:MM, e.g. 22:00-07:00"
            )
        h1, m1, h2, m2 = (int(group) for group in match.groups())
        if (h1, m1) == (h2, m2):
            raise InvalidFilter("quiet hours: the start and the end are the same time")
        # zoneinfo only where quiet hours are: a few ms of every notifier's cold start.
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidFilter(
                f"time zone {timezone[:60]!r} is not an IANA time zone (e.g. Europe/Berlin)"
            ) from None
        return cls(time(h1, m1), time(h2, m2), timezone)

    def text(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def covers(self, epoch_seconds: int) -> bool:
        """Whether that instant is inside the quiet hours on the local wall clock.

        The wall clock, not a UTC offset fixed at setup: 22:00-07:00 in Europe/Berlin
        stays 22:00-07:00 local across the daylight-saving changes.
        """
        from zoneinfo import ZoneInfo

        local = datetime.fromtimestamp(epoch_seconds, tz=UTC).astimezone(ZoneInfo(self.timezone))
        now = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def end_after(self, epoch_seconds: int) -> int:
        """When the quiet hours around that instant end: the next ``end`` on the local wall
        clock (today's or tomorrow's), as epoch seconds."""
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(self.timezone)
        local = datetime.fromtimestamp(epoch_seconds, tz=UTC).astimezone(zone)
        end = datetime.combine(local.date(), self.end, tzinfo=zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=zone)
        return int(end.timestamp())


@dataclass(frozen=True)
class Filters:
    events: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    cameras: frozenset[str] = frozenset()
    sites: frozenset[str] = frozenset()
    quiet_hours: QuietHours | None = None
    urgent_types: frozenset[str] = frozenset(URGENT_TYPES)
    severities: frozenset[str] = frozenset()

    def wants(self, event: PushEvent) -> bool:
        """Whether this destination is sent ``event``."""
        return self.matches(event) and not self.quiet_until(event)

    def matches(self, event: PushEvent) -> bool:
        """Whether ``event`` is one this destination asked for, quiet hours aside."""
        return not self.refusal(event)

    def refusal(self, event: PushEvent) -> str:
        """Which filter keeps ``event`` from this destination ("": none, quiet hours aside)."""
        if self.events and event.kind not in self.events:
            return "events"
        if self.cameras and event.vuid not in self.cameras:
            return "cameras"
        if self.sites and event.site not in self.sites:
            return "sites"
        if event.kind != "alarm":
            return ""
        if self.severities and event.alarm_severity not in self.severities:
            return "severities"
        if self.types and event.alarm_type_hex not in self.types:
            return "types"
        return ""

    def quiet_until(self, event: PushEvent) -> int:
        """When the quiet hours that hold ``event`` back end (epoch seconds); 0 when they
        do not hold it back (none set, outside them, or an urgent alarm type)."""
        if self.quiet_hours is None or not self.quiet_hours.covers(event.at):
            return 0
        if event.kind == "alarm" and event.alarm_type_hex in self.urgent_types:
            return 0
        return self.quiet_hours.end_after(event.at)

    def describe(self) -> str:
        parts = []
        if self.events:
            parts.append("events " + ",".join(e for e in EVENTS if e in self.events))
        if self.types:
            parts.append("types " + ",".join(sorted(self.types)))
        if self.severities:
            parts.append("severity " + ",".join(sorted(self.severities)))
        if self.cameras:
            parts.append("cameras " + ",".join(sorted(self.cameras)))
        if self.sites:
            parts.append("sites " + ",".join(sorted(self.sites)))
        if self.quiet_hours is not None:
            parts.append(
                f"quiet {self.quiet_hours.text()} {self.quiet_hours.timezone}"
                f" (urgent {','.join(sorted(self.urgent_types)) or 'none'})"
            )
        return "; ".join(parts) or "everything"


@dataclass(frozen=True)
class Destination:
    name: str
    channel: str
    target: str
    settings: dict[str, str] = field(default_factory=dict)
    secret_fields: tuple[str, ...] = ()
    filters: Filters = Filters()
    created_at: int = 0
    last_error: str = ""
    last_error_at: int = 0

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "name": {"S": self.name},
            "channel": {"S": self.channel},
            "target": {"S": self.target},
            "createdAt": {"N": str(self.created_at)},
        }
        if self.settings:
            item["settings"] = {"M": {k: {"S": v} for k, v in self.settings.items()}}
        if self.secret_fields:
            item["secretFields"] = {"SS": list(self.secret_fields)}
        f = self.filters
        for key, values in (
            ("events", f.events),
            ("types", f.types),
            ("cameras", f.cameras),
            ("sites", f.sites),
            ("severities", f.severities),
        ):
            if values:
                item[key] = {"SS": sorted(values)}
        if f.quiet_hours is not None:
            item["quietHours"] = {"S": f.quiet_hours.text()}
            item["timezone"] = {"S": f.quiet_hours.timezone}
            # An empty set cannot be stored: "none urgent" is the empty string.
            item["urgentTypes"] = {"S": ",".join(sorted(f.urgent_types))}
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Destination:
        def strings(key: str) -> frozenset[str]:
            return frozenset(item.get(key, {}).get("SS", []))

        quiet = None
        urgent = frozenset(URGENT_TYPES)
        if "quietHours" in item:
            quiet = QuietHours.parse(item["quietHours"]["S"], item["timezone"]["S"])
            urgent = frozenset(t for t in item.get("urgentTypes", {}).get("S", "").split(",") if t)
        return cls(
            name=item["name"]["S"],
            channel=item["channel"]["S"],
            target=item.get("target", {}).get("S", ""),
            settings={k: v["S"] for k, v in item.get("settings", {}).get("M", {}).items()},
            secret_fields=tuple(sorted(item.get("secretFields", {}).get("SS", []))),
            filters=Filters(
                events=strings("events"),
                types=strings("types"),
                cameras=strings("cameras"),
                sites=strings("sites"),
                quiet_hours=quiet,
                urgent_types=urgent,
                severities=strings("severities"),
            ),
            created_at=int(item.get("createdAt", {}).get("N", "0")),
            last_error=item.get("lastError", {}).get("S", ""),
            last_error_at=int(item.get("lastErrorAt", {}).get("N", "0")),
        )

    def public(self) -> dict[str, Any]:
        """``notify list --json``: everything but the secrets (their field names only)."""
        f = self.filters
        return {
            "name": self.name,
            "channel": self.channel,
            "target": self.target,
            "settings": dict(self.settings),
            "secrets": list(self.secret_fields),
            "events": sorted(f.events) or list(EVENTS),
            "types": sorted(f.types),
            "cameras": sorted(f.cameras),
            "sites": sorted(f.sites),
            "severities": sorted(f.severities) or ["alert", "detection"],
            "quietHours": f.quiet_hours.text() if f.quiet_hours else None,
            "timezone": f.quiet_hours.timezone if f.quiet_hours else None,
            "urgentTypes": sorted(f.urgent_types) if f.quiet_hours else None,
            "createdAt": self.created_at,
            "lastError": self.last_error or None,
            "lastErrorAt": self.last_error_at or None,
        }
