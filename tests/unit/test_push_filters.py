"""Push destinations' filters: events, alarm types, cameras, sites, quiet hours on the local
wall clock (across daylight-saving changes) with urgent types going through; and a
destination's item round trip."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from vstarcam_push.models.destination import (
    Destination,
    Filters,
    InvalidFilter,
    QuietHours,
    check_name,
)
from vstarcam_push.models.push_event import PushEvent


def utc(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=UTC).timestamp())


MOTION = PushEvent(
    kind="alarm",
    event_id="VE0005622QHOW-1",
    vuid="VE0005622QHOW",
    camera_name="Front door",
    site="harbour",
    at=utc(2026, 11, 26, 14, 3, 11),
    title="t",
    text="x",
    alarm_id="VE0005622QHOW-1",
    alarm_type=0x12,
    alarm_type_hex="0x12",
)
SMOKE = replace(MOTION, alarm_type=0x26, alarm_type_hex="0x26")
FIRE = replace(MOTION, alarm_type=0x6D, alarm_type_hex="0x6d")
OFFLINE = PushEvent(
    "offline", "VE0005622QHOW-offline-1", "VE0005622QHOW", "", "harbour", 1, "t", "x"
)
BERLIN_NIGHTS = QuietHours.parse("22:00-07:00", "Europe/Berlin")


def test_no_filter_sends_everything() -> None:
    assert all(Filters().wants(event) for event in (MOTION, SMOKE, OFFLINE))
    assert Filters().describe() == "everything"


def test_events_filter_picks_event_kinds() -> None:
    only_alarms = Filters(events=frozenset({"alarm"}))
    assert only_alarms.wants(MOTION) and not only_alarms.wants(OFFLINE)
    only_status = Filters(events=frozenset({"offline", "online"}))
    assert only_status.wants(OFFLINE) and not only_status.wants(MOTION)


def test_types_filter_applies_to_alarms_and_lets_status_events_through() -> None:
    smoke_and_fire = Filters(types=frozenset({"0x26", "0x6d", "0x6e"}))
    assert smoke_and_fire.wants(SMOKE) and smoke_and_fire.wants(FIRE)
    assert not smoke_and_fire.wants(MOTION)
    assert smoke_and_fire.wants(OFFLINE)


def test_cameras_and_sites_filters() -> None:
    """An installer routes each customer's cameras (their site) to that customer."""
    harbour = Filters(sites=frozenset({"harbour"}))
    assert harbour.wants(MOTION) and harbour.wants(OFFLINE)
    assert not harbour.wants(replace(MOTION, site="mill-lane"))
    assert not harbour.wants(replace(MOTION, site=""))  # a camera without a site
    one_camera = Filters(cameras=frozenset({"VE0005622QHOW"}))
    assert one_camera.wants(MOTION)
    assert not one_camera.wants(replace(MOTION, vuid="OKB0379853SNLJ"))


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        # Winter time (CET, UTC+1).
        (utc(2026, 3, 28, 20, 59), False),  # 21:59 local
        (utc(2026, 3, 28, 21, 0), True),  # 22:00 local
        # The night the clocks go forward (02:00 CET -> 03:00 CEST on 29 March 2026).
        (utc(2026, 3, 29, 0, 30), True),  # 01:30 CET
        (utc(2026, 3, 29, 1, 30), True),  # 03:30 CEST
        (utc(2026, 3, 29, 4, 59), True),  # 06:59 CEST
        # 07:30 CEST: awake. An offset fixed in winter (UTC+1) would still say 06:30.
        (utc(2026, 3, 29, 5, 30), False),
        # The night the clocks go back (03:00 CEST -> 02:00 CET on 25 October 2026).
        (utc(2026, 10, 24, 19, 59), False),  # 21:59 CEST
        (utc(2026, 10, 24, 20, 0), True),  # 22:00 CEST
        (utc(2026, 10, 25, 0, 30), True),  # 02:30 CEST, the first time
        (utc(2026, 10, 25, 1, 30), True),  # 02:30 CET, the second time
        # 06:30 CET: still quiet. An offset fixed in summer (UTC+2) would say 07:30.
        (utc(2026, 10, 25, 5, 30), True),
        (utc(2026, 10, 25, 6, 0), False),  # 07:00 CET
    ],
)
def test_quiet_hours_follow_the_local_wall_clock_across_daylight_saving(
    moment: int, quiet: bool
) -> None:
    assert BERLIN_NIGHTS.covers(moment) is quiet


