"""Web push without AWS: which endpoints the stack may call, the action tokens, the devices'
filters and the payload (its size measured on a real-looking alarm)."""

from __future__ import annotations

import json
import os
import time

import http_ece
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from vstarcam_push.delivery.channels import Answer
from vstarcam_push.delivery.channels.webpush import WebPush
from vstarcam_push.media.links import link_url
from vstarcam_push.models.action_tokens import (
    TOKEN_SECONDS,
    ActionToken,
    TokenRefused,
    derive_key,
)
from vstarcam_push.models.destination import Filters, InvalidFilter
from vstarcam_push.models.push_endpoint import EndpointRefused, address_refusal, check_endpoint
from vstarcam_push.models.push_event import PushEvent
from vstarcam_push.models.web_push import (
    MAX_PAYLOAD_BYTES,
    Subscription,
    b64url,
    device_id,
    encode_payload,
    filters_of,
    payload,
    time_zone,
    viewer_filters,
)

API = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"
ALARM_ID = "VE0005622QHOW-15f4d174450cf01bb8f0"
DEVICE = "webpush-0b4920dcf44b957a7dca"
NOW = 1_796_000_000

# -- endpoints ---------------------------------------------------------------------------

PUBLIC = [
    "https://fcm.googleapis.com/fcm/send/dGhpcyBpcyBhIHRlc3Q:APA91bH",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",
    "https://web.push.apple.com/QGuQyavXutnMH5yDeb-Af",
    "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAD",
    "https://142.250.74.10/push/x",
]
INSIDE = [
    "http://127.0.0.1:9000/push",
    "https://127.0.0.2/push",
    "https://localhost/push",
    "https://a.localhost/push",
    "https://10.0.0.1/push",
    "https://172.16.5.4/push",
    "https://192.168.0.1/push",
    "https://169.254.169.254/latest/meta-data/iam/",
    "https://169.254.170.2/v2/credentials",
    "https://100.64.0.1/push",
    "https://0.0.0.0/push",
    "https://224.0.0.1/push",
    "https://[::1]/push",
    "https://[fe80::1]/push",
    "https://[fd00:ec2::254]/latest/meta-data/",
    "https://[::ffff:127.0.0.1]/push",
    "https://[64:ff9b::a00:1]/push",
    "https://[2002:a00:1::]/push",
    "https://metadata/computeMetadata/v1/",
    "http://fcm.googleapis.com/fcm/send/x",
    "ftp://fcm.googleapis.com/x",
    "https://fcm.googleapis.com:8443/fcm/send/x",
    "https://user:pw@fcm.googleapis.com/fcm/send/x",
    "https://fcm.googleapis.com/fcm/send/x y",
    "https:///push",
    "",
]


@pytest.mark.parametrize("url", PUBLIC)
def test_push_services_endpoints_are_accepted(url: str) -> None:
    assert check_endpoint(url) == url


@pytest.mark.parametrize("url", INSIDE)
def test_endpoints_inside_the_network_or_not_https_are_refused(url: str) -> None:
    with pytest.raises(EndpointRefused):
        check_endpoint(url)


def test_only_the_local_configuration_allows_loopback_and_nothing_else_inside() -> None:
    assert check_endpoint("http://127.0.0.1:9000/push", allow_loopback=True)
    assert check_endpoint("http://localhost:9000/push", allow_loopback=True)
    for url in ("https://10.0.0.1/push", "https://169.254.169.254/", "http://example.com/x"):
        with pytest.raises(EndpointRefused):
            check_endpoint(url, allow_loopback=True)
    assert address_refusal("127.0.0.1", allow_loopback=True) == ""
    assert address_refusal("::ffff:169.254.169.254", allow_loopback=True)


# Hosts that are no IP literal to Python but that the C resolver (inet_aton, as
# getaddrinfo uses it) reads as one: shorthand, octal and hex forms of inside addresses,
# and a percent-encoded one. Refused when the device subscribes, not only at each send.
NUMERIC_SHORTHAND = [
    "https://127.1/push",
    "https://0177.0.0.1/push",
    "https://0x7f.1/push",
    "https://10.1/push",
    "https://010.0.0.1/push",
    "https://0251.0376.0251.0376/push",
    "https://169.254.43518/push",
    "https://%31%32%37.0.0.1/push",
    "https://1.2.3.4.5/push",
]


@pytest.mark.parametrize("url", NUMERIC_SHORTHAND)
def test_numeric_hosts_the_resolver_would_read_as_an_address_are_refused(url: str) -> None:
    with pytest.raises(EndpointRefused):
        check_endpoint(url)


def test_an_endpoints_secret_path_is_never_in_a_refusal() -> None:
    with pytest.raises(EndpointRefused) as refused:
        check_endpoint("https://10.0.0.1/push/SECRET-subscription-id")
    assert "SECRET" not in str(refused.value)


