"""Telegram Bot API: ``sendPhoto`` for alarms (the picture uploaded, the text as its
caption), ``sendMessage`` for status events, to one chat id.

The bot token is part of the URL (``/bot<token>/<method>``): the URL is never
logged or shown, only the host. ``--api-url`` points at a self-hosted Bot API
server (same paths).
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

API_URL = "https://api.telegram.org"
PHOTO_LIMIT = 10 * 1024 * 1024
CAPTION_LIMIT = 1024


@dataclass(frozen=True)
class Telegram:
    name: str = "telegram"
    upload_limit: int = PHOTO_LIMIT
    secret_fields: tuple[str, ...] = ("token",)
    optional_secret_fields: tuple[str, ...] = ()

    def build(self, message: Message) -> ChannelRequest:
        base = (message.settings.get("api_url") or API_URL).rstrip("/")
        url = f"{base}/bot{message.secrets['token']}"
        chat = message.settings["chat_id"]
        text = message.event.text
        if message.links.picture:
            text += f"\nPicture: {message.links.picture}"
        if message.picture is not None:
            picture = message.picture
            return ChannelRequest(
                "POST",
                f"{url}/sendPhoto",
                fields=[
                    ("chat_id", chat),
                    ("caption", one_line(message.event.text, CAPTION_LIMIT)),
                    ("photo", (picture.filename, picture.content, picture.content_type)),
                ],
            )
        return ChannelRequest.json(f"{url}/sendMessage", {"chat_id": chat, "text": text[:4096]})

    def read(self, answer: Answer) -> Verdict:
        document = answer.json()
        if answer.status == 0:
            return Verdict("retry", f"telegram: no answer ({answer.error})")
        if 200 <= answer.status < 300 and isinstance(document, dict) and document.get("ok"):
            return Verdict("delivered", f"telegram answered {answer.status}")
        description = ""
        retry_after = 0
        if isinstance(document, dict):
            description = one_line(str(document.get("description") or ""), 200)
            parameters = document.get("parameters") or {}
            if isinstance(parameters, dict):
                retry_after = int(parameters.get("retry_after") or 0)
        detail = f"telegram answered {answer.status}" + (f": {description}" if description else "")
        if answer.status == 429 or answer.status >= 500:
            return Verdict("retry", detail, retry_after=min(retry_after, 3600))
        # 400 (chat not found, bad request), 401 (wrong token), 403 (bot blocked or
        # kicked), 404 (no such method: wrong token form): sending again cannot help.
        return Verdict("give_up", detail)

    def target(self, settings: dict[str, str], secrets: dict[str, str]) -> str:
        return (
            f"chat {settings.get('chat_id', '?')} via {host_of(settings.get('api_url') or API_URL)}"
        )


CHANNEL = Telegram()
