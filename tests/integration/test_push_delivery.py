"""Push destinations end to end in moto: the real alarm, sweep, notify and delivery handlers,
the template's stream filters, the notifier's asynchronous invocations of the delivery
function and the delivery function's one-time retry schedules (both emulated:
``tests.integration.conftest.DeliveryPath``), and a fake of each service on 127.0.0.1.

What is proved: each destination gets each event it wants exactly once, whatever another
destination does (an outage, a bad token, one longer than the old queue's visibility
window), however often the stream redelivers and however often an invocation is
duplicated; the per-camera cooldown holds for every channel; a destination that gives up
tells the owner at once, named, without retries; secrets reach the services and nothing
else; an update from the queue-based design delivers the retries its queue still holds."""

from __future__ import annotations

import json
import socket
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import boto3
import pytest
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.destinations import DestinationStore
from vstarcam_push.dal.secrets import SecretStore
from vstarcam_push.delivery import channels as channels_package
from vstarcam_push.delivery.deliverer import RetryPolicy
from vstarcam_push.models.destination import Destination, Filters
from vstarcam_push.models.push_event import URGENT_TYPES
from vstarcam_push.notify.messages import format_time
from vstarcam_tools.events import scheduled_event
from vstarcam_tools.template import Stack

from tests.conftest import JPEG, MP4, REGION, VUID, alarm_event, heartbeat_event, invoke, reply_of
from tests.integration.conftest import Aws, DeliveryPath, LoadFunction, LogCapture, Pipeline
from tests.push_fakes import FakeNtfy, FakeService, FakeTelegram, FakeWebhookReceiver

SIGNING_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SWEEP_EVENT = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}


@dataclass
class Push:
    """The push side of the stack: destinations, the delivery function and its path."""

    stack: Stack
    aws: Aws
    delivery: Any
    path: DeliveryPath
    destinations: DestinationStore
    secrets: SecretStore

    def add(
        self,
        name: str,
        channel: str,
        secrets: dict[str, str],
        filters: Filters | None = None,
        **settings: str,
    ) -> None:
        """As ``vstarcam-push notify add`` stores a destination."""
        service = channels_package.channel(channel)
        self.destinations.add(
            Destination(
                name=name,
                channel=channel,
                target=service.target(settings, secrets),
                settings=settings,
                secret_fields=tuple(sorted(secrets)),
                filters=filters or Filters(),
                created_at=int(time.time()),
            )
        )
        self.secrets.put(name, secrets)

    def deliver(self, rounds: int = 20, ahead_s: float = 0.0) -> None:
        self.path.run(rounds=rounds, ahead_s=ahead_s)

    def dead_letters(self) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs", region_name=REGION)
        url = self.stack.physical_name("NotifyDeadLetterQueue")
        found = []
        for _ in range(5):
            messages = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0
            ).get("Messages", [])
            found = [json.loads(m["Body"]) for m in messages]
            if found:
                break
        return found

    def queued(self) -> int:
        """Deliveries handed over but not yet run, and retries waiting in their schedules."""
        return len(self.path.pending) + len(self.path.waiting())

    def told(self) -> list[dict[str, Any]]:
        """What the operations topic (the owner's email and SMS) received."""
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.sns.models import sns_backends

        arn = self.stack.physical_name("OperationsTopic")
        topic = sns_backends[DEFAULT_ACCOUNT_ID][REGION].topics[arn]
        return [
            {"subject": subject, "message": message}
            for _, message, subject, _, _ in topic.sent_notifications
        ]


@pytest.fixture
def push(stack: Stack, aws: Aws, functions: LoadFunction, pipeline: Pipeline) -> Push:
    delivery = functions("DeliveryFunction")
    # Retries due at once so a test sees them; the backoff itself is tested on its own below.
    delivery.deliverer.retry = RetryPolicy(first_delay_s=0, max_delay_s=0, max_attempts=50)
    path = DeliveryPath(stack, delivery, functions("DeliveryFailedFunction"))
    # The notifier's asynchronous invocations go to the emulated path.
    path.attach(pipeline.notify.notifier.push._lambda)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    return Push(
        stack=stack,
        aws=aws,
        delivery=delivery,
        path=path,
        destinations=DestinationStore(dynamodb, stack.physical_name("DestinationsTable")),
        secrets=SecretStore(boto3.client("ssm", region_name=REGION), "/vstarcam-push/notify/"),
    )


@pytest.fixture
def fakes() -> Iterator[Callable[[FakeService], Any]]:
    started: list[FakeService] = []

    def start(fake: FakeService) -> Any:
        started.append(fake.start())
        return fake

    yield start
    for fake in started:
        fake.stop()