# -- the channel's checks at send time ---------------------------------------------------


def browser_keys() -> tuple[ec.EllipticCurvePrivateKey, dict[str, str]]:
    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return key, {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}


def test_a_name_resolving_inside_is_not_sent_and_a_public_one_is_pinned() -> None:
    from vstarcam_push.dal.vapid_key import VapidKey
    from vstarcam_push.delivery.channels import Message, Withheld

    _, keys = browser_keys()
    event = PushEvent("online", "VE1-online-1", "VE1", "Gate", "", NOW, "", "")
    message = Message(
        event, "VE1-online-1." + DEVICE, {"user": "u"}, {"endpoint": "https://p.example/x", **keys}
    )
    vapid = VapidKey.generate()
    inside = WebPush(vapid_key=lambda: vapid, resolver=lambda host, port: ["192.168.1.2"])
    with pytest.raises(Withheld) as withheld:
        inside.build(message)
    assert withheld.value.verdict.outcome == "give_up"
    public = WebPush(vapid_key=lambda: vapid, resolver=lambda host, port: ["142.250.74.10"])
    request = public.build(message)
    assert (request.url, request.address) == ("https://p.example/x", "142.250.74.10")
    assert public.read(Answer(410, {}, b"")).outcome == "gone"
    assert public.read(Answer(404, {}, b"")).outcome == "gone"
    assert public.read(Answer(403, {}, b"")).outcome == "give_up"
    assert public.read(Answer(413, {}, b"")).outcome == "give_up"
    assert public.read(Answer(429, {"Retry-After": "30"}, b"")).retry_after == 30
    assert public.read(Answer(503, {}, b"")).outcome == "retry"


# -- action tokens -----------------------------------------------------------------------


KEY = derive_key(b"\x07" * 32)


def test_a_token_verifies_with_its_key_until_it_expires() -> None:
    token = ActionToken("review", ALARM_ID, DEVICE, "ann@example.com", NOW + TOKEN_SECONDS)
    signed = token.sign(KEY)
    assert ActionToken.verify(signed, KEY, NOW) == token
    assert ActionToken.verify(signed, KEY, NOW + TOKEN_SECONDS - 1) == token
    with pytest.raises(TokenRefused) as refused:
        ActionToken.verify(signed, KEY, NOW + TOKEN_SECONDS)
    assert refused.value.reason == "token_expired"
    with pytest.raises(TokenRefused) as refused:
        ActionToken.verify(signed, derive_key(b"\x08" * 32), NOW)
    assert refused.value.reason == "token_forged"


def test_the_hkdf_label_keeps_the_token_key_apart_from_the_vapid_key() -> None:
    assert derive_key(b"\x07" * 32) != b"\x07" * 32 and len(KEY) == 32


@pytest.mark.parametrize(
    "token",
    ["", "x", "a.b", "." * 50, "A" * 700, "abcdefgh." + "A" * 42 + "!", None, 42, ["a"]],
)
def test_what_is_not_a_token_is_refused_before_any_key_is_used(token: object) -> None:
    with pytest.raises(TokenRefused) as refused:
        ActionToken.check_shape(token)
    assert refused.value.reason == "token_malformed"


# -- devices -----------------------------------------------------------------------------


def test_a_subscription_needs_a_p256_point_and_a_16_byte_secret() -> None:
    _, keys = browser_keys()
    ok = Subscription.parse({"endpoint": "https://x.example/p", "keys": keys})
    assert ok.secrets()["auth"] == keys["auth"]
    for bad in (
        {**keys, "p256dh": b64url(b"\x04" + b"\x01" * 64)},  # not on the curve
        {**keys, "p256dh": keys["p256dh"][:-4]},
        {**keys, "auth": b64url(b"short")},
        {"p256dh": keys["p256dh"]},
    ):
        with pytest.raises(InvalidFilter):
            Subscription.parse({"endpoint": "https://x.example/p", "keys": bad})
    with pytest.raises(InvalidFilter):
        Subscription.parse("https://x.example/p")


def test_the_same_endpoint_is_the_same_device() -> None:
    assert device_id("https://x.example/a") == device_id("https://x.example/a")
    assert device_id("https://x.example/a") != device_id("https://x.example/b")
    assert len(device_id("https://x.example/a")) <= 40


def test_device_filters_reuse_the_destinations_model() -> None:
    filters = filters_of(
        {
            "events": ["alarm", "offline"],
            "severities": ["alert"],
            "cameras": ["VE1"],
            "quietHours": "22:00-07:00",
            "timeZone": "Europe/Paris",
        }
    )
    assert filters.events == {"alarm", "offline"} and filters.severities == {"alert"}
    assert filters.quiet_hours is not None and filters.quiet_hours.timezone == "Europe/Paris"
    patched = filters_of({"quietHours": None}, filters)
    assert patched.quiet_hours is None and patched.severities == {"alert"}
    for bad in (
        {"events": ["motion"]},
        {"severities": ["loud"]},
        {"quietHours": "late"},
        {"timeZone": "Mars/Olympus"},
        {"cameras": "VE1"},
        {"colour": "red"},
    ):
        with pytest.raises(InvalidFilter):
            filters_of(bad)
            time_zone(bad)


