"""Web push end to end in moto: a browser subscribes through the console API, the camera's
alarm goes through the real alarm, notify and delivery handlers, and a fake push service on
127.0.0.1 receives it; the test decrypts it with the browser's private key.

What is proved: the push is RFC 8291 ``aes128gcm`` to the subscription's keys and RFC 8292
VAPID-signed (aud, exp, sub), the payload is the one the service worker reads (camera,
alarm type in words, time, severity, the thumbnail link, a tap's URL, action tokens) and
well under 4 KB; a 404/410 removes the device and its secrets; a 5xx is retried and then
delivered once; offline and back-online notices are pushed; the deployed configuration
refuses loopback, private and metadata endpoints at subscribe and at send (a name that
resolves inside too); a viewer's device only gets their sites' cameras, checked again at
send; a notification's actions mark the alarm reviewed and snooze the camera, once, and
nothing else."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import pytest
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.console_users import ConsoleUsers
from vstarcam_push.dal.destinations import DestinationStore
from vstarcam_push.delivery.channels import ChannelRequest
from vstarcam_push.delivery.channels.transport import pool, send
from vstarcam_push.delivery.deliverer import RetryPolicy
from vstarcam_push.models.access import ADMIN, VIEWER, Access
from vstarcam_push.models.action_tokens import ActionToken, derive_key
from vstarcam_push.models.web_push import b64url_decode
from vstarcam_tools.events import LambdaContext
from vstarcam_tools.template import Stack

from tests.conftest import REGION, VUID, alarm_event, heartbeat_event, invoke, reply_of
from tests.console.conftest import api_event
from tests.integration.conftest import Aws, DeliveryPath, LoadFunction, Pipeline
from tests.web_push_fakes import FakeBrowser, FakePushService

ADMIN_USER = "owner@example.com"
VIEWER_USER = "ann@example.com"
SHOP = "VE0000009SHOP"
SWEEP_EVENT = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}


def claims(user: str, *groups: str) -> dict[str, Any]:
    """A verified access token's claims as API Gateway hands them over (a list as text)."""
    return {"sub": f"sub-{user}", "username": user, "cognito:groups": f"[{' '.join(groups)}]"}


OWNER = claims(ADMIN_USER, ADMIN)
ANN = claims(VIEWER_USER, VIEWER, "site:Home")


@dataclass
class Web:
    stack: Stack
    console: ModuleType
    delivery: ModuleType
    path: DeliveryPath
    service: FakePushService
    users: ConsoleUsers
    registry: CameraRegistry

    def call(self, route: str, who: dict[str, Any] | None, **kwargs: Any) -> tuple[int, Any]:
        event = api_event(route, claims=who or {}, **kwargs)
        if who is None:  # no authorizer on the route: no claims at all
            del event["requestContext"]["authorizer"]
        reply = self.console.lambda_handler(event, LambdaContext(aws_request_id="r"))
        return reply["statusCode"], json.loads(reply["body"])

    def subscribe(self, browser: FakeBrowser, who: dict[str, Any], **document: Any) -> Any:
        status, body = self.call(
            "POST /api/push/devices",
            who,
            body={"subscription": browser.subscription(), "name": "Phone", **document},
        )
        assert status == 201, body
        return body["device"]

    def devices(self, who: dict[str, Any]) -> list[str]:
        status, body = self.call("GET /api/push/devices", who)
        assert status == 200
        return [device["id"] for device in body["devices"]]

    def deliver(self, rounds: int = 10) -> None:
        self.path.run(rounds=rounds)

    def pushes(self, browser: FakeBrowser) -> list[dict[str, Any]]:
        """What reached ``browser``, decrypted with its private key."""
        path = browser.endpoint.removeprefix(self.service.base_url)
        return [browser.decrypt(r.body) for r in self.service.received if r.path == path]

    def dead_letters(self) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs", region_name=REGION)
        url = self.stack.physical_name("NotifyDeadLetterQueue")
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    def action(self, token: str) -> tuple[int, Any]:
        return self.call("POST /api/push/action", None, body={"token": token})


@pytest.fixture
def service() -> Iterator[FakePushService]:
    fake = FakePushService().start()
    yield fake
    fake.stop()


