"""Web push (RFC 8030) to a console user's browser: no third-party app or account.

One request per device: the payload (models/web_push.py) encrypted to the browser's
keys per RFC 8291 (``Content-Encoding: aes128gcm``, by ``http_ece``), and signed for
the push service per RFC 8292 (``Authorization: vapid t=<ES256 JWT>, k=<public key>``,
by ``py_vapid``) with the stack's VAPID key: ``aud`` the endpoint's origin, ``exp``
12 hours ahead (the services take at most 24), ``sub`` the console's URL. Headers
``TTL`` (how long the service may hold it for a phone that is off), ``Urgency``
(``high`` for alerts and tests, so a sleeping phone wakes) and, for a camera's
offline/online notices, ``Topic`` (a newer one replaces one not yet delivered).

Before each send, where the channel may connect is checked again: the endpoint
(models/push_endpoint.py), then every address its host name *resolves* to; the
request then goes to the checked address (transport.py pins it), so a name changed to
point inside the network between the check and the connection is never followed. And
the device's owner must still see the camera (their sites are read now, through
``access_of``: a viewer moved off a site stops getting its cameras at once).

The answer: 201 delivered; 404/410 the subscription is gone (the delivery loop removes
the device and its secrets); 429 and 5xx retry; any other 4xx gives up.

``http_ece`` and ``py_vapid`` (with ``cryptography``) are imported on the first web
push only: the other channels' deliveries do not pay for them.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from vstarcam_push.delivery.channels import (
    Answer,
    ChannelRequest,
    Message,
    Verdict,
    Withheld,
    host_of,
    http_verdict,
)
from vstarcam_push.media.links import link_url
from vstarcam_push.models.access import Access
from vstarcam_push.models.action_tokens import TOKEN_SECONDS, ActionToken, derive_key
from vstarcam_push.models.push_endpoint import (
    EndpointRefused,
    address_refusal,
    check_endpoint,
    is_loopback_host,
)
from vstarcam_push.models.push_event import PushEvent
from vstarcam_push.models.web_push import (
    SECRET_FIELDS,
    b64url_decode,
    encode_payload,
    payload,
)

# A notification older than this is no longer worth waking a phone for: the console
# has the alarm.
TTL_SECONDS = 6 * 3600
VAPID_SECONDS = 12 * 3600
TEST_EVENT_PREFIX = "push-test-"

Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (A and AAAA)."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


@dataclass
class WebPush:
    """``vapid_key``: the stack's key (dal/vapid_key, read on the first push);
    ``console_url``: where a tap opens; ``access_of``: the owner's role and sites now
    (None: the user is gone)."""

    vapid_key: Callable[[], Any] | None = None
    console_url: str = ""
    access_of: Callable[[str], Access | None] | None = None
    allow_loopback: bool = False
    resolver: Resolver = resolve
    clock: Callable[[], float] = time.time
    name: str = "webpush"
    upload_limit: int = 0
    secret_fields: tuple[str, ...] = SECRET_FIELDS
    optional_secret_fields: tuple[str, ...] = ()
    _signing_key: bytes = field(default=b"", repr=False)

    def build(self, message: Message) -> ChannelRequest:
        if self.vapid_key is None:
            raise Withheld(Verdict("retry", "webpush: this function has no VAPID key configured"))
        event = message.event
        user = message.settings.get("user", "")
        test = event.event_id.startswith(TEST_EVENT_PREFIX)
        if not test:
            self._check_access(user, event)
        endpoint = message.secrets["endpoint"]
        address = self._address(endpoint)
        now = int(self.clock())
        try:
            key = self.vapid_key()
        except Exception as error:  # not readable now (SSM throttled, or not made yet)
            raise Withheld(Verdict("retry", f"webpush: no VAPID key: {error}")) from None
        document = payload(
            event,
            self.console_url,
            image=self._image(event, now),
            tokens={} if test else self._tokens(event, key.private, message, user, now),
            timezone=message.settings.get("timezone", "UTC"),
            test=test,
        )
        body = self._encrypt(encode_payload(document), message.secrets)
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Encoding": "aes128gcm",
            "TTL": str(TTL_SECONDS),
            "Urgency": "high" if test or event.alarm_severity == "alert" else "normal",
            **self._vapid(key.private, endpoint, now),
        }
        if event.kind in ("offline", "online"):
            headers["Topic"] = f"status-{event.vuid}"[:32]
        return ChannelRequest("POST", endpoint, headers, body=body, address=address)

    def read(self, answer: Answer) -> Verdict:
        if answer.status in (404, 410):
            return Verdict(
                "gone",
                f"webpush: the push service answered {answer.status}: "
                "the browser's subscription is gone (device removed)",
            )
        return http_verdict(answer, "webpush")

    def target(self, settings: dict[str, str], secrets: dict[str, str]) -> str:
        return f"{settings.get('user', '?')}'s {settings.get('label', 'device')} via " + host_of(
            secrets.get("endpoint", "")
        )

    # -- the checks ------------------------------------------------------------------
    def _check_access(self, user: str, event: PushEvent) -> None:
        if self.access_of is None:
            return
        access = self.access_of(user)
        if access is None:
            # The user was removed from the console: so are their devices, at their next push.
            raise Withheld(Verdict("gone", f"webpush: {user or 'the owner'} is no console user"))
        if access.role is None:
            raise Withheld(
                Verdict("dropped", f"webpush: {user or 'the owner'} has no role any more")
            )
        if not access.sees(event.site):
            raise Withheld(
                Verdict("dropped", f"webpush: {user} may not see {event.vuid} (not their site)")
            )

    def _address(self, endpoint: str) -> str:
        """The checked address to connect to; gives up on an endpoint the stack may not call."""
        try:
            check_endpoint(endpoint, self.allow_loopback)
        except EndpointRefused as error:
            raise Withheld(Verdict("give_up", f"webpush: {error}")) from None
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = self.resolver(host, port)
        except OSError:
            raise Withheld(Verdict("retry", f"webpush: name not resolved: {host}")) from None
        if not addresses:
            raise Withheld(Verdict("retry", f"webpush: name not resolved: {host}"))
        allow = self.allow_loopback and is_loopback_host(host)
        for address in addresses:
            refusal = address_refusal(address, allow_loopback=allow)
            if refusal:
                raise Withheld(
                    Verdict("give_up", f"webpush: {host} resolves inside ({refusal}): not sent")
                )
        return addresses[0]

    # -- the parts -------------------------------------------------------------------
    def _image(self, event: PushEvent, now: int) -> str:
        if event.kind != "alarm" or not event.link_token or not event.alarm_id:
            return ""
        if event.link_expires_at <= now or not self._image_origin_ok():
            # Chrome fetches the image itself: an https link that still works, or none.
            return ""
        return link_url(self.console_url, event.alarm_id, "thumbnail", event.link_token)

    def _image_origin_ok(self) -> bool:
        """https; or, on the local stack alone, its plain-http loopback address (a secure
        context for the browser there, so its tests see the picture in the notification)."""
        if self.console_url.startswith("https://"):
            return True
        host = urlsplit(self.console_url).hostname or ""
        return (
            self.allow_loopback
            and self.console_url.startswith("http://")
            and is_loopback_host(host)
        )

    def _tokens(
        self, event: PushEvent, private: bytes, message: Message, user: str, now: int
    ) -> dict[str, str]:
        if not self._signing_key:
            self._signing_key = derive_key(private)
        device = message.delivery_id.rsplit(".", 1)[-1]
        expires = now + TOKEN_SECONDS
        tokens = {}
        if event.kind == "alarm" and event.alarm_id:
            tokens["review"] = ActionToken("review", event.alarm_id, device, user, expires).sign(
                self._signing_key
            )
        if event.vuid:
            tokens["snooze"] = ActionToken("snooze", event.vuid, device, user, expires).sign(
                self._signing_key
            )
        return tokens

    @staticmethod
    def _encrypt(data: bytes, secrets: dict[str, str]) -> bytes:
        import http_ece
        from cryptography.hazmat.primitives.asymmetric import ec

        try:
            dh = b64url_decode(secrets["p256dh"])
            auth = b64url_decode(secrets["auth"])
        except ValueError:
            raise Withheld(
                Verdict("give_up", "webpush: the subscription's keys are not base64url")
            ) from None
        # A new sender key pair for every message (RFC 8291 section 3.1).
        sender = ec.generate_private_key(ec.SECP256R1())
        try:
            return http_ece.encrypt(
                data, private_key=sender, dh=dh, auth_secret=auth, version="aes128gcm"
            )
        except (ValueError, http_ece.ECEException) as error:
            raise Withheld(
                Verdict(
                    "give_up",
                    f"webpush: cannot encrypt to this subscription ({type(error).__name__})",
                )
            ) from None

    def _vapid(self, private: bytes, endpoint: str, now: int) -> dict[str, str]:
        from py_vapid import Vapid02

        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        contact = self.console_url.rstrip("/") if self.console_url.startswith("https://") else ""
        claims = {
            "aud": audience,
            "exp": now + VAPID_SECONDS,
            "sub": contact or "mailto:vstarcam-push@localhost",
        }
        return Vapid02.from_raw(_b64(private)).sign(claims)


def _b64(data: bytes) -> bytes:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=")


def owners_access(
    users_of: Callable[[], Any], seconds: float = 60.0
) -> Callable[[str], Access | None]:
    """A device owner's role and sites from the user pool (``users_of()``: a
    ``dal.console_users.ConsoleUsers``, made on the first web push), kept a minute: a
    motion storm to one phone asks Cognito once, and a site taken away stops the pushes
    within the minute. None: the user no longer exists."""
    from vstarcam_push.dal.console_users import UserNotFound

    cache: dict[str, tuple[float, Access | None]] = {}
    made: list[Any] = []

    def access_of(user: str) -> Access | None:
        hit = cache.get(user)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        if not made:
            made.append(users_of())
        try:
            access: Access | None = made[0].access_of(user)
        except UserNotFound:
            access = None
        cache[user] = (time.monotonic() + seconds, access)
        return access

    return access_of


CHANNEL = WebPush()
