"""Notification texts and the stream-record rules, without AWS."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from vstarcam_push.delivery.fanout import FanOutResult, QuietHold
from vstarcam_push.models.alarm import Alarm, alarm_id_for
from vstarcam_push.models.alarm_types import AlarmType
from vstarcam_push.models.camera import Camera, Claim, NotifyCeiling
from vstarcam_push.models.media import StoredMedia
from vstarcam_push.models.push_event import PushEvent
from vstarcam_push.notify.messages import (
    SMS_LIMIT,
    alarm_notification,
    alarm_push_event,
    format_duration,
    format_time,
    offline_notification,
    online_notification,
)
from vstarcam_push.notify.notifier import Notifier

VUID = "VE0005622QHOW"
RECEIVED_MS = int(datetime(2026, 11, 26, 14, 3, 11, 480_000, tzinfo=UTC).timestamp() * 1000)
HEARTBEAT = int(datetime(2026, 11, 26, 13, 58, 0, tzinfo=UTC).timestamp())
BUCKET = "vstarcam-push-mediabucket"
# GSM 03.38 basic character set: text made only of these is one SMS per 160 characters.
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def alarm(code: int = 0x12, video: bool = False, vuid: str = VUID) -> Alarm:
    alarm_id = alarm_id_for(vuid, AlarmType(code), "ab" * 32)
    stem = f"alarms/{vuid}/2026/11/26/140311-{alarm_id.rsplit('-', 1)[1]}"
    return Alarm(
        alarm_id=alarm_id,
        vuid=vuid,
        alarm_type=AlarmType(code),
        received_at_ms=RECEIVED_MS,
        picture=StoredMedia(f"{stem}.jpg", "image/jpeg", 1234, "ab" * 32),
        video=StoredMedia(f"{stem}.mp4", "video/mp4", 5678, "cd" * 32) if video else None,
        expires_at=RECEIVED_MS // 1000 + 30 * 86_400,
    )


def camera(
    name: str = "Front door",
    status: str = "online",
    last_seen: int | None = HEARTBEAT,
    offline_since: int | None = None,
) -> Camera:
    return Camera(
        vuid=VUID,
        name=name,
        status=status,
        registered_at=1_700_000_000,
        last_seen=last_seen,
        last_alarm_at=None,
        offline_after=180,
        online_until=None,
        offline_since=offline_since,
    )


# -- texts ----------------------------------------------------------------------------


def test_alarm_sms_is_camera_alarm_type_and_time() -> None:
    """GIVEN a motion alarm of "Front door" received 2026-11-26 14:03:11 UTC
    THEN the SMS is exactly the headline, seconds truncated."""
    notification = alarm_notification(camera(), alarm(), BUCKET, "eu-west-1")

    assert notification.sms == (
        "Front door (VE0005622QHOW): Motion detection alarm at 2026-11-26 14:03:11 UTC"
    )
    assert notification.subject == "Motion detection alarm: Front door (VE0005622QHOW)"


def test_alarm_email_says_where_to_see_and_how_to_download_the_picture() -> None:
    notification = alarm_notification(camera(), alarm(video=True), BUCKET, "eu-west-1")
    item = alarm(video=True)

    lines = notification.email.splitlines()
    assert lines[0] == notification.sms
    assert f"Picture: s3://{BUCKET}/{item.picture.key}" in lines
    assert item.video is not None
    assert f"Video: s3://{BUCKET}/{item.video.key}" in lines
    console = next(line for line in lines if "console.aws.amazon.com" in line)
    assert "https://eu-west-1.console.aws.amazon.com/s3/object/" + BUCKET in console
    assert "prefix=alarms%2FVE0005622QHOW%2F2026%2F11%2F26%2F140311-" in console
    assert (
        f"  vstarcam-push alarms get {item.alarm_id} --picture alarm.jpg --video alarm-video"
        in lines
    )
    assert "Alarm type: Motion detection alarm (0x12)" in lines


def test_alarm_of_an_unnamed_or_removed_camera_is_labelled_by_its_vuid() -> None:
    unnamed = alarm_notification(camera(name=""), alarm(), BUCKET, "us-east-1")
    removed = alarm_notification(None, alarm(), BUCKET, "us-east-1")

    assert unnamed.sms.startswith("VE0005622QHOW: Motion detection alarm at ")
    assert removed.sms == unnamed.sms


def test_unknown_alarm_type_is_notified_as_unknown_with_its_code() -> None:
    notification = alarm_notification(camera(), alarm(0x99), BUCKET, "us-east-1")

    assert "unknown (0x99) at 2026-11-26 14:03:11 UTC" in notification.sms
    assert notification.attributes["alarmType"] == "0x99"


def test_offline_text_says_when_the_camera_was_last_seen() -> None:
    notification = offline_notification(camera(status="offline"))

    assert notification.sms == (
        "Front door (VE0005622QHOW) is offline: last seen at 2026-11-26 13:58:00 UTC"
    )
    assert "no heartbeat and no alarm for more than 180 seconds" in notification.email
    assert notification.subject == "Camera offline: Front door (VE0005622QHOW)"


def test_offline_text_of_a_camera_never_heard_from() -> None:
    assert offline_notification(camera(last_seen=None)).sms.endswith("is offline: never seen")


def test_back_online_text_gives_the_length_of_the_outage() -> None:
    """GIVEN a camera last seen 13:58:00, offline since 14:01:05, heartbeat again at 15:10:00
    THEN the outage is counted from its last heartbeat: 1 h 12 min."""
    before = camera(status="offline", offline_since=HEARTBEAT + 185)
    after = camera(status="online", last_seen=HEARTBEAT + 72 * 60)

    notification = online_notification(after, before)

    assert notification.sms == (
        "Front door (VE0005622QHOW) is back online after 1 h 12 min "
        "(seen at 2026-11-26 15:10:00 UTC)"
    )
    assert notification.subject == "Camera back online: Front door (VE0005622QHOW)"


def test_back_online_text_of_a_camera_never_marked_offline_names_no_outage() -> None:
    """GIVEN a camera registered but never seen (listed offline, but never marked so)
    WHEN a heartbeat or an alarm brings it online
    THEN the text has no outage length: there was none to count."""
    before = camera(status="offline", last_seen=None, offline_since=None)
    after = camera(status="online", last_seen=HEARTBEAT)

    notification = online_notification(after, before)

    assert notification.headline == (
        "Front door (VE0005622QHOW) is back online (seen at 2026-11-26 13:58:00 UTC)"
    )
    assert notification.email == notification.headline + "."


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "under a minute"),
        (0, "under a minute"),
        (59, "under a minute"),
        (60, "1 min"),
        (3599, "59 min"),
        (3600, "1 h 0 min"),
        (86_399, "23 h 59 min"),
        (90_000, "1 d 1 h"),
    ],
)
def test_outage_duration_in_words(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text


# -- limits -------------------------------------------------------------------------------


def test_sms_of_a_long_camera_name_fits_one_gsm7_segment() -> None:
    """GIVEN a camera name of 200 characters
    THEN the SMS is cut to 160 characters, ending in "...", all in the GSM-7 alphabet (one
    non-GSM character would make it UCS-2: 70 characters a segment)."""
    long_name = "Warehouse loading bay north side " * 6

    for notification in (
        alarm_notification(camera(name=long_name), alarm(), BUCKET, "us-east-1"),
        offline_notification(camera(name=long_name)),
        online_notification(camera(name=long_name), camera(name=long_name, status="offline")),
    ):
        assert len(notification.sms) == SMS_LIMIT == 160
        assert notification.sms.endswith("...")
        assert set(notification.sms) <= GSM7


def test_short_sms_is_not_cut() -> None:
    sms = alarm_notification(camera(), alarm(), BUCKET, "us-east-1").sms

    assert len(sms) < SMS_LIMIT
    assert not sms.endswith("...")


@pytest.mark.parametrize(
    "name",
    ["Küche", "门口摄像头", "Front\ndoor\r\tcam", "x" * 300],
    ids=["umlaut", "chinese", "control-chars", "very-long"],
)
def test_subject_is_printable_ascii_under_100_characters(name: str) -> None:
    """GIVEN any camera name
    THEN the SNS subject is printable ASCII without line breaks and under 100 characters,
    as SNS requires for email subjects."""
    for notification in (
        alarm_notification(camera(name=name), alarm(), BUCKET, "us-east-1"),
        offline_notification(camera(name=name)),
    ):
        subject = notification.publish_request("arn:aws:sns:us-east-1:123456789012:t")["Subject"]
        assert all(32 <= ord(c) < 127 for c in subject)
        assert 0 < len(subject) < 100
        assert subject[0].isalnum()


# -- the SNS request --------------------------------------------------------------------


def test_publish_request_is_one_json_structured_message_with_routing_attributes() -> None:
    """GIVEN an alarm notification
    THEN publish gets MessageStructure=json with "default", "email" and "sms" texts, and the
    String message attributes event, vuid, alarmType (+ alarmTypeName, severity) that subscription
    filter policies route on."""
    notification = alarm_notification(camera(), alarm(0x6D), BUCKET, "us-east-1")
    topic = "arn:aws:sns:us-east-1:123456789012:vstarcam-push-alarmtopic"

    request = notification.publish_request(topic)

    assert request["TopicArn"] == topic
    assert request["MessageStructure"] == "json"
    message = json.loads(request["Message"])
    assert message == {
        "default": notification.email,
        "email": notification.email,
        "sms": notification.sms,
    }
    assert request["MessageAttributes"] == {
        "event": {"DataType": "String", "StringValue": "alarm"},
        "vuid": {"DataType": "String", "StringValue": VUID},
        "alarmType": {"DataType": "String", "StringValue": "0x6d"},
        "alarmTypeName": {"DataType": "String", "StringValue": "Fire detection alarm"},
        # SmsAlarmTypes=alert filters on it.
        "severity": {"DataType": "String", "StringValue": "alert"},
    }


def test_status_notifications_carry_no_alarm_type() -> None:
    """GIVEN an SMS subscription filtered on alarmType
    THEN offline and back-online notifications, which carry no alarmType, go by email only."""
    offline = offline_notification(camera()).publish_request("arn:t")
    online = online_notification(camera(), camera(status="offline")).publish_request("arn:t")

    assert set(offline["MessageAttributes"]) == {"event", "vuid"}
    assert offline["MessageAttributes"]["event"]["StringValue"] == "offline"
    assert online["MessageAttributes"]["event"]["StringValue"] == "online"


# -- the stream-record rules ------------------------------------------------------------


@dataclass
class FakeSns:
    published: list[dict[str, Any]] = field(default_factory=list)

    def publish(self, **request: Any) -> dict[str, str]:
        self.published.append(request)
        return {"MessageId": str(len(self.published))}


@dataclass
class FakeRegistry:
    """The NotificationClaims call the notifier makes: the claim, which returns the camera."""

    reason: str = "claimed"
    until: int = 0
    claims: list[tuple[str, str, str, int, int, NotifyCeiling | None]] = field(default_factory=list)

    def claim_notification(
        self,
        vuid: str,
        alarm_type: AlarmType,
        alarm_id: str,
        now: int,
        cooldown: int,
        ceiling: NotifyCeiling | None = None,
    ) -> Claim:
        self.claims.append((vuid, alarm_type.hex, alarm_id, now, cooldown, ceiling))
        granted = self.reason in ("claimed", "redelivered")
        return Claim(granted, self.reason, camera(), until=self.until)


CEILING = NotifyCeiling(limit=10, period=600)


@dataclass
class Said:
    """A logger that keeps each line's message and fields."""

    lines: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # LogLevel=DEBUG's lines, apart: at INFO they are not written.
    debug_lines: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def info(self, message: str, extra: dict[str, Any] | None = None) -> None:
        self.lines.append((message, extra or {}))

    def debug(self, message: str, extra: dict[str, Any] | None = None) -> None:
        self.debug_lines.append((message, extra or {}))