class Camera:
    def __init__(self, functions: LoadFunction, vuid: str = VUID) -> None:
        self.vuid = vuid
        self.alarm_function = functions("AlarmFunction")
        self.heartbeat_function = functions("HeartbeatFunction")
        self.sweep_function = functions("OfflineSweepFunction")

    def alarm(self, alarm_type: str = "18", picture: bytes = JPEG) -> None:
        event = alarm_event(vuid=self.vuid, alarm_type=alarm_type, picture=picture)
        assert reply_of(invoke(self.alarm_function, event))["code"] == "200"

    def heartbeat(self, seconds_ago: int = 0) -> None:
        event = heartbeat_event({"vuid": self.vuid}, (int(time.time()) - seconds_ago) * 1000)
        assert reply_of(invoke(self.heartbeat_function, event))["code"] == "200"

    def go_offline(self) -> None:
        self.heartbeat(seconds_ago=600)
        assert invoke(self.sweep_function, SWEEP_EVENT)["markedOffline"] == [self.vuid]


def telegram_secrets(fake: FakeTelegram) -> dict[str, str]:
    return {"token": fake.token}


def test_an_alarm_reaches_each_destination_once_with_its_picture(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push, fakes: Any
) -> None:
    """GIVEN ntfy, Telegram and webhook destinations and a registered camera
    WHEN the camera pushes a motion alarm and the stream record reaches the notifier
    THEN SNS publishes once and each destination receives the alarm once: ntfy and Telegram
    with the stored picture's bytes, the webhook signed, linking the picture."""
    ntfy, telegram = fakes(FakeNtfy()), fakes(FakeTelegram())
    hook = fakes(FakeWebhookReceiver(SIGNING_SECRET))
    push.add("lan-ntfy", "ntfy", {"url": ntfy.url})
    push.add(
        "phone", "telegram", telegram_secrets(telegram), chat_id="4242", api_url=telegram.base_url
    )
    push.add("home-assistant", "webhook", {"url": hook.url, "signing_secret": SIGNING_SECRET})
    aws.register()
    camera = Camera(functions)

    camera.alarm()
    pipeline.flush()
    push.deliver()

    assert len(aws.published()) == 1
    assert [r.body for r in ntfy.received] == [JPEG]
    assert (
        "Front door (VE0005622QHOW): Motion detection alarm at"
        in ntfy.received[0].headers["message"]
    )
    (photo,) = telegram.received
    assert photo.form["photo"].content == JPEG
    (hooked,) = hook.received
    data = hooked.json()["data"]
    assert data["alarm"]["typeHex"] == "0x12"
    (stored,) = aws.alarms()
    assert data["links"]["picture"].endswith(
        f"/alarms/{stored['alarmId']['S']}/picture?token={stored['linkToken']['S']}"
    )
    assert push.queued() == 0 and push.dead_letters() == []


def test_offline_and_back_online_reach_the_channels_that_want_them(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push, fakes: Any
) -> None:
    ntfy, alarms_only = fakes(FakeNtfy()), fakes(FakeNtfy(topic="alarms-only"))
    push.add("status", "ntfy", {"url": ntfy.url})
    push.add("alarms", "ntfy", {"url": alarms_only.url}, Filters(events=frozenset({"alarm"})))
    aws.register()
    camera = Camera(functions)
    camera.go_offline()
    pipeline.flush()
    camera.heartbeat()
    pipeline.flush()
    push.deliver()

    texts = [r.body.decode() for r in ntfy.received]
    assert len(texts) == 2
    assert texts[0].startswith("Front door (VE0005622QHOW) is offline: last seen at")
    assert texts[1].startswith("Front door (VE0005622QHOW) is back online")
    assert alarms_only.received == []


def test_cooldown_applies_to_every_channel(
    aws: Aws,
    functions: LoadFunction,
    pipeline: Pipeline,
    push: Push,
    fakes: Any,
    logs: LogCapture,
) -> None:
    """GIVEN a destination and the template's 300 s cooldown
    WHEN the camera pushes three motion alarms (new pictures) and one smoke alarm in a row
    THEN the destination gets the first motion alarm and the smoke alarm: what SNS got; and
    each motion alarm held back is one log line naming the camera, the cooldown and its end."""
    ntfy = fakes(FakeNtfy())
    push.add("lan-ntfy", "ntfy", {"url": ntfy.url})
    aws.register()
    camera = Camera(functions)
    for n in range(3):
        camera.alarm(picture=JPEG + bytes([n]))
    camera.alarm(alarm_type="38")
    logs.attach("notify")
    started = int(time.time())
    pipeline.flush()
    push.deliver()

    assert len(ntfy.received) == 2 == len(aws.published())
    assert ntfy.received[1].headers["title"].startswith("Smoke alarm")
    held = [line for line in logs.lines() if line.get("reason") == "cooldown"]
    assert len(held) == 2
    ends = {format_time(started + 300 + n) for n in range(int(time.time()) - started + 1)}
    for line in held:
        assert line["message"] == "notification suppressed by the cooldown"
        assert line["vuid"] == VUID and line["alarm_type"] == "0x12"
        assert line["until"] in ends
        assert line["notice"] == (
            f"HELD  alarm    {VUID}    not notified: Motion detection alarm (0x12) is inside "
            f"its 300 s cooldown until {line['until']}"
        )


