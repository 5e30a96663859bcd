"""Snooze choices: what a person picks (1 hour, 8 hours, tomorrow morning, until turned back
on) turned into the end the camera item keeps, and the words a card or the CLI shows.

Pure functions of the choice, the time and the person's IANA time zone: the console sends
the browser's zone, the CLI uses the machine's. "Morning" is the next 07:00 on that zone's
wall clock, so a snooze at 23:30 ends at 07:00, not after a fixed number of hours, across a
change to or from summer time too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal, get_args

from vstarcam_push.models.camera import SNOOZE_UNTIL_ON, Snooze
from vstarcam_push.models.errors import BadRequest

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

SnoozeChoice = Literal["1h", "8h", "morning", "on"]
CHOICES: tuple[str, ...] = get_args(SnoozeChoice)

# The end of a "until tomorrow morning" snooze, on the person's wall clock.
MORNING = time(7, 0)

_HOURS = {"1h": 1, "8h": 8}

CHOICE_WORDS = {
    "1h": "1 hour",
    "8h": "8 hours",
    "morning": f"until tomorrow morning ({MORNING:%H:%M})",
    "on": "until turned back on",
}


class BadSnooze(BadRequest):
    """A snooze choice or time zone the console or the CLI cannot use."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason="snooze_invalid")


def check_choice(choice: object) -> str:
    if not isinstance(choice, str) or choice not in CHOICES:
        raise BadSnooze(f"choice must be one of {', '.join(CHOICES)}")
    return choice


def zone_of(name: object) -> ZoneInfo:
    """The IANA time zone ``name`` (e.g. Europe/Paris); BadSnooze when it is not one."""
    # zoneinfo only here: a few ms off the cold start of every function that never snoozes.
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(name, str) or not name or len(name) > 64:
        raise BadSnooze("timeZone must be an IANA time zone, e.g. Europe/Paris")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise BadSnooze(
            f"time zone {name[:64]!r} is not an IANA time zone (e.g. Europe/Paris)"
        ) from error


def snooze_until(choice: str, now: int, zone_name: str = "UTC") -> int:
    """When a snooze chosen at ``now`` (epoch seconds) ends, in epoch seconds.

    ``1h``/``8h``: that many real hours (a night with a clock change has one hour more or
    less on the wall clock, not in the snooze). ``morning``: the next ``MORNING`` on the wall
    clock of ``zone_name`` after ``now``. ``on``: ``SNOOZE_UNTIL_ON``.
    """
    choice = check_choice(choice)
    if choice == "on":
        return SNOOZE_UNTIL_ON
    if choice in _HOURS:
        return now + _HOURS[choice] * 3600
    zone = zone_of(zone_name)
    day = datetime.fromtimestamp(now, tz=UTC).astimezone(zone).date()
    for _ in range(3):
        end = _wall_clock(day, zone)
        if end > now:
            return end
        day += timedelta(days=1)
    raise AssertionError("a morning within three days")  # pragma: no cover


def _wall_clock(day: date, zone: ZoneInfo) -> int:
    """``MORNING`` of ``day`` in ``zone`` as epoch seconds; in a clock change's gap (a zone
    that skips 07:00), the same offset as before it, so later on the wall clock."""
    return int(datetime.combine(day, MORNING, tzinfo=zone).timestamp())


def snooze_words(snooze: Snooze, zone_name: str = "UTC", now: int | None = None) -> str:
    """``until 07:00 (site Garden)``, ``until Tue 07:00``, ``until turned back on``: how a card
    or the CLI says a snooze; the day only when it is not the same day as ``now``."""
    whose = f" (site {snooze.site})" if snooze.site else ""
    if snooze.until_on:
        return f"until turned back on{whose}"
    zone = zone_of(zone_name)
    end = datetime.fromtimestamp(snooze.until, tz=UTC).astimezone(zone)
    today = datetime.fromtimestamp(now, tz=UTC).astimezone(zone).date() if now else None
    return f"until {end:%H:%M}{whose}" if today == end.date() else f"until {end:%a %H:%M}{whose}"