@dataclass
class FakeFanOut:
    """The fan-out as the notifier sees it: what was queued and what quiet hours held."""

    result: FanOutResult
    sent: list[PushEvent] = field(default_factory=list)

    def send(self, event: PushEvent) -> FanOutResult:
        self.sent.append(event)
        return self.result


def notifier(
    registry: FakeRegistry, sns: FakeSns, log: Said | None = None, push: Any = None
) -> Notifier:
    return Notifier(
        sns,  # type: ignore[arg-type]
        "arn:t",
        registry,  # type: ignore[arg-type]
        BUCKET,
        "us-east-1",
        cooldown_seconds=300,
        ceiling=CEILING,
        push=push,
        log=log,
    )


def camera_image(status: str | None, **extra: dict[str, str]) -> dict[str, Any]:
    image: dict[str, Any] = {"vuid": {"S": VUID}, "name": {"S": "Front door"}, **extra}
    if status:
        image["status"] = {"S": status}
    return image


def modify(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {"eventName": "MODIFY", "dynamodb": {"OldImage": old, "NewImage": new}}


def test_new_alarm_record_claims_the_cooldown_slot_then_publishes() -> None:
    registry, sns = FakeRegistry(), FakeSns()
    item = alarm()
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": item.to_item()}}

    outcome = notifier(registry, sns).handle(record, now=1_795_702_000)

    assert outcome == ("alarm", "sent")
    assert registry.claims == [(VUID, "0x12", item.alarm_id, 1_795_702_000, 300, CEILING)]
    assert len(sns.published) == 1
    # The claim returned the camera: its name is in the text, with no second read.
    assert "Front door" in sns.published[0]["Subject"]


@pytest.mark.parametrize(("reason", "outcome"), [("cooldown", "suppressed"), ("ceiling", "capped")])
def test_alarm_refused_a_notification_slot_is_not_published(reason: str, outcome: str) -> None:
    """GIVEN the claim is refused by the cooldown or by the per-camera ceiling
    THEN nothing is published, and the outcome says which (they are counted apart)."""
    registry, sns = FakeRegistry(reason=reason), FakeSns()
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": alarm().to_item()}}

    assert notifier(registry, sns).handle(record, now=1) == ("alarm", outcome)
    assert sns.published == []


NOW = 1_795_702_000  # 2026-11-26 14:06:40 UTC


@pytest.mark.parametrize(
    ("reason", "until", "message", "said"),
    [
        (
            "cooldown",
            NOW + 200,
            "notification suppressed by the cooldown",
            "not notified: Motion detection alarm (0x12) is inside its 300 s cooldown until "
            "2026-11-26 14:10:00 UTC",
        ),
        (
            "ceiling",
            NOW + 500,
            "notification not sent: the camera is over its notification ceiling",
            "not notified: the camera is over its ceiling of 10 notifications per 600 s until "
            "2026-11-26 14:15:00 UTC",
        ),
        (
            "unknown_camera",
            0,
            "notification not sent: the camera is not registered",
            "not notified: the camera is not registered (removed?)",
        ),
    ],
)
def test_an_alarm_held_back_says_in_one_line_which_camera_why_and_until_when(
    reason: str, until: int, message: str, said: str
) -> None:
    """GIVEN the claim is refused (cooldown, ceiling, a camera no longer registered)
    THEN the notifier logs one line: the camera, the reason, until when (the template's
    metric filters count these messages), and a notice a person reads as it is."""
    log = Said()
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": alarm().to_item()}}

    notifier(FakeRegistry(reason=reason, until=until), FakeSns(), log).handle(record, now=NOW)

    ((logged, fields),) = log.lines
    assert logged == message
    assert fields["vuid"] == VUID and fields["reason"] == reason
    assert fields["notice"] == f"HELD  alarm    {VUID}    {said}"
    assert fields.get("until") == (format_time(until) if until else None)


def test_an_unknown_alarm_type_held_back_names_its_code_once_and_the_shared_cooldown() -> None:
    """GIVEN an alarm of a type the vendor list does not name, inside the cooldown
    THEN the line names its code once ('unknown (0x16)', not 'unknown (0x16) (0x16)') and
    says the cooldown is the one every unknown type shares (it may have been started by
    another code)."""
    log = Said()
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": alarm(code=0x16).to_item()}}

    notifier(FakeRegistry(reason="cooldown", until=NOW + 200), FakeSns(), log).handle(
        record, now=NOW
    )

    ((_, fields),) = log.lines
    assert fields["notice"] == (
        f"HELD  alarm    {VUID}    not notified: unknown (0x16) is inside the 300 s cooldown "
        "that unknown alarm types share until 2026-11-26 14:10:00 UTC"
    )


def test_a_destination_held_back_by_its_quiet_hours_says_until_when() -> None:
    """GIVEN a destination whose quiet hours hold an offline event back
    THEN the notifier logs one line naming the camera, the destination and when the quiet
    hours end; SNS still publishes."""
    log, sns = Said(), FakeSns()
    ends = NOW + 3600
    push = FakeFanOut(FanOutResult([], [QuietHold("night", "22:00-07:00 Europe/Berlin", ends)]))
    record = modify(camera_image("online"), camera_image("offline"))

    assert notifier(FakeRegistry(), sns, log, push).handle(record, now=NOW) == ("offline", "sent")

    ((logged, fields),) = log.lines
    assert logged == "push held back by quiet hours"
    assert fields["destination"] == "night" and fields["reason"] == "quiet_hours"
    assert fields["until"] == "2026-11-26 15:06:40 UTC"
    assert fields["notice"] == (
        f"HELD  offline  {VUID}    -> night  not sent: quiet hours 22:00-07:00 Europe/Berlin "
        "until 2026-11-26 15:06:40 UTC"
    )
    assert len(sns.published) == 1


def test_at_debug_a_destination_its_filters_left_out_is_named_with_the_filter() -> None:
    """GIVEN a destination whose filters do not want the event (another camera's only)
    THEN at LogLevel=DEBUG one line names it and the filter; at INFO nothing is said."""
    log, sns = Said(), FakeSns()
    push = FakeFanOut(FanOutResult([], [], [("front-gate-phone", "cameras")]))
    record = modify(camera_image("online"), camera_image("offline"))

    assert notifier(FakeRegistry(), sns, log, push).handle(record, now=NOW) == ("offline", "sent")

    assert log.lines == []
    ((logged, fields),) = log.debug_lines
    assert logged == "push not sent: the destination's filters do not want it"
    assert fields == {
        "event": "offline",
        "vuid": VUID,
        "destination": "front-gate-phone",
        "filter": "cameras",
    }


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("online", "offline", ("offline", "sent")),
        ("offline", "online", ("online", "sent")),
        ("online", "online", (None, "ignored")),
        ("offline", "offline", (None, "ignored")),
        (None, "online", (None, "ignored")),
    ],
    ids=["went-offline", "back-online", "heartbeat", "alarm-while-offline", "first-heartbeat"],
)
def test_camera_change_is_notified_only_when_its_status_changes(
    old: str | None, new: str, expected: tuple[str | None, str]
) -> None:
    sns = FakeSns()

    outcome = notifier(FakeRegistry(), sns).handle(
        modify(camera_image(old), camera_image(new)), now=1
    )

    assert outcome == expected
    assert len(sns.published) == (1 if expected[1] == "sent" else 0)