def test_sites_route_each_customers_cameras_to_that_customer(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push, fakes: Any
) -> None:
    harbour, mill = fakes(FakeNtfy(topic="harbour")), fakes(FakeNtfy(topic="mill"))
    push.add("harbour", "ntfy", {"url": harbour.url}, Filters(sites=frozenset({"Harbour St 4"})))
    push.add("mill", "ntfy", {"url": mill.url}, Filters(sites=frozenset({"Mill Lane"})))
    registry = CameraRegistry(aws.dynamodb, aws.cameras_table)
    aws.register()
    registry.set_site(VUID, "Harbour St 4")
    aws.register("OKB0379853SNLJ", name="Yard")
    registry.set_site("OKB0379853SNLJ", "Mill Lane")
    Camera(functions).alarm()
    Camera(functions, "OKB0379853SNLJ").alarm(picture=JPEG + b"yard")
    pipeline.flush()
    push.deliver()

    assert [r.headers["title"] for r in harbour.received] == [
        "Motion detection alarm: Front door (VE0005622QHOW)"
    ]
    assert [r.headers["title"] for r in mill.received] == [
        "Motion detection alarm: Yard (OKB0379853SNLJ)"
    ]


def test_quiet_hours_hold_back_motion_but_not_fire(
    aws: Aws,
    functions: LoadFunction,
    pipeline: Pipeline,
    push: Push,
    fakes: Any,
    logs: LogCapture,
) -> None:
    """Quiet all day long (00:00-23:59 UTC): only the urgent types go through, and the motion
    alarm held back is one log line naming the camera, the destination and the end."""
    from vstarcam_push.models.destination import QuietHours

    ntfy = fakes(FakeNtfy())
    quiet = Filters(quiet_hours=QuietHours.parse("00:00-23:59", "UTC"))
    push.add("night", "ntfy", {"url": ntfy.url}, quiet)
    aws.register()
    camera = Camera(functions)
    now = time.gmtime()
    if now.tm_hour == 23 and now.tm_min == 59:
        time.sleep(61)  # the one minute of the day outside these quiet hours
    camera.alarm()
    camera.alarm(alarm_type="0x6d", picture=JPEG + b"fire")
    logs.attach("notify")
    pipeline.flush()
    push.deliver()

    assert [r.headers["priority"] for r in ntfy.received] == ["5"]
    assert "0x6d" in URGENT_TYPES
    (held,) = [line for line in logs.lines() if line.get("reason") == "quiet_hours"]
    assert held["message"] == "push held back by quiet hours"
    assert held["vuid"] == VUID and held["destination"] == "night"
    assert held["until"] == time.strftime("%Y-%m-%d 23:59:00 UTC", now)
    assert held["notice"].startswith(f"HELD  alarm    {VUID}    -> night  not sent: quiet hours")


def test_outage_of_one_channel_never_doubles_the_others_and_it_gets_each_event_once_after(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push, fakes: Any
) -> None:
    """GIVEN ntfy and a webhook that work and a Telegram server that answers 503
    WHEN two alarms and an offline event are notified, the deliveries retried for a while,
    and the stream redelivers the same records (as after a notifier failure)
    THEN ntfy and the webhook receive each event exactly once; Telegram none yet;
    and once Telegram recovers it receives each event exactly once; nothing is dead-lettered."""
    ntfy, telegram = fakes(FakeNtfy()), fakes(FakeTelegram())
    hook = fakes(FakeWebhookReceiver(SIGNING_SECRET))
    telegram.down = True
    push.add("lan-ntfy", "ntfy", {"url": ntfy.url})
    push.add(
        "phone", "telegram", telegram_secrets(telegram), chat_id="4242", api_url=telegram.base_url
    )
    push.add("home-assistant", "webhook", {"url": hook.url, "signing_secret": SIGNING_SECRET})
    aws.register()
    camera = Camera(functions)
    camera.alarm()
    camera.alarm(alarm_type="38", picture=JPEG + b"smoke")
    records = pipeline.selected()
    camera.go_offline()
    records += pipeline.selected()
    assert len(records) == 3

    pipeline.deliver(records)
    push.deliver(rounds=6)
    pipeline.deliver(records)  # the stream's redelivery: the same three events again
    push.deliver(rounds=6)

    assert telegram.attempts >= 6 and telegram.received == []
    assert len(ntfy.received) == 3
    assert len({r.headers["webhook-id"] for r in hook.received}) == 3 == len(hook.received)

    telegram.down = False
    push.deliver()

    assert len(telegram.received) == 3
    sent = sorted(r.path.rsplit("/", 1)[1] for r in telegram.received)
    assert sent == ["sendMessage", "sendPhoto", "sendPhoto"]
    assert len(ntfy.received) == 3 and len(hook.received) == 3
    assert push.queued() == 0 and push.dead_letters() == []