def web_push(
    stack: Stack,
    aws: Aws,
    functions: LoadFunction,
    pipeline: Pipeline,
    service: FakePushService,
    loopback: bool,
) -> Web:
    local = {"WEB_PUSH_ALLOW_LOOPBACK": "true"} if loopback else {}
    console = functions("ConsoleApiFunction", **local)
    delivery = functions("DeliveryFunction", **local)
    delivery.deliverer.retry = RetryPolicy(first_delay_s=0, max_delay_s=0, max_attempts=50)
    # The notifier's and the console's asynchronous invocations run in process.
    path = DeliveryPath(stack, delivery)
    path.attach(pipeline.notify.notifier.push._lambda)
    push = console.api.push
    push._lambda = boto3.client("lambda", region_name=REGION)
    path.attach(push._lambda)
    users = ConsoleUsers(
        boto3.client("cognito-idp", region_name=REGION), stack.physical_name("ConsoleUserPool")
    )
    users.add(ADMIN_USER, Access(ADMIN_USER, ADMIN))
    users.add(VIEWER_USER, Access(VIEWER_USER, VIEWER, frozenset({"Home"})))
    aws.register()
    aws.register(SHOP, "Till")
    registry = CameraRegistry(aws.dynamodb, aws.cameras_table)
    registry.set_site(VUID, "Home")
    registry.set_site(SHOP, "Shop")
    return Web(
        stack=stack,
        console=console,
        delivery=delivery,
        path=path,
        service=service,
        users=users,
        registry=registry,
    )


@pytest.fixture
def web(
    stack: Stack, aws: Aws, functions: LoadFunction, pipeline: Pipeline, service: FakePushService
) -> Web:
    """The local stack's configuration: loopback endpoints allowed (the fake service)."""
    return web_push(stack, aws, functions, pipeline, service, loopback=True)


@pytest.fixture
def deployed(
    stack: Stack, aws: Aws, functions: LoadFunction, pipeline: Pipeline, service: FakePushService
) -> Web:
    """The deployed template's configuration, as it is: no loopback."""
    return web_push(stack, aws, functions, pipeline, service, loopback=False)


def alarm(functions: LoadFunction, vuid: str = VUID, alarm_type: str = "18") -> None:
    event = alarm_event(vuid=vuid, alarm_type=alarm_type)
    assert reply_of(invoke(functions("AlarmFunction"), event))["code"] == "200"


def test_an_alarm_reaches_the_browser_encrypted_signed_and_as_the_service_worker_reads_it(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, web: Web
) -> None:
    """GIVEN the owner's phone subscribed through the console
    WHEN the camera pushes a motion alarm
    THEN the push service gets one aes128gcm push with TTL and Urgency, VAPID-signed for its
    origin by the stack's key (the console's public key), which the phone decrypts to the
    payload: camera and alarm type in words, the time, the severity, the thumbnail's https
    link, the alarm's console URL and the two actions; well under 4 KB."""
    browser = web.service.browser()
    device = web.subscribe(browser, OWNER)
    _, key = web.call("GET /api/push/key", OWNER)

    alarm(functions)
    pipeline.flush()
    web.deliver()

    (received,) = web.service.received
    (payload,) = web.pushes(browser)
    (stored,) = aws.alarms()
    alarm_id = stored["alarmId"]["S"]
    assert received.headers["content-encoding"] == "aes128gcm"
    assert received.headers["ttl"] == "21600" and received.headers["urgency"] == "normal"
    vapid = web.service.claims(received)
    assert vapid.key == key["publicKey"]
    assert vapid.aud == web.service.base_url
    assert vapid.sub.startswith("https://") and vapid.sub.endswith(".amazonaws.com")
    assert time.time() + 11 * 3600 < vapid.exp <= time.time() + 12 * 3600 + 5
    assert payload["v"] == 1 and payload["kind"] == "alarm"
    assert payload["title"] == "Front door: Motion detection alarm"
    assert payload["body"].startswith("Detection at ") and " UTC " in payload["body"]
    assert payload["severity"] == "detection"
    assert payload["image"].startswith("https://")
    assert payload["image"].endswith(
        f"/alarms/{alarm_id}/thumbnail?token={stored['linkToken']['S']}"
    )
    assert payload["url"].endswith(f"/#/alarms/{alarm_id}")
    assert (payload["alarmId"], payload["vuid"], payload["tag"]) == (
        alarm_id,
        VUID,
        f"alarm-{alarm_id}",
    )
    assert [(a["action"], a["title"]) for a in payload["actions"]] == [
        ("review", "Mark reviewed"),
        ("snooze", "Snooze this camera 1 h"),
    ]
    plain = json.dumps(payload, separators=(",", ":")).encode()
    assert len(plain) < 1500 and len(received.body) < 4096
    # The device is the owner's and nobody else's.
    assert web.devices(OWNER) == [device["id"]] and web.devices(ANN) == []


