"""The day view's rules, no AWS: a local day's bounds in a time zone (23, 24 or 25 hours
across daylight saving), a camera's offline periods clipped to it, and the status change a
Cameras stream record holds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from vstarcam_push.models.status_history import (
    CameraState,
    StatusChange,
    change_id_before,
    day_bounds,
    local_day,
    offline_periods,
    status_change,
)

VUID = "VE0005622QHOW"
PARIS = ZoneInfo("Europe/Paris")
HOUR = 3_600_000


def ms(*parts: int, zone: ZoneInfo = PARIS) -> int:
    return int(datetime(*parts, tzinfo=zone).timestamp() * 1000)


def sec(*parts: int, zone: ZoneInfo = PARIS) -> int:
    return ms(*parts, zone=zone) // 1000


def offline(at: int, last_seen: int | None = None) -> StatusChange:
    return StatusChange(VUID, "offline", at, last_seen=last_seen)


def online(at: int, since: int | None = None) -> StatusChange:
    return StatusChange(VUID, "online", at, offline_since=since)


@pytest.mark.parametrize(
    ("day", "zone", "hours", "first"),
    [
        (date(2026, 12, 6), "Europe/Paris", 24, "2026-12-05T23:00:00+00:00"),
        # Spring forward (02:00 -> 03:00) and fall back (03:00 -> 02:00) in Paris.
        (date(2026, 3, 29), "Europe/Paris", 23, "2026-03-28T23:00:00+00:00"),
        (date(2026, 10, 25), "Europe/Paris", 25, "2026-10-24T22:00:00+00:00"),
        (date(2026, 11, 1), "America/New_York", 25, "2026-11-01T04:00:00+00:00"),
        (date(2026, 12, 6), "UTC", 24, "2026-12-06T00:00:00+00:00"),
        # A +14:00 zone's day starts the day before in UTC; Chatham's is 45 min off.
        (date(2026, 12, 6), "Pacific/Kiritimati", 24, "2026-12-05T10:00:00+00:00"),
        (date(2026, 12, 6), "Pacific/Chatham", 24, "2026-12-05T10:15:00+00:00"),
    ],
)
def test_a_local_day_runs_from_midnight_to_midnight_on_its_wall_clock(
    day: date, zone: str, hours: int, first: str
) -> None:
    start, end = day_bounds(day, ZoneInfo(zone))
    assert (end - start) == hours * HOUR
    assert datetime.fromtimestamp(start / 1000, tz=UTC).isoformat() == first
    assert local_day(start, ZoneInfo(zone)) == day
    assert local_day(end - 1, ZoneInfo(zone)) == day
    assert local_day(end, ZoneInfo(zone)) != day


def test_a_midnight_that_does_not_exist_starts_the_day_when_the_clocks_jump() -> None:
    """Santiago's clocks went from 23:59:59 to 01:00 on 2022-09-11: that day began at 04:00 UTC."""
    start, end = day_bounds(date(2022, 9, 11), ZoneInfo("America/Santiago"))
    assert datetime.fromtimestamp(start / 1000, tz=UTC).isoformat() == "2022-09-11T04:00:00+00:00"
    assert end - start == 23 * HOUR


def test_periods_inside_the_day_are_kept_as_they_are() -> None:
    start, end = day_bounds(date(2026, 12, 6), PARIS)
    changes = [
        offline(sec(2026, 12, 6, 3, 0), last_seen=sec(2026, 12, 6, 2, 57)),
        online(sec(2026, 12, 6, 4, 30), since=sec(2026, 12, 6, 3, 0)),
        offline(sec(2026, 12, 6, 20, 0)),
        online(sec(2026, 12, 6, 20, 10), since=sec(2026, 12, 6, 20, 0)),
    ]
    periods = offline_periods(online(sec(2026, 12, 5, 8, 0)), changes, start, end, end + HOUR)
    assert [(p.start_ms, p.end_ms) for p in periods] == [
        (ms(2026, 12, 6, 3, 0), ms(2026, 12, 6, 4, 30)),
        (ms(2026, 12, 6, 20, 0), ms(2026, 12, 6, 20, 10)),
    ]
    assert periods[0].to_json() == {
        "from": ms(2026, 12, 6, 3, 0),
        "to": ms(2026, 12, 6, 4, 30),
        "began": ms(2026, 12, 6, 3, 0),
        "ended": ms(2026, 12, 6, 4, 30),
        "beganBefore": False,
        "continues": False,
    }


def test_a_period_that_began_the_day_before_starts_at_midnight() -> None:
    start, end = day_bounds(date(2026, 12, 6), PARIS)
    before = offline(sec(2026, 12, 5, 22, 0))
    back = online(sec(2026, 12, 6, 6, 15), since=sec(2026, 12, 5, 22, 0))
    (period,) = offline_periods(before, [back], start, end, end + HOUR)
    assert (period.start_ms, period.end_ms) == (start, ms(2026, 12, 6, 6, 15))
    assert period.began_ms == ms(2026, 12, 5, 22, 0)
    assert period.to_json()["beganBefore"] is True
    assert period.to_json()["continues"] is False


def test_a_period_still_going_ends_now_today_and_at_midnight_for_a_past_day() -> None:
    start, end = day_bounds(date(2026, 12, 6), PARIS)
    went = offline(sec(2026, 12, 6, 18, 0))
    now = ms(2026, 12, 6, 21, 30)
    (today,) = offline_periods(online(sec(2026, 12, 1, 0, 0)), [went], start, end, now)
    assert (today.start_ms, today.end_ms, today.ended_ms) == (ms(2026, 12, 6, 18, 0), now, None)
    assert today.to_json()["continues"] is True
    (past,) = offline_periods(None, [went], start, end, end + 5 * HOUR)
    assert past.end_ms == end