def test_a_bad_token_gives_up_at_once_tells_the_owner_and_is_not_retried(
    aws: Aws,
    functions: LoadFunction,
    pipeline: Pipeline,
    push: Push,
    fakes: Any,
    logs: LogCapture,
) -> None:
    """GIVEN a Telegram destination whose bot token is wrong, and a working ntfy
    WHEN an alarm is notified
    THEN Telegram is tried once (401); the operations topic (the owner's email) and a dead
    letter name the destination and the reason; the destination notes the failure for
    `notify list`; ntfy gets the alarm; and the bad token appears in no log line, message,
    dead letter or stored note."""
    ntfy, telegram = fakes(FakeNtfy()), fakes(FakeTelegram())
    bad_token = "999999:wrong-token-value"
    push.add("lan-ntfy", "ntfy", {"url": ntfy.url})
    push.add("phone", "telegram", {"token": bad_token}, chat_id="4242", api_url=telegram.base_url)
    logs.attach("delivery")
    aws.register()
    Camera(functions).alarm()
    pipeline.flush()
    push.deliver()

    assert telegram.attempts == 1 and telegram.received == []
    assert len(ntfy.received) == 1
    (letter,) = push.dead_letters()
    failed = letter["pushDeliveryFailed"]
    assert failed["destination"] == "phone" and failed["channel"] == "telegram"
    assert failed["attempts"] == 1 and "401" in failed["reason"]
    noted = push.destinations.get("phone")
    assert noted is not None and "Unauthorized" in noted.last_error
    lines = [json.dumps(line) for line in logs.lines()]
    assert any("push gave up" in line and '"destination": "phone"' in line for line in lines)
    (told,) = push.told()
    assert told["subject"] == "VStarcam push: push destination phone gave up"
    assert told["message"].startswith(
        f"Push destination 'phone' (telegram) gave up on the alarm of camera {VUID} after "
        "1 attempt(s): telegram answered 401"
    )
    for text in [*lines, json.dumps(letter), noted.last_error, json.dumps(told)]:
        assert bad_token not in text
    assert push.queued() == 0
    # One outcome per attempt, said once: the 401 is a give-up, never also "delivered".
    assert notices(logs, "phone") == [
        f"PUSH  alarm    {VUID}    -> phone  gave up: telegram answered 401: Unauthorized "
        "(the owner is told; 'vstarcam-push notify list' shows it)"
    ]
    assert notices(logs, "lan-ntfy") == [f"PUSH  alarm    {VUID}    -> lan-ntfy  delivered"]


def notices(logs: LogCapture, destination: str) -> list[str]:
    """What the delivery function said for people about one destination, in order."""
    return [
        line["notice"]
        for line in logs.lines()
        if line.get("destination") == destination and "notice" in line
    ]


def test_each_retry_says_why_and_notify_list_shows_the_error_from_the_first_failure(
    aws: Aws,
    functions: LoadFunction,
    pipeline: Pipeline,
    push: Push,
    fakes: Any,
    logs: LogCapture,
) -> None:
    """GIVEN a Telegram destination whose server answers 503, and a ntfy destination whose
    server refuses connections, with the real retry schedule
    WHEN an alarm's first delivery attempts fail
    THEN each attempt is one log line giving the reason (the status and the service's text,
    or "connection refused", never a timeout) and the retry's delay; each destination
    notes the error and its time at once (what `notify list` shows), with no secret."""
    telegram = fakes(FakeTelegram())
    telegram.down = True
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refusing = f"http://127.0.0.1:{closed.getsockname()[1]}/alarms"
    closed.close()
    push.delivery.deliverer.retry = RetryPolicy()
    push.add(
        "phone", "telegram", telegram_secrets(telegram), chat_id="4242", api_url=telegram.base_url
    )
    push.add("lan-ntfy", "ntfy", {"url": refusing})
    logs.attach("delivery")
    aws.register()
    Camera(functions).alarm()
    pipeline.flush()
    before = int(time.time())
    push.deliver(rounds=2)

    assert telegram.attempts == 1
    assert notices(logs, "phone") == [
        f"PUSH  alarm    {VUID}    -> phone  failed, will retry in 30 s (attempt 1): "
        "telegram answered 503"
    ]
    assert notices(logs, "lan-ntfy") == [
        f"PUSH  alarm    {VUID}    -> lan-ntfy  failed, will retry in 30 s (attempt 1): "
        "ntfy: no answer (connection refused by 127.0.0.1)"
    ]
    (retry,) = [line for line in logs.lines() if line.get("destination") == "phone"]
    assert retry["message"] == "push failed, will retry" and retry["level"] == "WARNING"
    assert retry["detail"] == "telegram answered 503"
    phone, ntfy = push.destinations.get("phone"), push.destinations.get("lan-ntfy")
    assert phone is not None and ntfy is not None
    assert phone.last_error == "telegram answered 503"
    assert ntfy.last_error == "ntfy: no answer (connection refused by 127.0.0.1)"
    assert before <= phone.last_error_at <= int(time.time())
    for text in [json.dumps(logs.lines()), phone.last_error]:
        assert telegram.token not in text
    assert push.dead_letters() == []


