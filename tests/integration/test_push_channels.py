"""Each push channel against a fake of its service on 127.0.0.1: the request is the one the
service's API documents (the fake refuses anything else, as the service would), and the
service's answers read as delivered, retry later or give up."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from standardwebhooks import Webhook
from vstarcam_push.delivery.channels import Answer, Links, Message, Picture, channel
from vstarcam_push.delivery.channels.ntfy import header_value
from vstarcam_push.delivery.channels.transport import pool, send
from vstarcam_push.delivery.channels.webhook import webhook_id
from vstarcam_push.models.push_event import PushEvent

from tests.conftest import JPEG
from tests.push_fakes import (
    FakeDiscord,
    FakeNtfy,
    FakePushover,
    FakeService,
    FakeSlack,
    FakeTelegram,
    FakeWebhookReceiver,
    rfc2047,
)

AT = 1795701791  # 2026-11-26 14:03:11 UTC
ALARM = PushEvent(
    kind="alarm",
    event_id="VE0005622QHOW-e07e7441ccd15ad100e2",
    vuid="VE0005622QHOW",
    camera_name="Front door",
    site="Harbour St 4",
    at=AT,
    title="Motion detection alarm: Front door (VE0005622QHOW)",
    text="Front door (VE0005622QHOW): Motion detection alarm at 2026-11-26 14:03:11 UTC",
    alarm_id="VE0005622QHOW-e07e7441ccd15ad100e2",
    alarm_type=0x12,
    alarm_type_hex="0x12",
    alarm_type_name="Motion detection alarm",
    picture_key="alarms/VE0005622QHOW/2026/11/26/140311-x.jpg",
    picture_content_type="image/jpeg",
    picture_size=len(JPEG),
)
FIRE = replace(
    ALARM, alarm_type=0x6D, alarm_type_hex="0x6d", alarm_type_name="Fire detection alarm"
)
OFFLINE = PushEvent(
    kind="offline",
    event_id="VE0005622QHOW-offline-1795701791",
    vuid="VE0005622QHOW",
    camera_name="Front door",
    site="",
    at=AT,
    title="Camera offline: Front door (VE0005622QHOW)",
    text="Front door (VE0005622QHOW) is offline: last heartbeat at 2026-11-26 14:03:11 UTC",
)
PICTURE = Picture(JPEG, "image/jpeg", "VE0005622QHOW-e07e7441ccd15ad100e2.jpg")
LINKS = Links(
    picture="https://api.example/alarms/VE0005622QHOW-e07e7441ccd15ad100e2/picture?token=t0k",
    picture_fetch="https://bucket.s3.example/alarms/x.jpg?X-Amz-Signature=abc",
)


@pytest.fixture
def http() -> Iterator[object]:
    manager = pool()
    yield manager
    manager.clear()


def started(fake: FakeService) -> FakeService:
    return fake.start()


def deliver(http: object, name: str, message: Message) -> tuple[str, Answer]:
    service = channel(name)
    answer = send(http, service.build(message))  # type: ignore[arg-type]
    return service.read(answer).outcome, answer


def message(
    event: PushEvent, secrets: dict[str, str], settings: dict[str, str] | None = None, **kw: object
) -> Message:
    return Message(
        event=event,
        delivery_id=f"{event.event_id}.phone",
        settings=settings or {},
        secrets=secrets,
        **kw,  # type: ignore[arg-type]
    )


# -- ntfy ---------------------------------------------------------------------------------


def test_ntfy_uploads_the_picture_as_the_attachment_with_title_message_and_click(http) -> None:
    """GIVEN a ntfy topic with an access token
    WHEN an alarm with its picture is sent
    THEN it is a PUT of the JPEG bytes to the topic URL with Filename (so ntfy attaches it),
    Title, Message, Priority 4, Click (the alarm's picture link) and Authorization: Bearer."""
    fake = started(FakeNtfy(token="tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"))
    try:
        outcome, _ = deliver(
            http,
            "ntfy",
            message(ALARM, {"url": fake.url, "token": fake.token}, picture=PICTURE, links=LINKS),
        )
        assert outcome == "delivered"
        (request,) = fake.received
        assert request.method == "PUT"
        assert request.body == JPEG
        assert request.headers["filename"] == PICTURE.filename
        assert request.headers["title"] == ALARM.title
        assert request.headers["message"] == ALARM.text
        assert request.headers["priority"] == "4"
        assert request.headers["click"] == LINKS.picture
        assert request.headers["authorization"] == "Bearer tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"
    finally:
        fake.stop()


def test_ntfy_status_event_is_a_text_message_and_fire_is_priority_5(http) -> None:
    fake = started(FakeNtfy())
    try:
        assert deliver(http, "ntfy", message(OFFLINE, {"url": fake.url}))[0] == "delivered"
        assert deliver(http, "ntfy", message(FIRE, {"url": fake.url}, picture=PICTURE))[0] == (
            "delivered"
        )
        status, fire = fake.received
        assert status.method == "POST" and status.body.decode() == OFFLINE.text
        assert "authorization" not in status.headers
        assert fire.headers["priority"] == "5"
        assert "rotating_light" in fire.headers["tags"]
    finally:
        fake.stop()


def test_ntfy_headers_outside_ascii_are_rfc2047_encoded() -> None:
    assert header_value("Haustür (VE0005622QHOW)").startswith("=?UTF-8?B?")
    assert rfc2047(header_value("Haustür: Bewegung")) == "Haustür: Bewegung"
    assert header_value("Front door") == "Front door"


def test_ntfy_wrong_token_gives_up_and_wrong_topic_too(http) -> None:
    fake = started(FakeNtfy(token="tk_right"))
    try:
        assert (
            deliver(http, "ntfy", message(OFFLINE, {"url": fake.url, "token": "tk_wrong"}))[0]
            == "give_up"
        )
        assert deliver(http, "ntfy", message(OFFLINE, {"url": fake.base_url + "/other"}))[0] == (
            "give_up"
        )
        assert fake.received == []
    finally:
        fake.stop()


# -- Telegram -------------------------------------------------------------------------------


def test_telegram_send_photo_is_multipart_chat_id_photo_caption(http) -> None:
    """GIVEN a bot token and a chat id
    WHEN an alarm is sent
    THEN POST /bot<token>/sendPhoto as multipart with chat_id, photo (the JPEG, a file part)
    and caption (the alarm text)."""
    fake = started(FakeTelegram())
    try:
        outcome, _ = deliver(
            http,
            "telegram",
            message(
                ALARM,
                {"token": fake.token},
                {"chat_id": fake.chat_id, "api_url": fake.base_url},
                picture=PICTURE,
            ),
        )
        assert outcome == "delivered"
        (request,) = fake.received
        assert request.path == f"/bot{fake.token}/sendPhoto"
        assert request.field("chat_id") == "4242"
        assert request.field("caption") == ALARM.text
        assert request.form["photo"].content == JPEG
        assert request.form["photo"].filename == PICTURE.filename
    finally:
        fake.stop()


def test_telegram_status_event_is_send_message(http) -> None:
    fake = started(FakeTelegram())
    try:
        settings = {"chat_id": fake.chat_id, "api_url": fake.base_url}
        assert deliver(http, "telegram", message(OFFLINE, {"token": fake.token}, settings))[0] == (
            "delivered"
        )
        (request,) = fake.received
        assert request.path.endswith("/sendMessage")
        assert request.json() == {"chat_id": "4242", "text": OFFLINE.text}
    finally:
        fake.stop()


def test_telegram_wrong_token_or_chat_gives_up_and_429_retries_after(http) -> None:
    fake = started(FakeTelegram())
    try:
        service = channel("telegram")
        wrong_token = message(
            OFFLINE, {"token": "1:wrong"}, {"chat_id": "4242", "api_url": fake.base_url}
        )
        wrong_chat = message(
            OFFLINE, {"token": fake.token}, {"chat_id": "1", "api_url": fake.base_url}
        )
        token_verdict = service.read(send(http, service.build(wrong_token)))
        chat_verdict = service.read(send(http, service.build(wrong_chat)))
        assert token_verdict.outcome == "give_up" and "401" in token_verdict.detail
        assert chat_verdict.outcome == "give_up" and "chat not found" in chat_verdict.detail
        limited = Answer(
            429,
            {},
            json.dumps(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 7",
                    "parameters": {"retry_after": 7},
                }
            ).encode(),
        )
        assert service.read(limited).outcome == "retry"
        assert service.read(limited).retry_after == 7
    finally:
        fake.stop()


