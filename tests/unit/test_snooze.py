"""Snooze without AWS: the camera's snooze state, the notifier holding every channel, and a
choice (1 hour, 8 hours, tomorrow morning, until turned back on) turned into its end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from vstarcam_push.delivery.fanout import FanOutResult
from vstarcam_push.models.alarm_types import AlarmType
from vstarcam_push.models.camera import SNOOZE_UNTIL_ON, Camera, Claim, NotifyCeiling, Snooze
from vstarcam_push.models.errors import BadRequest
from vstarcam_push.models.push_event import PushEvent
from vstarcam_push.models.snooze import snooze_until, snooze_words
from vstarcam_push.notify.notifier import Notifier

from tests.unit.test_notifications import FakeSns, Said, alarm, camera_image, modify

VUID = "VE0005622QHOW"
NOW = 1_795_702_000  # 2026-11-26 14:06:40 UTC


def snoozed_camera(own: int | None = None, site: int | None = None) -> Camera:
    item: dict[str, Any] = {"vuid": {"S": VUID}, "name": {"S": "Gate"}, "site": {"S": "Garden"}}
    if own is not None:
        item["snoozedUntil"] = {"N": str(own)}
    if site is not None:
        item["siteSnoozedUntil"] = {"N": str(site)}
    return Camera.from_item(item)


# -- the camera's state ---------------------------------------------------------------


def test_a_camera_without_a_snooze_is_not_snoozed() -> None:
    camera = snoozed_camera()
    assert camera.snoozed_until is None and not camera.snoozed(NOW)
    assert camera.snooze(NOW) is None


def test_a_snooze_holds_until_its_end_and_not_after() -> None:
    camera = snoozed_camera(own=NOW + 3600)
    assert camera.snoozed_until == NOW + 3600
    assert camera.snoozed(NOW) and camera.snoozed(NOW + 3599)
    assert not camera.snoozed(NOW + 3600)


def test_the_sites_snooze_holds_the_camera_and_says_which_site() -> None:
    camera = snoozed_camera(site=NOW + 600)
    assert camera.snoozed(NOW)
    assert camera.snooze(NOW) == Snooze(NOW + 600, "Garden")


@pytest.mark.parametrize(
    ("own", "site", "expected"),
    [
        (NOW + 600, NOW + 60, Snooze(NOW + 600, "")),
        (NOW + 60, NOW + 600, Snooze(NOW + 600, "Garden")),
        (NOW - 1, NOW + 60, Snooze(NOW + 60, "Garden")),
        (SNOOZE_UNTIL_ON, NOW + 60, Snooze(SNOOZE_UNTIL_ON, "")),
    ],
    ids=["own-later", "site-later", "own-over", "own-until-on"],
)
def test_of_two_snoozes_the_later_ending_one_holds(own: int, site: int, expected: Snooze) -> None:
    assert snoozed_camera(own=own, site=site).snooze(NOW) == expected


def test_until_turned_back_on_is_a_time_no_clock_reaches() -> None:
    camera = snoozed_camera(own=SNOOZE_UNTIL_ON)
    snooze = camera.snooze(NOW)
    assert snooze is not None and snooze.until_on
    assert camera.snoozed(4_000_000_000)
    assert not Snooze(NOW + 60).until_on


# -- the notifier holds every channel ---------------------------------------------------


@dataclass
class SnoozedClaims:
    """The claim as NotificationClaims answers for a snoozed camera."""

    camera: Camera
    claims: list[str] = field(default_factory=list)

    def claim_notification(
        self,
        vuid: str,
        alarm_type: AlarmType,
        alarm_id: str,
        now: int,
        cooldown: int,
        ceiling: NotifyCeiling | None = None,
    ) -> Claim:
        self.claims.append(alarm_id)
        snooze = self.camera.snooze(now)
        if snooze is not None:
            return Claim(False, "snoozed", self.camera, until=snooze.until)
        return Claim(True, "claimed", self.camera)


@dataclass
class RecordingFanOut:
    sent: list[PushEvent] = field(default_factory=list)

    def send(self, event: PushEvent) -> FanOutResult:
        self.sent.append(event)
        return FanOutResult()


def notifier(claims: Any, sns: FakeSns, push: RecordingFanOut, log: Said) -> Notifier:
    return Notifier(
        sns,
        "arn:t",
        claims,
        "bucket",
        "us-east-1",
        cooldown_seconds=300,
        push=push,  # type: ignore[arg-type]
        log=log,
    )


@pytest.mark.parametrize(
    ("camera", "said"),
    [
        (
            snoozed_camera(own=NOW + 3600),
            "not notified: the camera is snoozed until 2026-11-26 15:06:40 UTC",
        ),
        (
            snoozed_camera(site=NOW + 3600),
            "not notified: its site Garden is snoozed until 2026-11-26 15:06:40 UTC",
        ),
        (
            snoozed_camera(own=SNOOZE_UNTIL_ON),
            "not notified: the camera is snoozed until turned back on",
        ),
    ],
    ids=["own", "site", "until-on"],
)
def test_a_snoozed_cameras_alarm_reaches_no_channel_and_says_why(camera: Camera, said: str) -> None:
    """GIVEN a camera snoozed (its own snooze, its site's, until turned back on)
    WHEN its alarm's stream record reaches the notifier
    THEN nothing is published to SNS, nothing goes to a push destination, and one line
    says which camera, why and until when."""
    sns, push, log = FakeSns(), RecordingFanOut(), Said()
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": alarm().to_item()}}

    outcome = notifier(SnoozedClaims(camera), sns, push, log).handle(record, now=NOW)

    assert outcome == ("alarm", "snoozed")
    assert sns.published == [] and push.sent == []
    ((message, fields),) = log.lines
    assert message == "notification held: the camera is snoozed"
    assert fields["reason"] == "snoozed" and fields["vuid"] == VUID
    assert fields["alarm_type"] == "0x12"
    assert fields["notice"].endswith(said)


def test_a_snooze_that_ended_notifies_again() -> None:
    sns, push = FakeSns(), RecordingFanOut()
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": alarm().to_item()}}
    claims = SnoozedClaims(snoozed_camera(own=NOW - 1))

    assert notifier(claims, sns, push, Said()).handle(record, now=NOW) == ("alarm", "sent")
    assert len(sns.published) == 1 and len(push.sent) == 1


@pytest.mark.parametrize(
    ("old", "new", "kind"), [("online", "offline", "offline"), ("offline", "online", "online")]
)
@pytest.mark.parametrize("attribute", ["snoozedUntil", "siteSnoozedUntil"])
def test_offline_and_back_online_of_a_snoozed_camera_are_held(
    old: str, new: str, kind: str, attribute: str
) -> None:
    """The stream record's new image carries the snooze: held with no read."""
    sns, push, log = FakeSns(), RecordingFanOut(), Said()
    snooze = {attribute: {"N": str(NOW + 60)}, "site": {"S": "Garden"}}
    claims = SnoozedClaims(snoozed_camera())
    record = modify(camera_image(old, **snooze), camera_image(new, **snooze))

    assert notifier(claims, sns, push, log).handle(record, now=NOW) == (kind, "snoozed")
    assert sns.published == [] and push.sent == [] and claims.claims == []
    ((message, fields),) = log.lines
    assert message == "notification held: the camera is snoozed"
    assert fields["event"] == kind and fields["reason"] == "snoozed"


def test_offline_of_a_camera_whose_snooze_ended_is_notified() -> None:
    sns, push = FakeSns(), RecordingFanOut()
    snooze = {"snoozedUntil": {"N": str(NOW - 60)}}
    record = modify(camera_image("online", **snooze), camera_image("offline", **snooze))

    outcome = notifier(SnoozedClaims(snoozed_camera()), sns, push, Said()).handle(record, now=NOW)

    assert outcome == ("offline", "sent")
    assert len(sns.published) == 1 and len(push.sent) == 1


# -- a choice -> until when ---------------------------------------------------------------


def at(text: str, zone: str) -> int:
    """Epoch seconds of a wall-clock time in ``zone`` (``2026-03-28 23:30``)."""
    from zoneinfo import ZoneInfo

    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp())


