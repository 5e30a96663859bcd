"""Pushover: the messages API with the user (or group) key and the application token;
an alarm's picture as the ``attachment``.

Priority by event: smoke and fire 1 (high: sounds through the phone's quiet
hours), other alarms and offline 0, back online -1 (quiet). Priority 2
(emergency) would need ``retry``/``expire`` and an acknowledgement, which is
more than a camera alarm asks for.
"""

from __future__ import annotations

from dataclasses import dataclass

from vstarcam_push.delivery.channels import (
    Answer,
    ChannelRequest,
    Message,
    Verdict,
    host_of,
    one_line,
)

API_URL = "https://api.pushover.net/1/messages.json"
ATTACHMENT_LIMIT = 5 * 1024 * 1024
TITLE_LIMIT = 250
MESSAGE_LIMIT = 1024


@dataclass(frozen=True)
class Pushover:
    name: str = "pushover"
    upload_limit: int = ATTACHMENT_LIMIT
    secret_fields: tuple[str, ...] = ("user_key", "token")
    optional_secret_fields: tuple[str, ...] = ()

    def build(self, message: Message) -> ChannelRequest:
        event = message.event
        priority = "1" if event.urgent else ("-1" if event.kind == "online" else "0")
        fields: list[tuple[str, object]] = [
            ("token", message.secrets["token"]),
            ("user", message.secrets["user_key"]),
            ("title", one_line(event.title, TITLE_LIMIT)),
            ("message", one_line(event.text, MESSAGE_LIMIT)),
            ("priority", priority),
            ("timestamp", str(event.at)),
        ]
        if message.links.picture:
            fields += [("url", message.links.picture), ("url_title", "Open the picture")]
        if message.picture is not None:
            picture = message.picture
            fields.append(("attachment", (picture.filename, picture.content, picture.content_type)))
        return ChannelRequest("POST", message.settings.get("api_url") or API_URL, fields=fields)

    def read(self, answer: Answer) -> Verdict:
        document = answer.json()
        if (
            200 <= answer.status < 300
            and isinstance(document, dict)
            and document.get("status") == 1
        ):
            return Verdict("delivered", f"pushover answered {answer.status}")
        if 400 <= answer.status < 500 and answer.status != 429 and isinstance(document, dict):
            errors = "; ".join(str(e) for e in document.get("errors") or [])
            return Verdict("give_up", f"pushover answered {answer.status}: {one_line(errors, 200)}")
        if answer.status == 0 or answer.status == 429 or answer.status >= 500:
            detail = answer.error or f"answered {answer.status}"
            return Verdict("retry", f"pushover: {detail}")
        return Verdict("give_up", f"pushover answered {answer.status}: {answer.text()}")

    def target(self, settings: dict[str, str], secrets: dict[str, str]) -> str:
        return f"user key via {host_of(settings.get('api_url') or API_URL)}"


CHANNEL = Pushover()