@pytest.mark.parametrize(
    "record",
    [
        {"eventName": "INSERT", "dynamodb": {"NewImage": camera_image(None)}},
        {"eventName": "REMOVE", "dynamodb": {"OldImage": camera_image("online")}},
        {"eventName": "MODIFY", "dynamodb": {}},
        {"eventName": "INSERT"},
    ],
    ids=["camera-registered", "camera-removed", "no-images", "no-dynamodb"],
)
def test_other_records_are_ignored(record: dict[str, Any]) -> None:
    sns = FakeSns()

    assert notifier(FakeRegistry(), sns).handle(record, now=1) == (None, "ignored")
    assert sns.published == []


def test_times_are_utc_whatever_the_machines_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lambda runs in UTC, a laptop running ``make run`` may not: the text says UTC, so the
    time must be UTC."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert format_time(HEARTBEAT) == "2026-11-26 13:58:00 UTC"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_push_event_of_a_camera_no_longer_registered_names_no_camera() -> None:
    """A camera removed after its alarm was stored: the push names it by vuid alone,
    never with a placeholder name or site."""
    stored = alarm()
    event = alarm_push_event(None, stored, alarm_notification(None, stored, BUCKET, "us-east-1"))
    assert (event.camera_name, event.site, event.vuid) == ("", "", VUID)
    named = alarm_push_event(camera(), stored, alarm_notification(camera(), stored, BUCKET, "x"))
    assert named.camera_name == camera().name


def test_an_alarms_severity_follows_the_alert_types_setting() -> None:
    """GIVEN the stack's AlertTypes
    THEN the email says the severity, the SNS attribute carries it (SmsAlarmTypes=alert
    filters on it) and so does the push event every channel's filters read."""
    motion = alarm(0x12)
    default = alarm_notification(camera(), motion, BUCKET, "us-east-1")
    assert default.attributes["severity"] == "detection"
    assert "Severity: detection" in default.email.splitlines()
    assert alarm_push_event(camera(), motion, default).severity == "detection"

    motion_alerts = alarm_notification(
        camera(), motion, BUCKET, "us-east-1", alert_types=frozenset({0x12})
    )
    assert motion_alerts.attributes["severity"] == "alert"
    assert alarm_push_event(camera(), motion, motion_alerts).severity == "alert"