# -- Pushover -------------------------------------------------------------------------------


def test_pushover_fields_and_attachment_with_priority_by_event(http) -> None:
    """GIVEN app token and user key
    WHEN a motion alarm, a fire alarm and a back-online event are sent
    THEN each is a multipart POST with token, user, title, message, priority (0, 1, -1) and,
    for alarms, the picture as ``attachment``."""
    fake = started(FakePushover())
    try:
        secrets = {"token": fake.token, "user_key": fake.user}
        settings = {"api_url": fake.url}
        online = replace(OFFLINE, kind="online", title="Camera back online: Front door")
        for event in (ALARM, FIRE, online):
            picture = PICTURE if event.kind == "alarm" else None
            outcome, _ = deliver(
                http, "pushover", message(event, secrets, settings, picture=picture, links=LINKS)
            )
            assert outcome == "delivered"
        motion, fire, back = fake.received
        assert motion.field("token") == fake.token and motion.field("user") == fake.user
        assert motion.field("message") == ALARM.text and motion.field("title") == ALARM.title
        assert motion.form["attachment"].content == JPEG
        assert motion.field("url") == LINKS.picture
        assert [r.field("priority") for r in (motion, fire, back)] == ["0", "1", "-1"]
        assert "attachment" not in back.form
    finally:
        fake.stop()


