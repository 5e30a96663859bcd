"""The console's day view API: one day of each camera (its alarms and offline periods), and
the days with unreviewed alarms for the date picker.

- ``GET /api/day?date=YYYY-MM-DD&tz=Area/City``: per camera the user may see (a
  viewer's sites only, decided here from the verified token, as every list is), its
  alarms that day (``byDay``, the day's one or two UTC partitions) and its offline
  periods clipped to the day (``StatusHistory``, one Query per camera, with the
  change before the day: a period that began yesterday, or is still going, shows);
- ``GET /api/days?from=YYYY-MM-DD&to=YYYY-MM-DD&tz=...``: the days with unreviewed
  alarms, and how many (the sparse keys-only ``byUnreviewed`` index, its sort key
  bounded by the range, a bounded number of pages).

The day is the viewer's: ``tz`` names the wall clock (an IANA zone), so a day is 23,
24 or 25 hours. Every bad parameter is a 400 before any AWS call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from vstarcam_push.console.params import ConsoleRequest
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.camera_fleet import CameraFleet
from vstarcam_push.dal.status_history import StatusHistory
from vstarcam_push.models.access import Access
from vstarcam_push.models.alarm import Alarm
from vstarcam_push.models.alarm_types import severity_of
from vstarcam_push.models.camera import Camera
from vstarcam_push.models.errors import BadRequest
from vstarcam_push.models.status_history import (
    CameraState,
    day_bounds,
    local_day,
    offline_periods,
)

# One day's alarms, all cameras together: a motion storm answers with these and says so.
MAX_DAY_ALARMS = 2000
MAX_DAY_QUERIES = 40
# The date picker asks for a month's grid (six weeks); a range is at most this long.
MAX_RANGE_DAYS = 62

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# An IANA name (Area/City, UTC, Etc/GMT+5): no dots, so never a path out of the database.
_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9][A-Za-z0-9_+-]*){0,2}")


def parse_date(name: str, value: str | None) -> date:
    if value is None or not _DATE.fullmatch(value):
        raise BadRequest(f"{name} must be a date, YYYY-MM-DD", reason=f"{name}_invalid")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(
            f"{name} {value} is not a day of the calendar", reason=f"{name}_invalid"
        ) from None


def parse_zone(value: str | None) -> Any:
    """The viewer's time zone (absent: UTC), or a 400 that says what is expected."""
    # zoneinfo only here: the other routes' cold starts never load it.
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = "UTC" if value is None else value
    if len(name) > 64 or not _ZONE.fullmatch(name):
        raise BadRequest("tz must be an IANA time zone, e.g. Europe/Paris", reason="tz_invalid")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise BadRequest(
            f"tz {name} is not an IANA time zone (e.g. Europe/Paris)", reason="tz_invalid"
        ) from None


@dataclass(frozen=True)
class DayRoutes:
    """The two routes' actions; ``history`` None: a stack without the table (the day view
    then shows alarms and no offline period)."""

    fleet: CameraFleet
    alarms: AlarmStore
    history: StatusHistory | None
    alert_types: frozenset[int]
    retention_days: int

    def _cameras(self, access: Access) -> list[Camera]:
        """The registered cameras the user sees, by name (one Scan, as the camera list)."""
        cameras = [c for c in self.fleet.list() if not c.pending and access.sees(c.site)]
        return sorted(cameras, key=lambda c: (c.name.casefold() or "\uffff", c.vuid))

    def _oldest_ms(self, now_ms: int) -> int:
        # Nothing older than the retention (plus TTL's lag) is kept.
        return now_ms - (self.retention_days + 2) * 86_400_000

    def day(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only("date", "tz")
        day = parse_date("date", request.query.get("date"))
        zone = parse_zone(request.query.get("tz"))
        start_ms, end_ms = day_bounds(day, zone)
        now_ms = int(request.now * 1000)
        cameras = self._cameras(request.access)
        visible = {camera.vuid for camera in cameras}
        kept = end_ms > self._oldest_ms(now_ms) and start_ms <= now_ms
        alarms: list[Alarm] = []
        complete = True
        if kept and visible:
            alarms, more = self.alarms.page(
                MAX_DAY_ALARMS,
                start_ms=start_ms,
                end_ms=end_ms - 1,
                max_queries=MAX_DAY_QUERIES,
                cameras=None if request.access.every_site else frozenset(visible),
            )
            complete = more is None
        by_camera: dict[str, list[Alarm]] = {}
        for alarm in alarms:
            by_camera.setdefault(alarm.vuid, []).append(alarm)
        histories = (
            self.history.spans(sorted(visible), start_ms, end_ms)
            if kept and self.history is not None
            else {}
        )
        strips = []
        for camera in cameras:
            history = histories.get(camera.vuid)
            periods = offline_periods(
                history.before if history else None,
                history.changes if history else [],
                start_ms,
                end_ms,
                now_ms,
                CameraState(camera.status, camera.offline_since),
            )
            strips.append(
                {
                    "vuid": camera.vuid,
                    "name": camera.name,
                    "site": camera.site or None,
                    "status": camera.status,
                    "alarms": [self._mark(a) for a in reversed(by_camera.get(camera.vuid, []))],
                    "offline": [period.to_json() for period in periods],
                }
            )
        return 200, {
            "date": day.isoformat(),
            "timeZone": zone.key,
            "start": start_ms,
            "end": end_ms,
            "now": now_ms,
            "cameras": strips,
            # False: more alarms than one answer holds (a storm); the marks shown are the
            # newest MAX_DAY_ALARMS.
            "complete": complete,
        }

    def _mark(self, alarm: Alarm) -> dict[str, Any]:
        kind = alarm.alarm_type
        return {
            "alarmId": alarm.alarm_id,
            "at": alarm.received_at_ms,
            "alarmType": kind.code,
            "alarmTypeHex": kind.hex,
            "alarmTypeName": kind.name,
            "severity": severity_of(kind.code, self.alert_types),
            "reviewed": alarm.reviewed_at is not None,
        }

    def days(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only("from", "to", "tz")
        first = parse_date("from", request.query.get("from"))
        last = parse_date("to", request.query.get("to"))
        zone = parse_zone(request.query.get("tz"))
        if last < first:
            raise BadRequest("from must not be after to", reason="range_invalid")
        if (last - first).days + 1 > MAX_RANGE_DAYS:
            raise BadRequest(f"at most {MAX_RANGE_DAYS} days at a time", reason="range_too_long")
        start_ms = day_bounds(first, zone)[0]
        end_ms = day_bounds(last, zone)[1]
        now_ms = int(request.now * 1000)
        counts: dict[str, int] = {}
        complete = True
        if end_ms > self._oldest_ms(now_ms) and start_ms <= now_ms:
            cameras: frozenset[str] | None = None
            if not request.access.every_site:
                cameras = frozenset(c.vuid for c in self._cameras(request.access))
            if cameras is None or cameras:
                times, complete = self.alarms.unreviewed_times(
                    max(start_ms, self._oldest_ms(now_ms)), end_ms - 1, cameras
                )
                for at_ms in times:
                    name = local_day(at_ms, zone).isoformat()
                    counts[name] = counts.get(name, 0) + 1
        return 200, {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "timeZone": zone.key,
            "days": [{"date": name, "unreviewed": counts[name]} for name in sorted(counts)],
            # False: more unreviewed alarms than the pages read (the days named are right,
            # others may be missing).
            "complete": complete,
        }
