"""The day view's API: ``GET /api/day`` (each camera's alarms and offline periods on one
local day) and ``GET /api/days`` (the days with unreviewed alarms), in moto.

Roles and sites at both routes are in the access matrix (test_access_matrix.py); here:
the day's bounds in the viewer's time zone, the marks, the periods, the 400s."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import boto3
import pytest
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.status_history import StatusHistory
from vstarcam_push.models.access import VIEWER
from vstarcam_push.models.status_history import StatusChange

from tests.conftest import REGION, TEST_SECRET
from tests.console.conftest import Console

PARIS = ZoneInfo("Europe/Paris")
FRONT, YARD, SHED = "VE0000001FRNT", "VE0000002YARD", "VE0000003SHED"


def at(*parts: int) -> int:
    """Epoch ms of a Paris wall-clock time."""
    return int(datetime(*parts, tzinfo=PARIS).timestamp() * 1000)


def viewer(site: str) -> dict[str, str]:
    return {"sub": "s", "username": "v@example.com", "cognito:groups": f"[{VIEWER} site:{site}]"}


@pytest.fixture
def day(console: Console) -> dict[str, str]:
    """2026-10-25 in Paris (25 hours: the clocks go back): three cameras, alarms around
    the day's edges, a smoke alarm, an outage from the day before and one still going."""
    registry = CameraRegistry(console.dynamodb, console.cameras_table)
    for vuid, name, site in (
        (FRONT, "Front door", "Home"),
        (YARD, "Yard", "Home"),
        (SHED, "Shed", "Farm"),
    ):
        registry.register(vuid, name, 180, at(2026, 10, 1, 0, 0) // 1000, TEST_SECRET)
        registry.set_site(vuid, site)
    alarms = {
        "before": console.store_alarm(FRONT, at(2026, 10, 24, 23, 59)),
        "first": console.store_alarm(FRONT, at(2026, 10, 25, 0, 1)),
        "smoke": console.store_alarm(FRONT, at(2026, 10, 25, 2, 30), alarm_type=0x26),
        "last": console.store_alarm(YARD, at(2026, 10, 25, 23, 59)),
        "after": console.store_alarm(YARD, at(2026, 10, 26, 0, 0)),
        "shed": console.store_alarm(SHED, at(2026, 10, 25, 12, 0)),
    }
    AlarmStore(console.dynamodb, console.alarms_table).set_reviewed(alarms["first"], 1)
    history = StatusHistory(
        boto3.client("dynamodb", region_name=REGION),
        console.stack.physical_name("StatusHistoryTable"),
    )
    went, back = at(2026, 10, 24, 22, 0) // 1000, at(2026, 10, 25, 6, 30) // 1000
    history.record(StatusChange(FRONT, "offline", went))
    history.record(StatusChange(FRONT, "online", back, offline_since=went))
    history.record(StatusChange(YARD, "offline", at(2026, 10, 25, 21, 0) // 1000))
    return alarms


def get_day(console: Console, now_ms: int, **kwargs) -> dict:
    console.module.api._clock = lambda: now_ms / 1000
    reply = console.call(
        "GET /api/day", query={"date": "2026-10-25", "tz": "Europe/Paris"}, **kwargs
    )
    assert reply.status == 200, reply.body
    return reply.body


def test_a_day_has_each_cameras_alarms_and_offline_periods_on_its_wall_clock(
    console: Console, day: dict[str, str]
) -> None:
    """GIVEN the fixture's day, asked for the next morning
    THEN the day is 25 hours from Paris midnight; each camera's strip has the alarms of
    that local day only (not 23:59 the day before, not 00:00 the day after), oldest first,
    with type, severity and reviewed; the outage that began the day before starts at
    midnight; the one still going runs to the day's end."""
    body = get_day(console, at(2026, 10, 26, 9, 0))
    start, end = at(2026, 10, 25, 0, 0), at(2026, 10, 26, 0, 0)
    assert (body["date"], body["timeZone"], body["start"], body["end"]) == (
        "2026-10-25",
        "Europe/Paris",
        start,
        end,
    )
    assert end - start == 25 * 3_600_000
    assert [c["vuid"] for c in body["cameras"]] == [FRONT, SHED, YARD]  # by name
    front, shed, yard = body["cameras"]
    assert [m["alarmId"] for m in front["alarms"]] == [day["first"], day["smoke"]]
    first, smoke = front["alarms"]
    assert (first["severity"], first["reviewed"], first["alarmTypeName"]) == (
        "detection",
        True,
        "Motion detection alarm",
    )
    assert (smoke["severity"], smoke["reviewed"], smoke["alarmTypeHex"]) == ("alert", False, "0x26")
    assert smoke["at"] == at(2026, 10, 25, 2, 30)
    assert front["offline"] == [
        {
            "from": start,
            "to": at(2026, 10, 25, 6, 30),
            "began": at(2026, 10, 24, 22, 0),
            "ended": at(2026, 10, 25, 6, 30),
            "beganBefore": True,
            "continues": False,
        }
    ]
    assert [m["alarmId"] for m in yard["alarms"]] == [day["last"]]
    assert yard["offline"] == [
        {
            "from": at(2026, 10, 25, 21, 0),
            "to": end,
            "began": at(2026, 10, 25, 21, 0),
            "ended": None,
            "beganBefore": False,
            "continues": True,
        }
    ]
    assert shed["offline"] == [] and [m["alarmId"] for m in shed["alarms"]] == [day["shed"]]
    assert body["complete"] is True


def test_today_is_drawn_up_to_now_only(console: Console, day: dict[str, str]) -> None:
    now = at(2026, 10, 25, 22, 0)
    yard = get_day(console, now)["cameras"][2]
    assert yard["offline"][0]["to"] == now and yard["offline"][0]["continues"] is True


def test_a_viewer_gets_their_sites_cameras_only(console: Console, day: dict[str, str]) -> None:
    body = get_day(console, at(2026, 10, 26, 9, 0), claims=viewer("Farm"))
    assert [c["vuid"] for c in body["cameras"]] == [SHED]
    assert [m["alarmId"] for m in body["cameras"][0]["alarms"]] == [day["shed"]]


def test_a_day_outside_the_retention_or_in_the_future_reads_no_alarm(
    console: Console, day: dict[str, str]
) -> None:
    console.module.api._clock = lambda: at(2026, 10, 26, 9, 0) / 1000
    for date in ("2026-10-27", "2025-01-01"):
        reply = console.call("GET /api/day", query={"date": date, "tz": "Europe/Paris"})
        assert reply.status == 200
        assert all(c["alarms"] == [] and c["offline"] == [] for c in reply.body["cameras"])


def test_the_days_with_unreviewed_alarms_are_the_viewers_local_days(
    console: Console, day: dict[str, str]
) -> None:
    """The alarm at 23:59 on the 24th (Paris) is the 24th's; 00:00 on the 26th the 26th's;
    the reviewed one counts nowhere. In UTC, 23:59 on the 25th (Paris, UTC+1) is still
    the 25th, and 00:00 on the 26th Paris is the 25th's 23:00 UTC."""
    console.module.api._clock = lambda: at(2026, 10, 27, 9, 0) / 1000
    query = {"from": "2026-10-01", "to": "2026-10-31", "tz": "Europe/Paris"}
    reply = console.call("GET /api/days", query=query)
    assert reply.status == 200
    assert reply.body["days"] == [
        {"date": "2026-10-24", "unreviewed": 1},
        {"date": "2026-10-25", "unreviewed": 3},
        {"date": "2026-10-26", "unreviewed": 1},
    ]
    assert reply.body["complete"] is True
    utc = console.call("GET /api/days", query={**query, "tz": "UTC"}).body["days"]
    assert utc == [{"date": "2026-10-24", "unreviewed": 1}, {"date": "2026-10-25", "unreviewed": 4}]
    farm = console.call("GET /api/days", query=query, claims=viewer("Farm")).body["days"]
    assert farm == [{"date": "2026-10-25", "unreviewed": 1}]


def test_unreviewed_days_page_through_the_index_and_say_when_they_stopped(
    console: Console, day: dict[str, str]
) -> None:
    store = AlarmStore(console.dynamodb, console.alarms_table)
    start, end = at(2026, 10, 1, 0, 0), at(2026, 11, 1, 0, 0)
    every, complete = store.unreviewed_times(start, end, page_size=2)
    assert complete and len(every) == 5
    some, complete = store.unreviewed_times(start, end, page_size=2, max_pages=2)
    assert not complete and len(some) == 4
    assert store.unreviewed_times(start, end, frozenset({SHED}), page_size=1)[0] == [
        at(2026, 10, 25, 12, 0)
    ]


@pytest.mark.parametrize(
    ("route", "query", "reason"),
    [
        ("GET /api/day", {"tz": "UTC"}, "date must be a date, YYYY-MM-DD"),
        ("GET /api/day", {"date": "2026-02-30"}, "date 2026-02-30 is not a day of the calendar"),
        ("GET /api/day", {"date": "6/12/2026"}, "date must be a date, YYYY-MM-DD"),
        ("GET /api/day", {"date": "2026-12-06", "tz": "Mars/Olympus"}, "tz Mars/Olympus is not"),
        ("GET /api/day", {"date": "2026-12-06", "tz": "../../etc/passwd"}, "tz must be an IANA"),
        ("GET /api/day", {"date": "2026-12-06", "tz": "/etc/localtime"}, "tz must be an IANA"),
        ("GET /api/day", {"date": "2026-12-06", "camera": "x"}, "unknown parameter 'camera'"),
        ("GET /api/days", {"from": "2026-12-06"}, "to must be a date"),
        ("GET /api/days", {"from": "2026-12-06", "to": "2026-12-01"}, "from must not be after to"),
        ("GET /api/days", {"from": "2026-01-01", "to": "2026-12-31"}, "at most 62 days"),
        ("GET /api/days", {"from": "2026-12-01", "to": "2026-12-31", "tz": "x" * 80}, "tz must"),
    ],
)
def test_bad_dates_and_zones_are_refused(
    console: Console, route: str, query: dict[str, str], reason: str
) -> None:
    reply = console.call(route, query=query)
    assert reply.status == 400
    assert reply.body["message"].startswith(reason), reply.body
    assert reply.body["code"] == "400"