def test_an_alert_wakes_the_phone(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, web: Web
) -> None:
    browser = web.service.browser()
    web.subscribe(browser, OWNER, filters={"severities": ["alert"]})
    alarm(functions, alarm_type="18")  # motion: a detection, filtered out
    alarm(functions, alarm_type="38")  # smoke: an alert
    pipeline.flush()
    web.deliver()
    (received,) = web.service.received
    (payload,) = web.pushes(browser)
    assert payload["severity"] == "alert" and received.headers["urgency"] == "high"


def test_offline_and_back_online_are_pushed_with_a_topic(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, web: Web
) -> None:
    browser = web.service.browser()
    web.subscribe(browser, OWNER)
    heartbeat = functions("HeartbeatFunction")
    event = heartbeat_event({"vuid": VUID}, (int(time.time()) - 600) * 1000)
    assert reply_of(invoke(heartbeat, event))["code"] == "200"
    assert invoke(functions("OfflineSweepFunction"), SWEEP_EVENT)["markedOffline"] == [VUID]
    pipeline.flush()
    event = heartbeat_event({"vuid": VUID}, int(time.time()) * 1000)
    assert reply_of(invoke(heartbeat, event))["code"] == "200"
    pipeline.flush()
    web.deliver()

    offline, online = web.pushes(browser)
    assert (offline["kind"], offline["title"]) == ("offline", "Front door is offline")
    assert (online["kind"], online["title"]) == ("online", "Front door is back online")
    assert offline["url"].endswith("/#/cameras") and offline["severity"] is None
    assert [a["action"] for a in offline["actions"]] == ["snooze"]
    assert {r.headers["topic"] for r in web.service.received} == {f"status-{VUID}"}


def test_a_gone_subscription_removes_the_device_and_its_secrets(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, web: Web
) -> None:
    """GIVEN a device whose browser dropped its subscription (the service answers 410)
    WHEN an alarm is pushed to it
    THEN the device and its three secrets are removed, nothing is retried or dead-lettered."""
    browser = web.service.browser()
    device = web.subscribe(browser, OWNER)
    ssm = boto3.client("ssm", region_name=REGION)
    names = [f"/vstarcam-push/notify/{device['id']}/{f}" for f in ("auth", "endpoint", "p256dh")]
    assert len(ssm.get_parameters(Names=names)["Parameters"]) == 3
    web.service.status = 410

    alarm(functions)
    pipeline.flush()
    web.deliver()

    assert web.service.attempts == 1
    assert web.devices(OWNER) == []
    assert ssm.get_parameters(Names=names)["Parameters"] == []
    assert web.dead_letters() == []


def test_a_failing_push_service_is_retried_and_the_alarm_arrives_once(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, web: Web
) -> None:
    browser = web.service.browser()
    device = web.subscribe(browser, OWNER)
    web.service.status = 500
    alarm(functions)
    pipeline.flush()
    web.deliver(rounds=1)
    assert web.service.received == [] and web.service.attempts == 1
    _, body = web.call("GET /api/push/devices", OWNER)
    assert "500" in body["devices"][0]["lastError"]

    web.service.status = 201
    web.deliver()
    web.deliver()
    assert len(web.pushes(browser)) == 1
    assert web.devices(OWNER) == [device["id"]]


def test_a_test_notification_goes_the_same_way(web: Web) -> None:
    browser = web.service.browser()
    device = web.subscribe(browser, OWNER)
    status, body = web.call("POST /api/push/devices/{id}/test", OWNER, path={"id": device["id"]})
    assert (status, body) == (202, {"queued": True})
    web.deliver()
    (payload,) = web.pushes(browser)
    assert payload["kind"] == "test" and payload["actions"] == [] and payload["tag"] == "test"
    assert web.service.received[0].headers["urgency"] == "high"


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ({"subscription": None}, "subscription must be an object"),
        ({"subscription": "https://fcm.googleapis.com/x"}, "subscription must be an object"),
        ({"subscription": {"endpoint": "https://fcm.googleapis.com/x"}}, "keys"),
        ({"filters": {"events": ["motion"]}}, "'motion' is not one of alarm, offline, online"),
        ({"filters": {"severities": "alert"}}, "severities must be a list"),
        ({"filters": {"quietHours": "late"}}, "write them HH:MM-HH:MM"),
        ({"filters": {"timeZone": "Mars/Olympus"}}, "is not an IANA time zone"),
        ({"filters": {"colour": "red"}}, "unknown filter 'colour'"),
        ({"name": 7}, "name must be text"),
        ({"owner": "someone"}, "owner"),
    ],
)
def test_bad_devices_are_refused_with_a_400_that_says_why(
    web: Web, document: dict[str, Any], words: str
) -> None:
    body = {"subscription": web.service.browser().subscription(), **document}
    status, answer = web.call("POST /api/push/devices", OWNER, body=body)
    assert status == 400 and words in answer["message"], answer
    assert answer["code"] == "400" and web.devices(OWNER) == []


