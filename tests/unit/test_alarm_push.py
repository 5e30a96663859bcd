"""Validating an alarm push before anything is stored (``parse_alarm_push``) and alarm ids."""

from __future__ import annotations

import time

import pytest
from vstarcam_push.ingest.alarm_intake import parse_alarm_push
from vstarcam_push.models.alarm import Alarm, alarm_id_for, received_day, vuid_of
from vstarcam_push.models.alarm_types import AlarmType
from vstarcam_push.models.errors import BadRequest
from vstarcam_push.models.media import JPEG as JPEG_KIND
from vstarcam_push.models.media import PNG as PNG_KIND
from vstarcam_push.models.media import StoredMedia

from tests.conftest import JPEG, MP4, PNG, alarm_body


def test_valid_alarm_push_has_vuid_type_picture_and_optional_video() -> None:
    body, content_type = alarm_body(vuid=" ve0005622qhow\r\n", alarm_type="0x12", video=MP4)

    push = parse_alarm_push(body, content_type)

    assert push.vuid == "VE0005622QHOW"
    assert push.alarm_type == AlarmType(0x12)
    assert push.picture == JPEG
    assert push.picture_kind == JPEG_KIND
    assert push.video == MP4


def test_alarm_push_without_video_has_none() -> None:
    push = parse_alarm_push(*alarm_body(picture=PNG))

    assert push.video is None
    assert push.picture_kind == PNG_KIND


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"vuid": None}, "vuid_missing"),
        ({"vuid": ""}, "vuid_missing"),
        ({"vuid": "VE0005622QH0W!"}, "vuid_invalid"),
        ({"alarm_type": None}, "type_missing"),
        ({"alarm_type": "motion"}, "type_invalid"),
        ({"picture": None}, "picture_missing"),
        ({"picture": b""}, "picture_empty"),
        ({"picture": b"GIF89a"}, "picture_not_image"),
        ({"video": b""}, "video_empty"),
    ],
)
def test_each_invalid_field_is_refused_with_its_reason(
    fields: dict[str, object], reason: str
) -> None:
    """GIVEN an alarm push with one field missing or invalid
    THEN it is refused with 400 and a reason the Refusals metric is counted by."""
    with pytest.raises(BadRequest) as refused:
        parse_alarm_push(*alarm_body(**fields))  # type: ignore[arg-type]

    assert refused.value.reason == reason
    assert refused.value.status == 400


def test_vuid_is_checked_before_the_type_and_the_picture() -> None:
    """GIVEN several things wrong
    THEN the refusal names the first of vuid, type, picture, so a person fixes them in order."""
    with pytest.raises(BadRequest) as refused:
        parse_alarm_push(*alarm_body(vuid="x", alarm_type="motion", picture=b""))

    assert refused.value.reason == "vuid_invalid"


def test_alarm_id_is_the_vuid_and_a_digest_of_type_and_picture() -> None:
    """GIVEN the same vuid, type and picture digest
    THEN the alarm id is the same (a retry finds the stored alarm); any difference changes it."""
    motion = alarm_id_for("VE0005622QHOW", AlarmType(0x12), "ab" * 32)

    assert motion == alarm_id_for("VE0005622QHOW", AlarmType(0x12), "ab" * 32)
    assert motion.startswith("VE0005622QHOW-") and len(motion.rsplit("-", 1)[1]) == 20
    assert vuid_of(motion) == "VE0005622QHOW"
    assert motion != alarm_id_for("VE0005622QHOW", AlarmType(0x14), "ab" * 32)
    assert motion != alarm_id_for("VE0005622QHOW", AlarmType(0x12), "cd" * 32)
    assert motion != alarm_id_for("OKB0379853SNLJ", AlarmType(0x12), "ab" * 32)


def test_alarm_record_round_trips_through_its_dynamodb_item() -> None:
    alarm = Alarm(
        alarm_id=alarm_id_for("VE0005622QHOW", AlarmType(0x99), "ab" * 32),
        vuid="VE0005622QHOW",
        alarm_type=AlarmType(0x99),
        received_at_ms=1_795_701_791_480,
        picture=StoredMedia("alarms/VE0005622QHOW/a.jpg", "image/jpeg", 10, "ab" * 32),
        video=StoredMedia("alarms/VE0005622QHOW/a.mp4", "video/mp4", 20, "cd" * 32),
        expires_at=1_798_293_791,
    )

    item = alarm.to_item()

    assert Alarm.from_item(item) == alarm
    assert item["alarmTypeName"] == {"S": "unknown (0x99)"}
    assert item["receivedDay"] == {"S": received_day(1_795_701_791_480)} == {"S": "2026-11-26"}


def test_the_received_day_is_the_utc_day_whatever_the_machines_time_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The byDay index is in UTC days: 23:30 UTC on 26 November is the 26th, also on a
    laptop in UTC+14 (where it is already the 27th) running ``make run``."""
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    try:
        assert received_day(1_795_735_800_000) == "2026-11-26"  # 2026-11-26 23:30:00 UTC
    finally:
        monkeypatch.undo()
        time.tzset()
