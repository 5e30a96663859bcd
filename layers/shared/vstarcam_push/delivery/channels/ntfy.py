"""ntfy (ntfy.sh or self-hosted): publish to a topic URL.

An alarm's picture is the request body (``PUT``) with ``Filename``, so ntfy
keeps it as the message's attachment and phones show it; title, text,
priority, tags and the click URL travel as headers. Status events are a
plain text body. Header values outside ASCII are RFC 2047 encoded, which ntfy
decodes.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from vstarcam_push.delivery.channels import (
    Answer,
    ChannelRequest,
    Message,
    Verdict,
    host_of,
    http_verdict,
)

# ntfy.sh takes attachments up to 15 MB; self-hosted servers choose their own limit
# and refuse a bigger body with 413, which reads as "give up" below.
UPLOAD_LIMIT = 15 * 1024 * 1024


def header_value(text: str) -> str:
    """An HTTP header value: ASCII as is, anything else as RFC 2047 base64 UTF-8."""
    flat = " ".join(text.split())
    if flat.isascii():
        return flat
    return "=?UTF-8?B?" + base64.b64encode(flat.encode()).decode() + "?="


@dataclass(frozen=True)
class Ntfy:
    name: str = "ntfy"
    upload_limit: int = UPLOAD_LIMIT
    secret_fields: tuple[str, ...] = ("url",)
    optional_secret_fields: tuple[str, ...] = ("token",)

    def build(self, message: Message) -> ChannelRequest:
        event = message.event
        headers = {
            "Title": header_value(event.title),
            "Priority": "5" if event.urgent else ("4" if event.kind == "alarm" else "3"),
            "Tags": _tags(message),
        }
        if message.links.picture:
            headers["Click"] = message.links.picture
            headers["Actions"] = f"view, Open the picture, {message.links.picture}"
        token = message.secrets.get("token")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        url = message.secrets["url"]
        if message.picture is not None:
            headers["Message"] = header_value(event.text)
            headers["Filename"] = message.picture.filename
            headers["Content-Type"] = message.picture.content_type
            return ChannelRequest("PUT", url, headers, body=message.picture.content)
        headers["Content-Type"] = "text/plain; charset=utf-8"
        return ChannelRequest("POST", url, headers, body=event.text.encode())

    def read(self, answer: Answer) -> Verdict:
        return http_verdict(answer, "ntfy")

    def target(self, settings: dict[str, str], secrets: dict[str, str]) -> str:
        return f"topic on {host_of(secrets.get('url', ''))}"


def _tags(message: Message) -> str:
    event = message.event
    if event.kind == "alarm":
        return "rotating_light,camera" if event.urgent else "camera"
    return "red_circle" if event.kind == "offline" else "green_circle"


CHANNEL = Ntfy()