def test_pushover_invalid_key_gives_up(http) -> None:
    fake = started(FakePushover())
    try:
        verdict = channel("pushover").read(
            send(
                http,
                channel("pushover").build(
                    message(
                        OFFLINE, {"token": "wrong", "user_key": fake.user}, {"api_url": fake.url}
                    )
                ),
            )
        )
        assert verdict.outcome == "give_up"
        assert "application token is invalid" in verdict.detail
    finally:
        fake.stop()


# -- Discord -------------------------------------------------------------------------------


def test_discord_payload_json_with_files0_in_an_embed(http) -> None:
    """THEN multipart with payload_json (an embed whose image is attachment://<file>) and the
    picture as files[0]; no mention is parsed from camera names."""
    fake = started(FakeDiscord())
    try:
        outcome, _ = deliver(http, "discord", message(ALARM, {"url": fake.url}, picture=PICTURE))
        assert outcome == "delivered"
        (request,) = fake.received
        payload = json.loads(request.form["payload_json"].content)
        (embed,) = payload["embeds"]
        assert embed["title"] == ALARM.title and embed["description"] == ALARM.text
        assert embed["image"] == {"url": f"attachment://{PICTURE.filename}"}
        assert embed["timestamp"] == "2026-11-26T14:03:11Z"
        assert payload["allowed_mentions"] == {"parse": []}
        assert request.form["files[0]"].content == JPEG
        assert request.form["files[0]"].filename == PICTURE.filename
    finally:
        fake.stop()


def test_discord_unknown_webhook_gives_up_and_rate_limit_retries(http) -> None:
    fake = started(FakeDiscord())
    try:
        gone = message(OFFLINE, {"url": fake.base_url + "/api/webhooks/1/deleted"})
        assert deliver(http, "discord", gone)[0] == "give_up"
        limited = Answer(429, {}, b'{"message": "You are being rate limited.", "retry_after": 2.5}')
        verdict = channel("discord").read(limited)
        assert verdict.outcome == "retry" and verdict.retry_after == 3
    finally:
        fake.stop()


# -- Slack ---------------------------------------------------------------------------------


def test_slack_json_text_and_blocks_link_the_picture(http) -> None:
    """Incoming webhooks cannot upload: the picture is an image block (a presigned URL Slack
    fetches) and a link; the text is mrkdwn-escaped."""
    fake = started(FakeSlack())
    try:
        event = replace(ALARM, text="Gate <1> & yard: Motion detection alarm")
        assert deliver(http, "slack", message(event, {"url": fake.url}, links=LINKS))[0] == (
            "delivered"
        )
        (request,) = fake.received
        document = request.json()
        assert document["text"] == "Gate &lt;1&gt; &amp; yard: Motion detection alarm"
        types = [block["type"] for block in document["blocks"]]
        assert types == ["header", "section", "image", "context"]
        assert document["blocks"][2]["image_url"] == LINKS.picture_fetch
        assert LINKS.picture in document["blocks"][3]["elements"][0]["text"]
        assert channel("slack").upload_limit == 0
    finally:
        fake.stop()