def test_a_destination_still_failing_after_its_last_attempt_is_dead_lettered(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push, fakes: Any
) -> None:
    telegram = fakes(FakeTelegram())
    telegram.down = True
    push.delivery.deliverer.retry = RetryPolicy(first_delay_s=0, max_delay_s=0, max_attempts=4)
    push.add(
        "phone", "telegram", telegram_secrets(telegram), chat_id="4242", api_url=telegram.base_url
    )
    aws.register()
    Camera(functions).alarm()
    pipeline.flush()
    push.deliver()

    assert telegram.attempts == 4
    (letter,) = push.dead_letters()
    assert "still failing after 4 attempts" in letter["pushDeliveryFailed"]["reason"]
    assert push.queued() == 0


def test_backoff_doubles_to_fifteen_minutes_for_about_six_hours() -> None:
    policy = RetryPolicy()
    assert [policy.delay(n) for n in range(1, 8)] == [30, 60, 120, 240, 480, 900, 900]
    assert policy.delay(1, retry_after=120) == 120  # a service's Retry-After is honoured
    assert 5 * 3600 <= policy.window_s() <= 7 * 3600


def test_a_failed_delivery_waits_its_backoff_in_a_one_time_schedule(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push, fakes: Any
) -> None:
    """With the real backoff the next attempt is one schedule in the stack's group, 30 s
    after the first failure: the same delivery as attempt 2, run as the scheduler role,
    deleted once it fired, its hand-over failures to the dead-letter queue."""
    telegram = fakes(FakeTelegram())
    telegram.down = True
    push.delivery.deliverer.retry = RetryPolicy()
    push.add(
        "phone", "telegram", telegram_secrets(telegram), chat_id="4242", api_url=telegram.base_url
    )
    aws.register()
    Camera(functions).alarm()
    pipeline.flush()
    started = int(time.time())
    push.deliver()

    assert telegram.attempts == 1
    (schedule,) = push.path.waiting()
    due = schedule["ScheduleExpression"]
    assert due in {
        time.strftime("at(%Y-%m-%dT%H:%M:%S)", time.gmtime(started + 30 + n))
        for n in range(int(time.time()) - started + 1)
    }
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    target = schedule["Target"]
    (handed,) = push.path.handed_over
    assert json.loads(target["Input"]) == {**handed, "attempt": 2}
    stack = push.stack
    assert target["RoleArn"] == stack.get_att("DeliverySchedulerRole", "Arn")
    assert target["DeadLetterConfig"] == {"Arn": stack.get_att("NotifyDeadLetterQueue", "Arn")}
    # Due in 30 s: the next attempt comes then, not before.
    push.deliver()
    assert telegram.attempts == 1
    telegram.down = False
    push.deliver(ahead_s=31)
    assert len(telegram.received) == 1 and push.queued() == 0


def test_a_destination_down_longer_than_the_old_queues_visibility_window_gets_it_once(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push, fakes: Any
) -> None:
    """GIVEN a webhook that is down, the real backoff, and a working ntfy
    WHEN its attempts fail for over 7 minutes of backoff (30+60+120+240 s: longer than the
    queue-based design's 180 s visibility timeout) and it comes back
    THEN a later schedule delivers the alarm to it exactly once, ntfy got it once at the
    first attempt, and no schedule is left."""
    ntfy, hook = fakes(FakeNtfy()), fakes(FakeWebhookReceiver(SIGNING_SECRET))
    hook.down = True
    push.delivery.deliverer.retry = RetryPolicy()
    push.add("lan-ntfy", "ntfy", {"url": ntfy.url})
    push.add("home-assistant", "webhook", {"url": hook.url, "signing_secret": SIGNING_SECRET})
    aws.register()
    Camera(functions).alarm()
    pipeline.flush()
    push.deliver()
    ahead = 0
    for backoff in (30, 60, 120, 240):
        ahead += backoff + 1
        push.deliver(ahead_s=ahead)
    assert hook.attempts == 5 and hook.received == []
    assert ahead > 180

    hook.down = False
    push.deliver(ahead_s=ahead + 481)

    assert len(hook.received) == 1 and len(ntfy.received) == 1
    assert push.queued() == 0 and push.dead_letters() == [] and push.path.failed == []


def test_duplicate_invocations_send_once(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push, fakes: Any
) -> None:
    """GIVEN the notifier's invocation handed over twice more (Lambda's asynchronous queue
    and Scheduler are at least once), before and after the first ran
    THEN the webhook receives the alarm once; the duplicates say so and send nothing."""
    hook = webhook(push, fakes)
    aws.register()
    alarm(functions, pipeline)
    (handed,) = push.path.handed_over
    push.path.pending.append(dict(handed))
    push.deliver()
    push.path.pending.append(dict(handed))
    push.deliver()

    assert len(hook.received) == 1
    assert push.queued() == 0 and push.path.failed == []