def test_during_quiet_hours_only_urgent_types_go_through() -> None:
    """GIVEN quiet hours 22:00-07:00 Europe/Berlin and the default urgent types
    WHEN a motion alarm, a smoke alarm, a fire alarm and an offline event come at 23:00
    THEN only smoke and fire go through; at noon everything does."""
    night, noon = utc(2026, 11, 26, 22, 0), utc(2026, 11, 26, 11, 0)
    filters = Filters(quiet_hours=BERLIN_NIGHTS)
    at_night = [filters.wants(replace(e, at=night)) for e in (MOTION, SMOKE, FIRE, OFFLINE)]
    assert at_night == [False, True, True, False]
    assert all(filters.wants(replace(e, at=noon)) for e in (MOTION, SMOKE, FIRE, OFFLINE))
    doorbell_only = Filters(quiet_hours=BERLIN_NIGHTS, urgent_types=frozenset({"0x14"}))
    assert not doorbell_only.wants(replace(SMOKE, at=night))
    assert doorbell_only.wants(replace(MOTION, alarm_type_hex="0x14", at=night))


@pytest.mark.parametrize(
    ("moment", "ends"),
    [
        # 23:00 CET: the night's quiet ends tomorrow at 07:00 CET.
        (utc(2026, 11, 26, 22, 0), utc(2026, 11, 27, 6, 0)),
        # 03:00 CET: it ends today at 07:00.
        (utc(2026, 11, 27, 2, 0), utc(2026, 11, 27, 6, 0)),
        # The night the clocks go back: 07:00 CET, not 07:00 CEST (an hour early).
        (utc(2026, 10, 24, 21, 0), utc(2026, 10, 25, 6, 0)),
        # The night the clocks go forward: 07:00 CEST.
        (utc(2026, 3, 28, 22, 0), utc(2026, 3, 29, 5, 0)),
    ],
)
def test_quiet_hours_say_when_they_end_on_the_local_wall_clock(moment: int, ends: int) -> None:
    assert BERLIN_NIGHTS.end_after(moment) == ends
    lunch = QuietHours.parse("12:00-13:30", "UTC")
    assert lunch.end_after(utc(2026, 1, 1, 12, 15)) == utc(2026, 1, 1, 13, 30)


def test_quiet_until_says_what_quiet_hours_hold_back_and_until_when() -> None:
    """GIVEN quiet hours 22:00-07:00 Europe/Berlin
    THEN a motion alarm and an offline event at 23:00 are held until 07:00 the next morning,
    a smoke alarm (urgent) is not held, nor anything at noon, nor a destination without
    quiet hours; the other filters are apart from them (``matches``)."""
    night, noon, morning = utc(2026, 11, 26, 22, 0), utc(2026, 11, 26, 11, 0), utc(2026, 11, 27, 6)
    filters = Filters(quiet_hours=BERLIN_NIGHTS)
    assert filters.quiet_until(replace(MOTION, at=night)) == morning
    assert filters.quiet_until(replace(OFFLINE, at=night)) == morning
    assert filters.quiet_until(replace(SMOKE, at=night)) == 0
    assert filters.quiet_until(replace(MOTION, at=noon)) == 0
    assert Filters().quiet_until(replace(MOTION, at=night)) == 0
    alarms_only = Filters(events=frozenset({"alarm"}), quiet_hours=BERLIN_NIGHTS)
    assert alarms_only.matches(replace(MOTION, at=night))
    assert not alarms_only.matches(replace(OFFLINE, at=noon))