def test_a_device_is_patched_or_refused_and_is_only_its_owners(web: Web) -> None:
    device = web.subscribe(web.service.browser(), OWNER)
    path = {"id": device["id"]}
    assert web.call("PATCH /api/push/devices/{id}", OWNER, path=path, body={})[0] == 400
    status, body = web.call(
        "PATCH /api/push/devices/{id}",
        OWNER,
        path=path,
        body={"filters": {"quietHours": "22:00-07:00", "timeZone": "Europe/Paris"}},
    )
    assert status == 200 and body["device"]["filters"]["quietHours"] == "22:00-07:00"
    assert body["device"]["filters"]["timeZone"] == "Europe/Paris"
    for who in (ANN, OWNER):
        other = {"id": "webpush-00000000000000000000"} if who is OWNER else path
        assert web.call("DELETE /api/push/devices/{id}", who, path=other)[0] == 404
    assert web.call("DELETE /api/push/devices/{id}", OWNER, path={"id": "../x"})[0] == 404
    assert web.devices(OWNER) == [device["id"]]


# -- where the stack may send -----------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:8443/push/x",
        "https://127.0.0.1/push/x",
        "https://localhost/push/x",
        "https://10.1.2.3/push/x",
        "https://192.168.1.10/push/x",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/push/x",
        "https://[::1]/push/x",
        "https://[fd00::1]/push/x",
        "https://[::ffff:169.254.169.254]/push/x",
        "https://metadata/computeMetadata/v1/",
        "http://fcm.googleapis.com/fcm/send/x",
        "https://fcm.googleapis.com:8080/fcm/send/x",
    ],
)
def test_the_deployed_stack_refuses_endpoints_inside_the_network(
    deployed: Web, endpoint: str
) -> None:
    browser = FakeBrowser(endpoint)
    status, body = deployed.call(
        "POST /api/push/devices", OWNER, body={"subscription": browser.subscription()}
    )
    assert status == 400, body
    assert deployed.devices(OWNER) == []


def test_the_deployed_stack_sends_nowhere_a_name_resolves_to_inside(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, deployed: Web
) -> None:
    """GIVEN a device whose endpoint's name was public when it subscribed
    WHEN, at send time, the name resolves to a private address (DNS rebinding)
    THEN nothing is sent anywhere: the delivery gives up, says why, and is dead-lettered."""
    browser = FakeBrowser("https://push.example.net/push/abc")
    device = deployed.subscribe(browser, OWNER)
    resolved: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        resolved.append(f"{host}:{port}")
        return ["142.250.74.10", "10.0.0.7"]

    deployed.delivery.web_push.resolver = rebinding
    alarm(functions)
    pipeline.flush()
    deployed.deliver()

    assert resolved == ["push.example.net:443"]
    assert deployed.service.attempts == 0
    (dead,) = deployed.dead_letters()
    assert "10.0.0.7 is a private address" in json.dumps(dead)
    _, body = deployed.call("GET /api/push/devices", OWNER)
    assert "resolves inside (10.0.0.7" in body["devices"][0]["lastError"]
    assert device["id"] in deployed.devices(OWNER)


def test_the_deployed_delivery_refuses_a_loopback_device_the_local_stack_made(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, web: Web
) -> None:
    """A loopback device stored (by the local configuration) is never sent to by a
    delivery function configured as the template deploys it."""
    browser = web.service.browser()
    web.subscribe(browser, OWNER)
    web.delivery.web_push.allow_loopback = False
    alarm(functions)
    pipeline.flush()
    web.deliver()
    assert web.service.attempts == 0
    assert "the endpoint must be an https URL" in json.dumps(web.dead_letters())