@pytest.mark.parametrize(("choice", "hours"), [("1h", 1), ("8h", 8)])
def test_hours_are_real_hours_even_across_a_clock_change(choice: str, hours: int) -> None:
    """The night Paris skips 02:00-03:00: 8 hours from 23:30 end at 08:30 on the wall clock."""
    start = at("2026-03-28 23:30", "Europe/Paris")
    until = snooze_until(choice, start, "Europe/Paris")
    assert until == start + hours * 3600
    if choice == "8h":
        assert until == at("2026-03-29 08:30", "Europe/Paris")


@pytest.mark.parametrize(
    ("now", "zone", "morning"),
    [
        ("2026-12-06 23:30", "Europe/Paris", "2026-12-07 07:00"),
        ("2026-12-06 23:59", "Europe/Paris", "2026-12-07 07:00"),
        ("2026-12-07 00:00", "Europe/Paris", "2026-12-07 07:00"),
        ("2026-12-07 06:59", "Europe/Paris", "2026-12-07 07:00"),
        ("2026-12-07 07:00", "Europe/Paris", "2026-12-08 07:00"),
        ("2026-12-07 12:00", "Europe/Paris", "2026-12-08 07:00"),
        # Spring forward (02:00 -> 03:00) and fall back (03:00 -> 02:00) in the night.
        ("2026-03-28 22:00", "Europe/Paris", "2026-03-29 07:00"),
        ("2026-10-24 22:00", "Europe/Paris", "2026-10-25 07:00"),
        ("2026-03-07 21:00", "America/New_York", "2026-03-08 07:00"),
        # Chile moves its clocks at midnight: 2026-04-04 24:00 is 23:00 again, and
        # 2026-09-06 00:00 is 01:00.
        ("2026-04-04 23:30", "America/Santiago", "2026-04-05 07:00"),
        ("2026-09-05 23:30", "America/Santiago", "2026-09-06 07:00"),
        # East of UTC by more than 7 h: the UTC date is not the local date.
        ("2026-12-07 05:00", "Pacific/Auckland", "2026-12-07 07:00"),
        ("2026-12-06 20:00", "UTC", "2026-12-07 07:00"),
    ],
)
def test_tomorrow_morning_is_the_next_seven_oclock_on_the_persons_wall_clock(
    now: str, zone: str, morning: str
) -> None:
    assert snooze_until("morning", at(now, zone), zone) == at(morning, zone)


