"""Discord channel webhook: multipart with ``payload_json`` (an embed whose image is
``attachment://<file>``) and the picture as ``files[0]``.

The webhook URL carries its own token, so it is a secret: ``notify list`` shows
only the host.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from vstarcam_push.delivery.channels import (
    Answer,
    ChannelRequest,
    Message,
    Verdict,
    http_verdict,
    one_line,
)

# Discord's upload limit for a webhook without a boosted server.
UPLOAD_LIMIT = 10 * 1024 * 1024
_COLOURS = {"alarm": 0xE53935, "offline": 0x757575, "online": 0x43A047}


@dataclass(frozen=True)
class Discord:
    name: str = "discord"
    upload_limit: int = UPLOAD_LIMIT
    secret_fields: tuple[str, ...] = ("url",)
    optional_secret_fields: tuple[str, ...] = ()

    def build(self, message: Message) -> ChannelRequest:
        event = message.event
        embed: dict[str, object] = {
            "title": one_line(event.title, 256),
            "description": one_line(event.text, 4096),
            "timestamp": event.iso_time(),
            "color": _COLOURS[event.kind],
        }
        if message.links.picture:
            embed["url"] = message.links.picture
        payload: dict[str, object] = {"embeds": [embed], "allowed_mentions": {"parse": []}}
        fields: list[tuple[str, object]] = []
        if message.picture is not None:
            picture = message.picture
            embed["image"] = {"url": f"attachment://{picture.filename}"}
            payload["attachments"] = [{"id": 0, "filename": picture.filename}]
            fields.append(("files[0]", (picture.filename, picture.content, picture.content_type)))
        fields.insert(0, ("payload_json", (None, json.dumps(payload), "application/json")))
        return ChannelRequest("POST", message.secrets["url"], fields=fields)

    def read(self, answer: Answer) -> Verdict:
        verdict = http_verdict(answer, "discord")
        document = answer.json()
        if answer.status == 429 and isinstance(document, dict):
            # Discord says when in seconds (a float) in the body too.
            wait = int(float(document.get("retry_after") or 0)) + 1
            return Verdict("retry", verdict.detail, retry_after=max(verdict.retry_after, wait))
        return verdict

    def target(self, settings: dict[str, str], secrets: dict[str, str]) -> str:
        return "channel webhook on discord"


CHANNEL = Discord()