def test_the_transport_connects_to_the_checked_address_not_to_what_dns_says() -> None:
    """A pinned request names a host DNS does not even know: it still reaches the checked
    address, with the name in its Host header."""
    fake = FakePushService().start()
    try:
        url = f"http://push.invalid:{fake.port}/push/pinned"
        answer = send(pool(), ChannelRequest("POST", url, {}, body=b"x", address="127.0.0.1"))
        assert answer.status == 400  # the fake refuses an unsigned push, but it was reached
        assert fake.attempts == 1
    finally:
        fake.stop()


# -- a viewer's device ------------------------------------------------------------------


def test_a_viewers_device_gets_only_their_sites_cameras_checked_again_at_send(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, web: Web
) -> None:
    """GIVEN a viewer of site Home who asks for every site
    THEN the device is kept to Home; the shop's alarm never reaches it; and once the
    viewer's sites are changed to Shop, Home's next alarm is dropped at send (their sites
    are read then, not when they subscribed), while the owner still gets both."""
    phone, owners = web.service.browser("ann"), web.service.browser("owner")
    device = web.subscribe(phone, ANN, filters={"sites": ["Home", "Shop"]})
    assert device["filters"]["sites"] == ["Home"]
    web.subscribe(owners, OWNER)

    alarm(functions, SHOP)
    alarm(functions, VUID)
    pipeline.flush()
    web.deliver()
    assert [p["vuid"] for p in web.pushes(phone)] == [VUID]

    web.users.set_access(VIEWER_USER, Access(VIEWER_USER, VIEWER, frozenset({"Shop"})))
    web.delivery.web_push.access_of = _fresh(web)
    alarm(functions, VUID, alarm_type="38")
    pipeline.flush()
    web.deliver()
    assert [p["vuid"] for p in web.pushes(phone)] == [VUID]
    assert sorted(p["vuid"] for p in web.pushes(owners)) == sorted([VUID, VUID, SHOP])
    assert web.dead_letters() == []


def test_a_removed_users_devices_go_at_their_next_push(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, web: Web
) -> None:
    phone = web.service.browser("ann")
    device = web.subscribe(phone, ANN)
    web.users.remove(VIEWER_USER)
    web.delivery.web_push.access_of = _fresh(web)
    alarm(functions)
    pipeline.flush()
    web.deliver()
    assert web.service.attempts == 0
    assert (
        DestinationStore(aws.dynamodb, web.stack.physical_name("DestinationsTable")).get(
            device["id"]
        )
        is None
    )
    assert web.dead_letters() == []


def _fresh(web: Web) -> Any:
    """The delivery's owner lookup without its minute of cache."""
    from vstarcam_push.delivery.channels.webpush import owners_access

    return owners_access(lambda: web.users, seconds=0)


def test_a_viewer_may_not_ask_for_another_sites_only(web: Web) -> None:
    status, body = web.call(
        "POST /api/push/devices",
        ANN,
        body={"subscription": web.service.browser().subscription(), "filters": {"sites": ["Shop"]}},
    )
    assert status == 400 and "none of those sites is yours" in body["message"]


# -- the notification's actions ---------------------------------------------------------


def delivered_actions(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, web: Web, who: dict[str, Any] = OWNER
) -> tuple[dict[str, str], str, str]:
    browser = web.service.browser()
    device = web.subscribe(browser, who)
    alarm(functions)
    pipeline.flush()
    web.deliver()
    (payload,) = web.pushes(browser)
    return {a["action"]: a["token"] for a in payload["actions"]}, payload["alarmId"], device["id"]


def test_the_actions_mark_reviewed_and_snooze_once_with_no_session(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, web: Web
) -> None:
    tokens, alarm_id, _ = delivered_actions(aws, functions, pipeline, web)

    assert web.action(tokens["review"]) == (200, {"done": "reviewed", "alarmId": alarm_id})
    (stored,) = aws.alarms()
    assert "reviewedAt" in stored and "unreviewed" not in stored
    status, body = web.action(tokens["snooze"])
    assert status == 200 and body["done"] == "snoozed" and body["vuid"] == VUID
    until = int(aws.camera()["snoozedUntil"]["N"])
    assert time.time() + 3500 < until <= time.time() + 3601 and until == body["until"]

    # A replay within the token's life changes nothing (the snooze is not pushed further).
    assert web.action(tokens["snooze"]) == (
        200,
        {"done": "snoozed", "vuid": VUID, "repeated": True},
    )
    assert int(aws.camera()["snoozedUntil"]["N"]) == until
    # Each use is in the audit trail, in the device owner's name.
    _, audit = web.call("GET /api/audit", OWNER)
    used = [(e["user"], e["action"], e["target"]) for e in audit["entries"]]
    assert (ADMIN_USER, "push.action", alarm_id) in used
    assert (ADMIN_USER, "push.action", VUID) in used


