"""Second, independent tests of guards a single test held before: the duplicate alarm's
conditional put, the cooldown boundary and the PNG signature. (The stream batch's
stop-at-first-failure has its own in tests/unit/test_stream_batch.py.)"""

from __future__ import annotations

import dataclasses

from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.notification_claims import NotificationClaims
from vstarcam_push.models.alarm import Alarm, alarm_id_for
from vstarcam_push.models.alarm_types import AlarmType, parse_alarm_type
from vstarcam_push.models.media import StoredMedia

from tests.conftest import JPEG, PNG, VUID, alarm_event, invoke, reply_of
from tests.integration.conftest import Aws, LoadFunction

MOTION = parse_alarm_type("18")

NOW = 1_795_701_791


def stored_alarm(key: str) -> Alarm:
    return Alarm(
        alarm_id=alarm_id_for(VUID, AlarmType(0x12), "ab" * 32),
        vuid=VUID,
        alarm_type=AlarmType(0x12),
        received_at_ms=NOW * 1000,
        picture=StoredMedia(key, "image/jpeg", 10, "ab" * 32),
        video=None,
        expires_at=NOW + 86_400,
    )


def test_the_second_put_of_one_alarm_is_refused_and_changes_nothing(aws: Aws) -> None:
    """GIVEN an alarm record stored with its picture key
    WHEN the same alarm (same id) is put again naming other media, as a racing copy does
    THEN the put reports "already stored" and the record still names the first media."""
    store = AlarmStore(aws.dynamodb, aws.alarms_table)
    first = stored_alarm("alarms/VE0005622QHOW/first.jpg")
    second = dataclasses.replace(first, picture=dataclasses.replace(first.picture, key="other"))

    assert store.put_new(first) is True
    assert store.put_new(second) is False

    assert store.get(first.alarm_id, consistent=True) == first
    assert len(aws.alarms()) == 1


def test_the_cooldown_slot_opens_exactly_cooldown_seconds_after_the_last_claim(
    aws: Aws,
) -> None:
    """GIVEN a camera whose motion slot was claimed at NOW, with a 300 s cooldown
    THEN another motion alarm's claim fails at NOW + 299 and succeeds at NOW + 300; and
    the slot then counts from NOW + 300."""
    aws.register()
    cameras = NotificationClaims(aws.dynamodb, aws.cameras_table)

    assert cameras.claim_notification(VUID, MOTION, "first", NOW, 300).granted is True
    assert cameras.claim_notification(VUID, MOTION, "second", NOW + 299, 300).granted is False
    assert cameras.claim_notification(VUID, MOTION, "second", NOW + 300, 300).granted is True
    assert cameras.claim_notification(VUID, MOTION, "third", NOW + 599, 300).granted is False


def test_a_png_picture_is_stored_as_png_and_a_near_png_is_refused(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN a registered camera
    WHEN it pushes a PNG picture, then a picture whose first 7 bytes are PNG's signature
    but whose 8th is not
    THEN the PNG is stored as image/png under a .png key, and the other is refused with 400
    (not a JPEG or PNG image), with nothing stored."""
    aws.register()
    alarm = functions("AlarmFunction")

    assert reply_of(invoke(alarm, alarm_event(picture=PNG))) == {
        "code": "200",
        "message": "Success",
    }
    (record,) = aws.alarms()
    assert record["pictureContentType"]["S"] == "image/png"
    assert record["pictureKey"]["S"].endswith(".png")
    assert aws.media(record["pictureKey"]["S"]) == (PNG, "image/png")

    near_png = PNG[:7] + b"\x00" + PNG[8:]
    response = invoke(alarm, alarm_event(picture=near_png))

    assert response["statusCode"] == 400
    assert "not a JPEG or PNG" in reply_of(response)["message"]
    assert len(aws.alarms()) == 1 and len(aws.media_keys()) == 1
    assert JPEG[:3] != near_png[:3]
