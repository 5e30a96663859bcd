"""A signed webhook: one documented JSON schema, signed by the Standard Webhooks scheme.

Headers ``webhook-id`` (stable across retries: the delivery id, so a receiver
deduplicates), ``webhook-timestamp`` and ``webhook-signature`` (``v1,<base64
HMAC-SHA256>`` of ``id.timestamp.body`` with the ``whsec_`` secret), made by the
``standardwebhooks`` package. The body (docs/notifications.md)::

    {"type": "camera.alarm" | "camera.offline" | "camera.online",
     "timestamp": "2026-11-26T14:03:11Z",
     "data": {"id", "camera": {"vuid", "name", "site"}, "time", "epoch",
              "title", "message",
              "alarm": {"id", "type", "typeHex", "typeName", "hasVideo"} | null,
              "links": {"picture", "video"}}}

The URL is kept with the secrets: a Home Assistant webhook URL is its only secret.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook

from vstarcam_push.delivery.channels import Answer, ChannelRequest, Message, Verdict, host_of
from vstarcam_push.delivery.channels import http_verdict as _http_verdict
from vstarcam_push.models.push_event import PushEvent


def payload(event: PushEvent, picture_link: str, video_link: str) -> dict[str, Any]:
    alarm = None
    if event.kind == "alarm":
        alarm = {
            "id": event.alarm_id,
            "type": event.alarm_type,
            "typeHex": event.alarm_type_hex,
            "typeName": event.alarm_type_name,
            "hasVideo": event.has_video,
        }
    return {
        "type": f"camera.{event.kind}",
        "timestamp": event.iso_time(),
        "data": {
            "id": event.event_id,
            "camera": {"vuid": event.vuid, "name": event.camera_name, "site": event.site},
            "time": event.iso_time(),
            "epoch": event.at,
            "title": event.title,
            "message": event.text,
            "alarm": alarm,
            "links": {"picture": picture_link or None, "video": video_link or None},
        },
    }


def webhook_id(delivery_id: str) -> str:
    """``msg_<delivery id>``: the same for every retry of one event to one destination."""
    return "msg_" + delivery_id.replace(".", "_")


@dataclass(frozen=True)
class SignedWebhook:
    name: str = "webhook"
    upload_limit: int = 0
    secret_fields: tuple[str, ...] = ("url", "signing_secret")
    optional_secret_fields: tuple[str, ...] = ()

    def build(self, message: Message, now: float | None = None) -> ChannelRequest:
        body = json.dumps(
            payload(message.event, message.links.picture, message.links.video),
            separators=(",", ":"),
        )
        msg_id = webhook_id(message.delivery_id)
        stamp = datetime.fromtimestamp(int(now if now is not None else time.time()), tz=UTC)
        signature = Webhook(message.secrets["signing_secret"]).sign(msg_id, stamp, body)
        return ChannelRequest(
            "POST",
            message.secrets["url"],
            {
                "Content-Type": "application/json",
                "webhook-id": msg_id,
                "webhook-timestamp": str(int(stamp.timestamp())),
                "webhook-signature": signature,
            },
            body=body.encode(),
        )

    def read(self, answer: Answer) -> Verdict:
        return _http_verdict(answer, "webhook")

    def target(self, settings: dict[str, str], secrets: dict[str, str]) -> str:
        return f"POST to {host_of(secrets.get('url', ''))}"


CHANNEL = SignedWebhook()
