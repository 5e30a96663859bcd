"""A camera's status history: its offline and back-online changes, and its offline periods
within one local day (no I/O).

The StatusHistory table holds one item per change: key ``vuid`` + ``changeId``
(``<epoch seconds, 11 digits>#<offline|online>``), so a camera's changes sort by time
and a stream record delivered twice writes the same item. ``expiresAt`` is the TTL,
the alarms' retention counted from the change. Written by the notifier from the
Cameras stream (which delivers status changes only), never by a heartbeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from vstarcam_push.models.camera import number_attribute

Status = Literal["offline", "online"]

OFFLINE: Status = "offline"
ONLINE: Status = "online"


def change_id(at: int, status: Status) -> str:
    """The sort key: the time first (zero-padded, so text order is time order), then the
    status ("offline" < "online": a camera marked offline and back in the same second
    keeps its order)."""
    return f"{at:011d}#{status}"


def change_id_before(at_ms: int) -> str:
    """The smallest sort key of a change at or after ``at_ms``: every change before that
    instant sorts below it."""
    return f"{-(-at_ms // 1000):011d}"


@dataclass(frozen=True)
class StatusChange:
    """One change of a camera's status: ``at`` (epoch seconds) is when it was recorded
    (``offlineSince`` for offline, the sign of life's ``lastSeen`` for online).
    ``last_seen``: an offline change's last sign of life; ``offline_since``: a
    back-online change's start of the outage (both None when unknown)."""

    vuid: str
    status: Status
    at: int
    last_seen: int | None = None
    offline_since: int | None = None

    @property
    def change_id(self) -> str:
        return change_id(self.at, self.status)

    @property
    def at_ms(self) -> int:
        return self.at * 1000

    def to_item(self, expires_at: int) -> dict[str, Any]:
        item: dict[str, Any] = {
            "vuid": {"S": self.vuid},
            "changeId": {"S": self.change_id},
            "status": {"S": self.status},
            "at": {"N": str(self.at)},
            "expiresAt": {"N": str(expires_at)},
        }
        if self.last_seen is not None:
            item["lastSeen"] = {"N": str(self.last_seen)}
        if self.offline_since is not None:
            item["offlineSince"] = {"N": str(self.offline_since)}
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> StatusChange:
        status: Status = OFFLINE if item["status"]["S"] == OFFLINE else ONLINE
        return cls(
            vuid=item["vuid"]["S"],
            status=status,
            at=int(item["at"]["N"]),
            last_seen=number_attribute(item, "lastSeen"),
            offline_since=number_attribute(item, "offlineSince"),
        )


def status_change(record: dict[str, Any]) -> StatusChange | None:
    """The status change a Cameras stream record holds (None: it holds none).

    The same reading as the notifier's: online -> offline (the sweep's conditional
    write), and offline -> online (a heartbeat or an alarm) of a camera that had a
    status before (a new camera's first heartbeat is no "back online"). Everything
    comes from the record's images, so a redelivered record gives the same change.
    """
    if record.get("eventName") != "MODIFY":
        return None
    stream = record.get("dynamodb") or {}
    new, old = stream.get("NewImage") or {}, stream.get("OldImage") or {}
    if "vuid" not in new or "alarmId" in new or "status" not in old:
        return None
    before, after = old["status"].get("S"), (new.get("status") or {}).get("S")
    # The record's own time, should an image lack the field (an older item's shape).
    fallback = int(float(stream.get("ApproximateCreationDateTime") or 0))
    vuid = new["vuid"]["S"]
    if before == ONLINE and after == OFFLINE:
        return StatusChange(
            vuid,
            OFFLINE,
            number_attribute(new, "offlineSince") or fallback,
            last_seen=number_attribute(new, "lastSeen"),
        )
    if before == OFFLINE and after == ONLINE:
        return StatusChange(
            vuid,
            ONLINE,
            number_attribute(new, "lastSeen") or fallback,
            offline_since=number_attribute(old, "offlineSince"),
        )
    return None


# -- a day, and the offline periods in it -------------------------------------------


def day_bounds(day: date, zone: Any) -> tuple[int, int]:
    """The first and the last-plus-one millisecond of ``day`` on ``zone``'s wall clock.

    A local day is 23, 24 or 25 hours long: its ends are the two midnights, each at
    its own UTC offset. A midnight that does not exist (a zone whose clocks jump
    forward at 00:00) is the instant the clocks jump.
    """
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return _ms(start), _ms(end)


def local_day(at_ms: int, zone: Any) -> date:
    return datetime.fromtimestamp(at_ms / 1000, tz=UTC).astimezone(zone).date()


def _ms(at: datetime) -> int:
    # A wall-clock time in a gap (fold 0) names the instant by the offset before the jump;
    # round-tripping through UTC gives the real instant.
    return int(at.astimezone(UTC).timestamp() * 1000)


@dataclass(frozen=True)
class OfflinePeriod:
    """An offline period as a day shows it: ``start_ms`` to ``end_ms`` clipped to the day
    (and to now); ``began_ms``/``ended_ms`` are its real ends (None: unknown, or still
    going)."""

    start_ms: int
    end_ms: int
    began_ms: int | None
    ended_ms: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.start_ms,
            "to": self.end_ms,
            "began": self.began_ms,
            "ended": self.ended_ms,
            # Drawn as running on past the strip's edges: it began before the day, and
            # it goes on after the day (or now).
            "beganBefore": self.began_ms is None or self.began_ms < self.start_ms,
            "continues": self.ended_ms is None,
        }