def test_a_camera_offline_all_day_is_one_period_over_the_whole_day() -> None:
    """No change inside the day: the one before says offline (or, with no history at all,
    the camera item's offlineSince does)."""
    start, end = day_bounds(date(2026, 10, 25), PARIS)  # 25 hours
    (period,) = offline_periods(offline(sec(2026, 10, 20, 9, 0)), [], start, end, end + HOUR)
    assert (period.start_ms, period.end_ms) == (start, end)
    assert period.end_ms - period.start_ms == 25 * HOUR
    state = CameraState("offline", sec(2026, 10, 1, 0, 0))
    (fallback,) = offline_periods(None, [], start, end, end + HOUR, state)
    assert (fallback.start_ms, fallback.end_ms) == (start, end)


def test_no_period_for_an_online_camera_a_never_seen_one_or_the_future() -> None:
    start, end = day_bounds(date(2026, 12, 6), PARIS)
    assert offline_periods(online(sec(2026, 12, 1, 0, 0)), [], start, end, end) == []
    never_seen = CameraState("offline", None)
    assert offline_periods(None, [], start, end, end, never_seen) == []
    # Offline only since after this day: online (as far as is known) that day.
    later = CameraState("offline", sec(2026, 12, 8, 0, 0))
    assert offline_periods(None, [], start, end, end + 48 * HOUR, later) == []
    # A day that has not begun yet.
    assert offline_periods(offline(sec(2026, 12, 1, 0, 0)), [], start, end, start - 1) == []


def test_without_a_change_before_the_day_a_first_back_online_opens_the_day_offline() -> None:
    """The history began (or expired) inside an outage: the back-online change says since when."""
    start, end = day_bounds(date(2026, 12, 6), PARIS)
    back = online(sec(2026, 12, 6, 7, 0), since=sec(2026, 12, 4, 7, 0))
    (period,) = offline_periods(None, [back], start, end, end)
    assert (period.start_ms, period.end_ms) == (start, ms(2026, 12, 6, 7, 0))
    assert period.began_ms == ms(2026, 12, 4, 7, 0)
    unknown = online(sec(2026, 12, 6, 7, 0))
    (period,) = offline_periods(None, [unknown], start, end, end)
    assert period.began_ms is None and period.to_json()["beganBefore"] is True


def test_an_outage_across_the_fall_back_hour_is_measured_in_real_time() -> None:
    """Paris, 2026-10-25: offline at 01:30 (UTC+2), back at 02:30 the second time (UTC+1):
    2 hours, not 1."""
    start, end = day_bounds(date(2026, 10, 25), PARIS)
    went = sec(2026, 10, 24, 23, 30, zone=ZoneInfo("UTC"))
    back = sec(2026, 10, 25, 1, 30, zone=ZoneInfo("UTC"))
    (period,) = offline_periods(None, [offline(went), online(back, went)], start, end, end)
    assert period.end_ms - period.start_ms == 2 * HOUR


def test_a_same_second_offline_and_online_leave_no_period_and_keep_their_order() -> None:
    start, end = day_bounds(date(2026, 12, 6), PARIS)
    at = sec(2026, 12, 6, 12, 0)
    assert offline(at).change_id < online(at).change_id
    assert offline_periods(None, [online(at, at), offline(at)], start, end, end) == []


def test_changes_before_an_instant_sort_below_its_key() -> None:
    assert offline(1_765_000_000).change_id < change_id_before(1_765_000_000_001)
    assert offline(1_765_000_000).change_id > change_id_before(1_765_000_000_000)
    assert online(1_764_999_999).change_id < change_id_before(1_765_000_000_000)


def record(old: dict | None, new: dict, event: str = "MODIFY") -> dict:
    images: dict = {"NewImage": new, "ApproximateCreationDateTime": 1_765_000_123.0}
    if old is not None:
        images["OldImage"] = old
    return {"eventName": event, "dynamodb": images}


def camera(status: str | None, **numbers: int) -> dict:
    item: dict = {"vuid": {"S": VUID}}
    if status is not None:
        item["status"] = {"S": status}
    item.update({name: {"N": str(value)} for name, value in numbers.items()})
    return item


def test_the_stream_record_of_each_change_gives_the_change() -> None:
    went = record(camera("online", lastSeen=100), camera("offline", lastSeen=100, offlineSince=400))
    assert status_change(went) == StatusChange(VUID, "offline", 400, last_seen=100)
    back = record(camera("offline", offlineSince=400), camera("online", lastSeen=900))
    assert status_change(back) == StatusChange(VUID, "online", 900, offline_since=400)
    # An older item without the field: the record's own time.
    bare = record(camera("online"), camera("offline"))
    assert status_change(bare) == StatusChange(VUID, "offline", 1_765_000_123)


def test_records_that_are_no_status_change_give_none() -> None:
    assert status_change(record(None, camera("online", lastSeen=1), event="INSERT")) is None
    # A new camera's first heartbeat: no status before, no "back online".
    assert status_change(record(camera(None), camera("online", lastSeen=1))) is None
    assert status_change(record(camera("online"), camera("online", lastSeen=2))) is None
    assert status_change(record(camera("pending"), camera("offline"))) is None
    alarm = {"vuid": {"S": VUID}, "alarmId": {"S": "x"}, "status": {"S": "offline"}}
    assert status_change(record(camera("online"), alarm)) is None