def test_an_action_token_does_exactly_its_one_thing(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, web: Web
) -> None:
    """A token altered to name another alarm, camera or action, or signed with another key,
    is refused (401); after it expires too; after its device is removed (403); and when its
    owner's sites no longer hold the camera (403). Nothing changes meanwhile."""
    tokens, alarm_id, device = delivered_actions(aws, functions, pipeline, web, who=ANN)
    review = tokens["review"]
    body, signature = review.split(".")
    claims_ = json.loads(b64url_decode(body))

    def altered(index: int, value: Any) -> str:
        changed = list(claims_)
        changed[index] = value
        from vstarcam_push.models.web_push import b64url

        return b64url(json.dumps(changed, separators=(",", ":")).encode()) + "." + signature

    other_alarm = alarm_id[:-1] + ("0" if alarm_id[-1] != "0" else "1")
    for token in (
        altered(2, other_alarm),
        altered(1, "snooze"),
        altered(2, SHOP),
        altered(5, claims_[5] + 3600),
        ActionToken("review", alarm_id, device, VIEWER_USER, claims_[5]).sign(b"k" * 32),
        "garbage",
    ):
        status, answer = web.action(token)
        assert status == 401, (token, answer)
    # Expired: the same token, an hour after its end.
    web.console.api._clock = lambda: claims_[5] + 1
    assert web.action(review)[0] == 401
    web.console.api._clock = time.time
    # Sites changed: Ann no longer sees the camera.
    web.users.set_access(VIEWER_USER, Access(VIEWER_USER, VIEWER, frozenset({"Shop"})))
    assert web.action(tokens["snooze"]) == (
        403,
        {"code": "403", "message": "this camera is not one of yours any more"},
    )
    web.users.set_access(VIEWER_USER, Access(VIEWER_USER, VIEWER, frozenset({"Home"})))
    # Device removed: its tokens die with it.
    assert web.call("DELETE /api/push/devices/{id}", ANN, path={"id": device})[0] == 200
    assert web.action(review)[0] == 403
    (stored,) = aws.alarms()
    assert "reviewedAt" not in stored and "snoozedUntil" not in aws.camera()


def test_the_snooze_action_never_shortens_a_longer_snooze(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, web: Web
) -> None:
    """GIVEN a notification's "Snooze this camera 1 h" WHEN, before it is tapped, someone
    snoozes the camera until turned back on from the console THEN the tap keeps that
    snooze (and says until when) instead of waking the camera in an hour."""
    from vstarcam_push.models.camera import SNOOZE_UNTIL_ON

    tokens, _, _ = delivered_actions(aws, functions, pipeline, web)
    status, _ = web.call(
        "PUT /api/cameras/{vuid}/snooze", OWNER, path={"vuid": VUID}, body={"choice": "on"}
    )
    assert status == 200

    assert web.action(tokens["snooze"]) == (
        200,
        {"done": "snoozed", "vuid": VUID, "until": SNOOZE_UNTIL_ON},
    )
    assert int(aws.camera()["snoozedUntil"]["N"]) == SNOOZE_UNTIL_ON


def test_an_action_on_an_alarm_deleted_meanwhile_is_a_404_and_can_be_tried_again(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, web: Web
) -> None:
    tokens, alarm_id, _ = delivered_actions(aws, functions, pipeline, web)
    assert web.call("DELETE /api/alarms/{alarmId}", OWNER, path={"alarmId": alarm_id})[0] == 200
    assert web.action(tokens["review"]) == (
        404,
        {"code": "404", "message": f"alarm {alarm_id} does not exist (deleted or expired)"},
    )
    # Its one use was given back: the same answer again, not "repeated".
    assert web.action(tokens["review"])[0] == 404


def test_a_token_signed_with_another_key_is_refused(aws: Aws, web: Web) -> None:
    """Another stack's key (or a guessed one) signs nothing here."""
    web.subscribe(web.service.browser(), OWNER)  # the stack has its key
    key = derive_key(b"\x01" * 32)
    token = ActionToken("snooze", VUID, "webpush-0123", ADMIN_USER, int(time.time()) + 60)
    assert web.action(token.sign(key)) == (
        401,
        {"code": "401", "message": "the action token is not valid"},
    )
    assert "snoozedUntil" not in aws.camera()
