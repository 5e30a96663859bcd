"""Push channels: one module per service, behind one small interface.

A channel turns a :class:`PushEvent` (what happened: an alarm, a camera going
offline, a camera back online) into one HTTP request for its service, and
reads the service's answer as one of three verdicts: delivered, retry later,
or give up. Everything else (which destinations want the event, retries with
backoff, idempotency, dead letters) is done once, outside the channels, by
:mod:`vstarcam_push.delivery.deliverer`. A new service is one new module here, one entry
in :data:`CHANNELS`, and its fake server in the tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from vstarcam_push.models.push_event import PushEvent

# "gone": the service says the destination no longer exists (a web push subscription's
# 404/410): the delivery loop removes it. "dropped": not to be sent at all (a web push
# device whose owner may no longer see the camera): recorded as done, nothing retried.
VerdictKind = Literal["delivered", "retry", "give_up", "gone", "dropped"]


@dataclass(frozen=True)
class Picture:
    """The bytes a channel uploads: the alarm picture, or its thumbnail when too big."""

    content: bytes
    content_type: str
    filename: str


@dataclass(frozen=True)
class Links:
    """Links into the stack for the event: empty strings when the stack gives none."""

    picture: str = ""
    video: str = ""
    # A URL the service may fetch the picture from right now (presigned, minutes).
    picture_fetch: str = ""


@dataclass(frozen=True)
class Message:
    """What a channel is asked to send: the event, the picture to upload (if the channel
    uploads and one fits), the links, and the destination's settings and secrets."""

    event: PushEvent
    delivery_id: str
    settings: dict[str, str]
    secrets: dict[str, str]
    picture: Picture | None = None
    links: Links = field(default_factory=Links)


@dataclass(frozen=True)
class ChannelRequest:
    """One HTTP request. ``fields`` (multipart form fields, a value or a (filename, bytes,
    content type) file) and ``body`` are exclusive."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    fields: list[tuple[str, Any]] | None = None
    # The address to connect to, already checked (a web push endpoint's: see
    # models/push_endpoint.py); "": the URL's host as DNS resolves it when sending.
    address: str = ""

    @staticmethod
    def json(url: str, document: Any, headers: dict[str, str] | None = None) -> ChannelRequest:
        return ChannelRequest(
            "POST",
            url,
            {"Content-Type": "application/json", **(headers or {})},
            body=json.dumps(document, separators=(",", ":")).encode(),
        )


@dataclass(frozen=True)
class Answer:
    """The service's answer: HTTP status (0 when there was none), headers, body."""

    status: int
    headers: dict[str, str]
    body: bytes
    error: str = ""

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def text(self, limit: int = 200) -> str:
        return " ".join(self.body[:limit].decode("utf-8", "replace").split())


@dataclass(frozen=True)
class Verdict:
    """How the delivery loop should go on: ``detail`` says why, for people."""

    outcome: VerdictKind
    detail: str
    retry_after: int = 0


class Withheld(Exception):
    """A channel's ``build`` found nothing it may send: ``verdict`` says how the delivery
    loop goes on (e.g. give up on an endpoint that resolves inside the network)."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.detail)
        self.verdict = verdict


class Channel(Protocol):
    """One push service."""

    name: str
    # Bytes the service takes as an upload; 0: it takes links only.
    upload_limit: int
    secret_fields: tuple[str, ...]
    optional_secret_fields: tuple[str, ...]

    def build(self, message: Message) -> ChannelRequest: ...

    def read(self, answer: Answer) -> Verdict: ...

    def target(self, settings: dict[str, str], secrets: dict[str, str]) -> str:
        """What ``notify list`` shows about where it goes: never a secret."""
        ...


def http_verdict(answer: Answer, service: str) -> Verdict:
    """The common reading of an HTTP answer.

    2xx: delivered. No answer (connection refused, timeout, TLS), 408, 425, 429 and
    5xx: the service is down or busy, retry later (honouring ``Retry-After``).
    Any other 4xx is a request the service will refuse however often it is sent
    (a wrong token, chat or URL): give up at once.
    """
    if answer.status == 0:
        return Verdict("retry", f"{service}: no answer ({answer.error})")
    if 200 <= answer.status < 300:
        return Verdict("delivered", f"{service} answered {answer.status}")
    detail = f"{service} answered {answer.status}" + (f": {answer.text()}" if answer.body else "")
    if answer.status in (408, 425, 429) or answer.status >= 500:
        return Verdict("retry", detail, retry_after=_retry_after(answer))
    return Verdict("give_up", detail)


def _retry_after(answer: Answer) -> int:
    value = {k.lower(): v for k, v in answer.headers.items()}.get("retry-after", "")
    try:
        return max(0, min(int(float(value)), 3600))
    except ValueError:
        return 0


def one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def host_of(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or "?"


def channel(name: str) -> Channel:
    """The channel module's object for ``name`` (``ntfy``, ``telegram``...)."""
    registry = _registry()
    try:
        return registry[name]
    except KeyError:
        raise ValueError(f"unknown channel {name!r}: one of {', '.join(registry)}") from None


_CHANNELS: dict[str, Channel] = {}


def _registry() -> dict[str, Channel]:
    """The seven service modules, imported on first use: the notifier only queues events
    (``PushEvent``) and never needs them, and they are about 12 ms of its cold start."""
    if not _CHANNELS:
        from vstarcam_push.delivery.channels import (
            discord,
            ntfy,
            pushover,
            slack,
            telegram,
            webhook,
            webpush,
        )

        for module in (ntfy, telegram, pushover, discord, slack, webhook, webpush):
            _CHANNELS[module.CHANNEL.name] = module.CHANNEL
    return _CHANNELS


def __getattr__(name: str) -> Any:
    # ``CHANNELS``: the registry, built when first read (PEP 562).
    if name == "CHANNELS":
        return _registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