def test_a_viewers_device_is_kept_to_their_sites() -> None:
    mine = frozenset({"Home", "Cabin"})
    assert viewer_filters(Filters(), mine).sites == mine
    assert viewer_filters(Filters(sites=frozenset({"Home", "Shop"})), mine).sites == {"Home"}
    with pytest.raises(InvalidFilter):
        viewer_filters(Filters(sites=frozenset({"Shop"})), mine)


# -- the payload -------------------------------------------------------------------------


def smoke_alarm(name: str = "Front door") -> PushEvent:
    return PushEvent(
        kind="alarm",
        event_id=ALARM_ID,
        vuid="VE0005622QHOW",
        camera_name=name,
        site="Home",
        at=NOW,
        title="",
        text="",
        alarm_id=ALARM_ID,
        alarm_type=0x26,
        alarm_type_hex="0x26",
        alarm_type_name="Smoke alarm",
        link_token="pfr4mBZVVqoh9NZ-QPBDGA",
        link_expires_at=NOW + 86_400,
        severity="alert",
    )


def tokens(user: str) -> dict[str, str]:
    expires = NOW + TOKEN_SECONDS
    return {
        "review": ActionToken("review", ALARM_ID, DEVICE, user, expires).sign(KEY),
        "snooze": ActionToken("snooze", "VE0005622QHOW", DEVICE, user, expires).sign(KEY),
    }


def test_a_real_alarms_payload_is_about_1_kb_and_the_longest_well_under_4_kb() -> None:
    """Measured (docs/notifications.md): a smoke alarm with its thumbnail link and both
    actions is under 1,100 bytes, about 1,200 encrypted (aes128gcm adds 103: the 86-byte
    header with the sender's key, a delimiter and the 16-byte tag); the longest camera name
    and user name stay well under the push services' 4,096."""
    event = smoke_alarm()
    image = link_url(API, ALARM_ID, "thumbnail", event.link_token)
    document = payload(event, API, image, tokens("owner@example.com"), "Europe/Paris")
    data = encode_payload(document)
    assert document["title"] == "Front door: Smoke alarm"
    assert document["body"] == "Alert at 01:53:20 CET (Mon 30 Nov)"
    assert 900 < len(data) < 1_100
    _, keys = browser_keys()
    sender = ec.generate_private_key(ec.SECP256R1())
    from vstarcam_push.models.web_push import b64url_decode

    encrypted = http_ece.encrypt(
        data,
        private_key=sender,
        dh=b64url_decode(keys["p256dh"]),
        auth_secret=b64url_decode(keys["auth"]),
        version="aes128gcm",
    )
    assert len(encrypted) == len(data) + 103
    longest = encode_payload(
        payload(smoke_alarm("N" * 64), API, image, tokens("u" * 116 + "@e.com"), "UTC")
    )
    assert len(longest) < 1_500 < MAX_PAYLOAD_BYTES
    assert json.loads(data)["actions"][0]["token"].count(".") == 1


def test_a_status_notice_opens_the_cameras_and_carries_no_severity() -> None:
    event = PushEvent("offline", "VE1-offline-5", "VE1", "", "", NOW, "", "")
    document = payload(event, API + "/", tokens={})
    assert document["title"] == "VE1 is offline" and document["severity"] is None
    assert document["url"] == API + "/#/cameras" and document["actions"] == []
    assert "image" not in document and "alarmId" not in document


def test_time_is_the_devices_local_time() -> None:
    assert payload(smoke_alarm(), API, timezone="UTC")["body"].startswith("Alert at 00:53:20 UTC")
    assert "01:53:20" in payload(smoke_alarm(), API, timezone="Europe/Paris")["body"]
    assert time.time() > 0


def test_back_online_replaces_the_offline_notice_of_the_same_camera_only() -> None:
    # The service worker shows one notification per tag: the two notices of one camera
    # share it, so the phone keeps the newest; another camera's stay beside it.
    offline = payload(PushEvent("offline", "VE1-offline-1", "VE1", "Gate", "", NOW, "", ""), API)
    online = payload(PushEvent("online", "VE1-online-2", "VE1", "Gate", "", NOW, "", ""), API)
    other = payload(PushEvent("offline", "VE2-offline-1", "VE2", "Shed", "", NOW, "", ""), API)
    assert offline["tag"] == online["tag"] != other["tag"]
    assert offline["title"] == "Gate is offline" and online["title"] == "Gate is back online"