def test_the_same_instant_ends_at_each_persons_own_morning() -> None:
    now = at("2026-12-06 22:00", "UTC")
    paris, new_york = (
        snooze_until("morning", now, zone) for zone in ("Europe/Paris", "America/New_York")
    )
    assert paris == at("2026-12-07 07:00", "Europe/Paris")
    assert new_york == at("2026-12-07 07:00", "America/New_York")
    assert new_york - paris == 6 * 3600


def test_until_turned_back_on_is_the_sentinel() -> None:
    assert snooze_until("on", NOW) == SNOOZE_UNTIL_ON


@pytest.mark.parametrize("choice", ["2h", "", "off", None, 1, "ON"])
def test_other_choices_are_refused(choice: Any) -> None:
    with pytest.raises(BadRequest, match="choice must be one of 1h, 8h, morning, on"):
        snooze_until(choice, NOW)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../../etc/passwd", "x" * 100, None])
def test_a_zone_that_is_not_iana_is_refused(zone: Any) -> None:
    with pytest.raises(BadRequest, match="IANA time zone"):
        snooze_until("morning", NOW, zone)


@pytest.mark.parametrize(
    ("snooze", "words"),
    [
        (Snooze(at("2026-12-06 23:00", "Europe/Paris")), "until 23:00"),
        (Snooze(at("2026-12-07 07:00", "Europe/Paris"), "Garden"), "until Mon 07:00 (site Garden)"),
        (Snooze(SNOOZE_UNTIL_ON, "Garden"), "until turned back on (site Garden)"),
    ],
)
def test_a_snooze_in_words(snooze: Snooze, words: str) -> None:
    now = at("2026-12-06 21:00", "Europe/Paris")
    assert snooze_words(snooze, "Europe/Paris", now) == words