def test_quiet_hours_within_one_day_and_bad_input() -> None:
    lunch = QuietHours.parse("12:00-13:30", "UTC")
    assert lunch.covers(utc(2026, 1, 1, 12, 0)) and lunch.covers(utc(2026, 1, 1, 13, 29))
    assert not lunch.covers(utc(2026, 1, 1, 13, 30)) and not lunch.covers(utc(2026, 1, 1, 11, 59))
    for hours, zone in (("22-07", "UTC"), ("25:00-07:00", "UTC"), ("07:00-07:00", "UTC")):
        with pytest.raises(InvalidFilter):
            QuietHours.parse(hours, zone)
    with pytest.raises(InvalidFilter, match="IANA"):
        QuietHours.parse("22:00-07:00", "Mars/Olympus_Mons")


def test_destination_names() -> None:
    assert check_name("phone") == "phone"
    for bad in ("", "-x", "a/b", "x" * 41, "phone call"):
        with pytest.raises(InvalidFilter):
            check_name(bad)


def test_destination_item_round_trip_keeps_filters_and_no_secret_values() -> None:
    destination = Destination(
        name="installer-harbour",
        channel="telegram",
        target="chat 4242 via api.telegram.org",
        settings={"chat_id": "4242"},
        secret_fields=("token",),
        filters=Filters(
            events=frozenset({"alarm", "offline"}),
            types=frozenset({"0x26"}),
            cameras=frozenset({"VE0005622QHOW"}),
            sites=frozenset({"harbour"}),
            quiet_hours=BERLIN_NIGHTS,
            urgent_types=frozenset(),
        ),
        created_at=1795701791,
    )
    item = destination.to_item()
    assert Destination.from_item(item) == destination
    assert item["secretFields"] == {"SS": ["token"]}
    public = destination.public()
    assert public["secrets"] == ["token"] and public["urgentTypes"] == []
    assert "quiet 22:00-07:00 Europe/Berlin (urgent none)" in destination.filters.describe()


def test_severity_filter_applies_to_alarms_and_lets_status_events_through() -> None:
    """GIVEN a destination for alerts only
    THEN smoke (an alert) goes, motion (a detection) does not, status events pass; the
    event's severity is the notifier's (AlertTypes), not recomputed here."""
    alerts = Filters(severities=frozenset({"alert"}))
    assert alerts.wants(replace(SMOKE, severity="alert"))
    assert not alerts.wants(replace(MOTION, severity="detection"))
    assert alerts.wants(OFFLINE)
    # The stack classed motion as an alert (AlertTypes=0x12,...): it goes.
    assert alerts.wants(replace(MOTION, severity="alert"))
    # A message queued before severities existed: the default classes.
    assert alerts.wants(SMOKE) and not alerts.wants(MOTION)
    detections = Filters(severities=frozenset({"detection"}))
    assert detections.wants(MOTION) and not detections.wants(SMOKE)
    assert alerts.describe() == "severity alert"


def test_severities_round_trip_through_the_item() -> None:
    destination = Destination(
        "phone", "ntfy", "t", filters=Filters(severities=frozenset({"alert"}))
    )
    item = destination.to_item()
    assert item["severities"] == {"SS": ["alert"]}
    assert Destination.from_item(item) == destination
    assert destination.public()["severities"] == ["alert"]
    assert Destination("all", "ntfy", "t").public()["severities"] == ["alert", "detection"]


def test_the_filter_that_keeps_an_event_away_is_named() -> None:
    """``refusal`` names the first filter that refuses (for LogLevel=DEBUG's line)."""
    assert Filters().refusal(MOTION) == ""
    assert Filters(events=frozenset({"offline"})).refusal(MOTION) == "events"
    assert Filters(cameras=frozenset({"OKB0379853SNLJ"})).refusal(MOTION) == "cameras"
    assert Filters(sites=frozenset({"home"})).refusal(MOTION) == "sites"
    assert Filters(severities=frozenset({"alert"})).refusal(MOTION) == "severities"
    assert Filters(types=frozenset({"0x26"})).refusal(MOTION) == "types"
    assert Filters(types=frozenset({"0x26"})).refusal(SMOKE) == ""
    # Severity and type filters are for alarms: a status notice passes them.
    assert Filters(severities=frozenset({"alert"})).refusal(OFFLINE) == ""