@dataclass(frozen=True)
class CameraState:
    """What the Cameras table says now: the fallback when the history has no change
    before the day (a camera offline since before the history was kept, or longer
    than the retention)."""

    status: str
    offline_since: int | None


def offline_periods(
    before: StatusChange | None,
    changes: list[StatusChange],
    start_ms: int,
    end_ms: int,
    now_ms: int,
    current: CameraState | None = None,
) -> list[OfflinePeriod]:
    """A camera's offline periods within [``start_ms``, ``end_ms``), none after ``now_ms``.

    ``before`` is its last change before the day, ``changes`` those inside it (any
    order). A period that began before the day starts at the day's start; one still
    going ends now (or at the day's end, for a past day).
    """
    stop = min(end_ms, now_ms)
    if stop <= start_ms:
        return []
    inside = sorted((c for c in changes if start_ms <= c.at_ms < end_ms), key=lambda c: c.change_id)
    # The state at the day's start, and since when if offline.
    offline_from: int | None = None
    offline = False
    if before is not None:
        offline = before.status == OFFLINE
        offline_from = before.at_ms if offline else None
    elif inside:
        first = inside[0]
        offline = first.status == ONLINE
        if offline and first.offline_since is not None:
            offline_from = first.offline_since * 1000
    elif current is not None and current.status == OFFLINE and current.offline_since:
        # No change recorded at all: offline the whole way if it went offline before the
        # day ended (a camera never seen has no offlineSince: not an outage).
        offline = current.offline_since * 1000 < end_ms
        offline_from = current.offline_since * 1000 if offline else None
    periods: list[OfflinePeriod] = []
    for change in inside:
        if change.status == OFFLINE and not offline:
            offline, offline_from = True, change.at_ms
        elif change.status == ONLINE and offline:
            began = offline_from
            periods.append(
                OfflinePeriod(
                    max(began if began is not None else start_ms, start_ms),
                    min(change.at_ms, stop),
                    began,
                    change.at_ms,
                )
            )
            offline, offline_from = False, None
    if offline:
        began = offline_from
        # Still going, as far as this day's history says: it ends after the day or now.
        periods.append(
            OfflinePeriod(
                max(began if began is not None else start_ms, start_ms), stop, began, None
            )
        )
    return [p for p in periods if p.end_ms > p.start_ms]