def test_a_duplicate_retry_schedules_the_next_attempt_once(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push, fakes: Any
) -> None:
    """Two invocations of the same failing attempt create one schedule, not two chains."""
    telegram = fakes(FakeTelegram())
    telegram.down = True
    push.delivery.deliverer.retry = RetryPolicy()
    push.add(
        "phone", "telegram", telegram_secrets(telegram), chat_id="4242", api_url=telegram.base_url
    )
    aws.register()
    Camera(functions).alarm()
    pipeline.flush()
    (handed,) = push.path.handed_over
    push.path.pending.append(dict(handed))
    push.deliver()

    assert telegram.attempts == 2
    assert len(push.path.waiting()) == 1


def test_a_picture_over_the_channels_limit_sends_the_thumbnail_or_else_the_link(
    aws: Aws,
    functions: LoadFunction,
    pipeline: Pipeline,
    push: Push,
    fakes: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN ntfy with an upload limit below the picture's size
    WHEN an alarm has a thumbnail from media processing (thumbnailKey on the alarm item)
    THEN the thumbnail is uploaded; WHEN another has none THEN the alarm text goes with a
    Click link to the picture instead."""
    ntfy = fakes(FakeNtfy())
    small = replace(channels_package.CHANNELS["ntfy"], upload_limit=len(JPEG) - 1)
    monkeypatch.setitem(channels_package.CHANNELS, "ntfy", small)
    push.add("lan-ntfy", "ntfy", {"url": ntfy.url})
    aws.register()
    camera = Camera(functions)
    camera.alarm()
    (stored,) = aws.alarms()
    thumbnail = b"\xff\xd8\xff\xe0thumbnail\xff\xd9"
    key = stored["pictureKey"]["S"].replace(".jpg", "-thumb.jpg")
    aws.s3.put_object(Bucket=aws.bucket, Key=key, Body=thumbnail, ContentType="image/jpeg")
    aws.dynamodb.update_item(
        TableName=aws.alarms_table,
        Key={"vuid": stored["vuid"], "alarmId": stored["alarmId"]},
        UpdateExpression="SET thumbnailKey = :k, thumbnailContentType = :t, thumbnailSize = :s",
        ExpressionAttributeValues={
            ":k": {"S": key},
            ":t": {"S": "image/jpeg"},
            ":s": {"N": str(len(thumbnail))},
        },
    )
    pipeline.flush()
    push.deliver()
    camera.alarm(alarm_type="38", picture=JPEG + b"-no-thumbnail")
    pipeline.flush()
    push.deliver()

    with_thumbnail, without = ntfy.received
    assert with_thumbnail.body == thumbnail
    assert with_thumbnail.headers["filename"].endswith("-thumbnail.jpg")
    assert without.method == "POST" and "filename" not in without.headers
    assert "/picture?token=" in without.headers["click"]


def test_a_removed_destination_gets_nothing_more(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push, fakes: Any
) -> None:
    ntfy = fakes(FakeNtfy())
    push.add("lan-ntfy", "ntfy", {"url": ntfy.url})
    aws.register()
    Camera(functions).alarm()
    pipeline.flush()
    push.destinations.remove("lan-ntfy")
    push.deliver()
    assert ntfy.attempts == 0 and push.queued() == 0 and push.dead_letters() == []


def test_no_destination_no_queue_message(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push
) -> None:
    aws.register()
    Camera(functions).alarm()
    pipeline.flush()
    assert push.queued() == 0 and len(aws.published()) == 1


def test_a_stack_without_push_channels_notifies_by_email_and_reads_no_destination(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push, monkeypatch: Any
) -> None:
    """GIVEN a stack deployed with PushChannels=false (the notifier's DELIVERY_FUNCTION is
    empty) and a destination left in its table
    WHEN an alarm reaches the notifier
    THEN SNS publishes it as ever, nothing is invoked and the destinations are not read."""
    push.add("left-over", "ntfy", {"url": "http://127.0.0.1:9/never"})
    aws.register()
    pipeline.notify = functions("NotifyFunction", DELIVERY_FUNCTION="")
    calls: list[str] = []
    client = pipeline.notify.dynamodb
    original = client._make_api_call

    def spy(operation: str, params: dict[str, Any]) -> Any:
        calls.append(f"{operation}:{params.get('TableName', '')}")
        return original(operation, params)

    monkeypatch.setattr(client, "_make_api_call", spy)

    Camera(functions).alarm()
    pipeline.flush()

    assert len(aws.published()) == 1
    assert push.queued() == 0
    assert not [call for call in calls if call.startswith("Scan")]
    assert calls, "the notifier's client was not the one spied on"


# -- claims and links (found by mutation testing, docs/testing.md) -----------------


def queued_delivery_id(push: Push) -> str:
    """The one handed-over delivery's id, before it runs."""
    (handed,) = push.path.pending
    return str(handed["deliveryId"])


def claim_item(push: Push, delivery: str) -> dict[str, Any] | None:
    deliveries = push.delivery.deliverer.deliveries
    return (
        boto3.client("dynamodb", region_name=REGION)
        .get_item(
            TableName=deliveries.table, Key={"deliveryId": {"S": delivery}}, ConsistentRead=True
        )
        .get("Item")
    )


def webhook(push: Push, fakes: Any) -> FakeWebhookReceiver:
    hook = fakes(FakeWebhookReceiver(SIGNING_SECRET))
    push.add("home-assistant", "webhook", {"url": hook.url, "signing_secret": SIGNING_SECRET})
    return hook


def alarm(functions: LoadFunction, pipeline: Pipeline, video: bytes | None = None) -> None:
    reply = reply_of(invoke(functions("AlarmFunction"), alarm_event(picture=JPEG, video=video)))
    assert reply["code"] == "200"
    pipeline.flush()


def test_a_delivery_another_invocation_is_sending_is_not_sent_again(
    aws: Aws,
    functions: LoadFunction,
    pipeline: Pipeline,
    push: Push,
    fakes: Any,
) -> None:
    """GIVEN a delivery that another invocation has claimed (its lease running)
    WHEN it is invoked again
    THEN nothing is sent: one schedule looks at it again after the lease."""
    hook = webhook(push, fakes)
    aws.register()
    alarm(functions, pipeline)
    delivery = queued_delivery_id(push)
    deliveries = push.delivery.deliverer.deliveries
    assert deliveries.claim(delivery, int(time.time()), 300) == "claimed"

    push.deliver(rounds=3)

    assert hook.received == []
    (later,) = push.path.waiting()
    assert json.loads(later["Target"]["Input"])["attempt"] == 1
    assert deliveries.claim(delivery, int(time.time()), 300) == "busy"


def test_an_unexpected_failure_gives_the_claim_back_for_the_retry(
    aws: Aws,
    functions: LoadFunction,
    pipeline: Pipeline,
    push: Push,
    fakes: Any,
    monkeypatch: pytest.MonkeyPatch,
    logs: LogCapture,
) -> None:
    """GIVEN a delivery whose attempt fails with an error nobody planned for, whose message
    quotes a URL with a secret in it (as urllib3's and http.client's do)
    WHEN the invocation fails (and Lambda's two retries of it)
    THEN its claim is released each time, so a retry sends it at once, not after the lease;
    and the invocation fails, which Lambda retries and then reports to the owner: with the
    error's kind and the destination, never its message."""
    webhook(push, fakes)
    aws.register()
    alarm(functions, pipeline)
    delivery = queued_delivery_id(push)
    secret_url = "https://api.telegram.org/bot123456:AAE-secret-bot-token/sendPhoto"

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError(f"unplanned, talking to {secret_url}")

    monkeypatch.setattr(push.delivery.deliverer.sender, "attempt", broken)
    logs.attach("delivery")
    push.deliver(rounds=1)

    assert claim_item(push, delivery) is None
    deliveries = push.delivery.deliverer.deliveries
    assert deliveries.claim(delivery, int(time.time()), 300) == "claimed"
    ((_, error),) = push.path.failed
    assert str(error) == ("the push delivery to 'home-assistant' failed unexpectedly: RuntimeError")
    # Where it happened is kept: the traceback reaches the frame that raised.
    assert error.__traceback__ is not None
    frames = [frame.name for frame in traceback.extract_tb(error.__traceback__)]
    assert frames[-1] == "broken"
    assert not [line for line in logs.lines() if "notice" in line]
    (record,) = push.path.failure_records
    assert "AAE-secret-bot-token" not in json.dumps(record)
    # The owner is told in one sentence, not Lambda's record; the doctor counts it.
    (told,) = push.told()
    assert told["subject"] == "VStarcam push: the push to home-assistant failed"
    assert told["message"] == (
        f"The alarm of camera {VUID} did not reach push destination 'home-assistant': "
        "3 attempt(s) failed: the push delivery to 'home-assistant' failed unexpectedly: "
        "RuntimeError. The delivery function's log says more; 'vstarcam-push doctor' "
        "counts it."
    )
    (letter,) = push.dead_letters()
    assert letter["pushDeliveryFailed"]["destination"] == "home-assistant"
    assert "AAE-secret-bot-token" not in json.dumps(letter)


def test_an_alarm_with_a_video_links_the_picture_and_the_video(
    aws: Aws,
    functions: LoadFunction,
    pipeline: Pipeline,
    push: Push,
    fakes: Any,
) -> None:
    hook = webhook(push, fakes)
    aws.register()

    alarm(functions, pipeline, video=MP4)
    push.deliver()

    (hooked,) = hook.received
    links = hooked.json()["data"]["links"]
    (stored,) = aws.alarms()
    alarm_id, token = stored["alarmId"]["S"], stored["linkToken"]["S"]
    assert links["picture"].endswith(f"/alarms/{alarm_id}/picture?token={token}")
    assert links["video"].endswith(f"/alarms/{alarm_id}/video?token={token}")


def _webhook_and_telegram_down(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push, fakes: Any
) -> Any:
    """A webhook and a Telegram that is down, then one alarm of the registered camera
    notified: the webhook's fake is returned."""
    hook, telegram = webhook(push, fakes), fakes(FakeTelegram())
    telegram.down = True
    push.add(
        "phone", "telegram", telegram_secrets(telegram), chat_id="4242", api_url=telegram.base_url
    )
    aws.register()
    alarm(functions, pipeline)
    return hook


def test_delivery_documents_carry_no_media_link_and_the_links_still_work(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push, fakes: Any
) -> None:
    """GIVEN a webhook and a Telegram that is down
    WHEN an alarm with a media link is notified
    THEN no delivery document (what Lambda's on-failure record and a retry schedule's input
    carry) holds the link's token, yet the webhook's links carry it: the delivery
    function read it from the stored alarm."""
    hook = _webhook_and_telegram_down(aws, functions, pipeline, push, fakes)
    push.deliver(rounds=1)

    (stored,) = aws.alarms()
    token = stored["linkToken"]["S"]
    (hooked,) = hook.received
    assert hooked.json()["data"]["links"]["picture"].endswith(f"?token={token}")
    (later,) = push.path.waiting()
    documents = [*push.path.handed_over, json.loads(later["Target"]["Input"])]
    assert len(documents) == 3
    for document in documents:
        assert token not in json.dumps(document)
        assert "link_token" not in document["event"]


def test_a_retry_in_flight_across_the_update_goes_on_without_its_token(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push, fakes: Any
) -> None:
    """GIVEN deliveries whose documents hold the media link token (as the notifier wrote
    them before this change: retries in flight across the update), to a webhook and to a
    Telegram that is down
    WHEN they are invoked
    THEN the webhook gets its alarm with the links, and Telegram's next attempt is scheduled
    with a document that no longer holds the token."""
    hook = _webhook_and_telegram_down(aws, functions, pipeline, push, fakes)
    (stored,) = aws.alarms()
    token, expires = stored["linkToken"]["S"], int(stored["linkExpiresAt"]["N"])
    link = {"link_token": token, "link_expires_at": expires}
    old_shape = [
        {**document, "event": {**document["event"], **link}} for document in push.path.pending
    ]
    push.path.pending = old_shape
    push.deliver(rounds=1)

    (hooked,) = hook.received
    assert hooked.json()["data"]["links"]["picture"].endswith(f"?token={token}")
    (later,) = push.path.waiting()
    retry = json.loads(later["Target"]["Input"])
    assert retry["destination"] == "phone" and retry["attempt"] == 2
    assert token not in json.dumps(retry)


# -- an update from the queue-based design -------------------------------------------


def old_queue_messages(push: Push, documents: list[dict[str, Any]], receives: int) -> str:
    """Deliveries as the queue-based notifier queued them, each received ``receives``
    times; returns the queue's URL."""
    sqs = boto3.client("sqs", region_name=REGION)
    url = push.stack.physical_name("DeliveryQueue")
    for document in documents:
        body = {key: value for key, value in document.items() if key != "attempt"}
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))
    for _ in range(receives):
        got = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0, MaxNumberOfMessages=10)
        assert len(got["Messages"]) == len(documents)
    return url