def test_slack_revoked_webhook_gives_up(http) -> None:
    fake = started(FakeSlack())
    try:
        assert (
            deliver(http, "slack", message(OFFLINE, {"url": fake.base_url + "/services/x"}))[0]
            == "give_up"
        )
    finally:
        fake.stop()


# -- signed webhook --------------------------------------------------------------------------

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_webhook_is_signed_and_verified_by_the_standardwebhooks_package(http) -> None:
    """GIVEN a receiver that verifies with standardwebhooks' own Webhook.verify
    WHEN an alarm is sent
    THEN it verifies, and the body is the documented schema."""
    fake = started(FakeWebhookReceiver(SECRET))
    try:
        outcome, _ = deliver(
            http,
            "webhook",
            message(ALARM, {"url": fake.url, "signing_secret": SECRET}, links=LINKS),
        )
        assert outcome == "delivered"
        (request,) = fake.received
        document = Webhook(SECRET).verify(request.body, request.headers)
        assert document["type"] == "camera.alarm"
        assert document["timestamp"] == "2026-11-26T14:03:11Z"
        data = document["data"]
        assert data["camera"] == {
            "vuid": "VE0005622QHOW",
            "name": "Front door",
            "site": "Harbour St 4",
        }
        assert data["alarm"] == {
            "id": ALARM.alarm_id,
            "type": 18,
            "typeHex": "0x12",
            "typeName": "Motion detection alarm",
            "hasVideo": False,
        }
        assert data["links"] == {"picture": LINKS.picture, "video": None}
        assert data["epoch"] == AT and data["message"] == ALARM.text
        assert request.headers["webhook-id"] == webhook_id(f"{ALARM.event_id}.phone")
    finally:
        fake.stop()


def test_webhook_id_is_stable_across_retries_and_a_wrong_secret_fails_verification(http) -> None:
    fake = started(FakeWebhookReceiver(SECRET))
    try:
        service = channel("webhook")
        first = service.build(message(OFFLINE, {"url": fake.url, "signing_secret": SECRET}))
        time.sleep(0)  # a retry is another request, built again
        again = service.build(message(OFFLINE, {"url": fake.url, "signing_secret": SECRET}))
        assert first.headers["webhook-id"] == again.headers["webhook-id"]
        assert first.body == again.body
        other = "whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
        forged = service.build(message(OFFLINE, {"url": fake.url, "signing_secret": other}))
        assert service.read(send(http, forged)).outcome == "give_up"
        assert json.loads(first.body)["data"]["alarm"] is None
    finally:
        fake.stop()


# -- the transport ----------------------------------------------------------------------------


def test_a_service_that_is_down_or_unreachable_is_retried_and_no_url_is_in_the_detail(
    http,
) -> None:
    """A 503, a refused connection: retry later; the detail names the host, never the URL
    (Telegram's token and webhook secrets are parts of URLs)."""
    fake = started(FakeTelegram())
    try:
        fake.down = True
        settings = {"chat_id": "4242", "api_url": fake.base_url}
        down = channel("telegram").read(
            send(http, channel("telegram").build(message(OFFLINE, {"token": fake.token}, settings)))
        )
        assert down.outcome == "retry"
    finally:
        fake.stop()
    refused = send(
        http, channel("telegram").build(message(OFFLINE, {"token": fake.token}, settings))
    )
    verdict = channel("telegram").read(refused)
    assert verdict.outcome == "retry"
    # Refused is called refused: a timeout would send the owner looking at the wrong thing.
    assert "connection refused by 127.0.0.1" in verdict.detail
    assert "timed out" not in verdict.detail
    assert fake.token not in verdict.detail and "/bot" not in verdict.detail


def test_tls_certificates_are_verified(http, tmp_path) -> None:
    """GIVEN an HTTPS service on 127.0.0.1 with a self-signed certificate
    WHEN a channel sends to it
    THEN the request is not made (the TLS handshake fails) and the verdict is retry later,
    naming TLS and the host."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    fake = FakeNtfy()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    fake._server.socket = context.wrap_socket(fake._server.socket, server_side=True)
    fake.start()
    try:
        url = f"https://127.0.0.1:{fake.port}/{fake.topic}"
        verdict = channel("ntfy").read(
            send(http, channel("ntfy").build(message(OFFLINE, {"url": url})))
        )
        assert verdict.outcome == "retry"
        assert "TLS" in verdict.detail and "127.0.0.1" in verdict.detail
        assert fake.attempts == 0
    finally:
        fake.stop()