def test_an_update_drains_the_old_queues_retries_into_the_new_path(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push, fakes: Any
) -> None:
    """GIVEN two retries in the old delivery queue (received 3 times each, as a stack updated
    from the queue-based design leaves them), one to a working webhook and one to a
    Telegram that is down
    WHEN the drain's scheduled run comes (an EventBridge rule's event)
    THEN the webhook gets its alarm once, Telegram's delivery goes on as attempt 4 in a
    one-time schedule, and the queue is empty."""
    hook, telegram = webhook(push, fakes), fakes(FakeTelegram())
    telegram.down = True
    push.delivery.deliverer.retry = RetryPolicy()
    push.add(
        "phone", "telegram", telegram_secrets(telegram), chat_id="4242", api_url=telegram.base_url
    )
    aws.register()
    alarm(functions, pipeline)
    handed, push.path.pending = push.path.pending, []
    assert sorted(d["destination"] for d in handed) == ["home-assistant", "phone"]
    url = old_queue_messages(push, handed, receives=3)

    rule = "arn:aws:events:us-east-1:123456789012:rule/drain"
    answer = invoke(push.delivery, scheduled_event(rule))

    assert answer == {"drained": 2, "failed": 0}
    assert len(hook.received) == 1 and telegram.attempts == 1
    (later,) = push.path.waiting()
    retry = json.loads(later["Target"]["Input"])
    assert retry["destination"] == "phone" and retry["attempt"] == 5
    sqs = boto3.client("sqs", region_name=REGION)
    assert sqs.receive_message(QueueUrl=url, VisibilityTimeout=0).get("Messages", []) == []
    # An empty queue: one short receive, nothing else.
    assert invoke(push.delivery, scheduled_event(rule)) == {"drained": 0, "failed": 0}
