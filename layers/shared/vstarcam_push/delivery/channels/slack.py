"""Slack incoming webhook: JSON with ``text`` and ``blocks``.

Incoming webhooks cannot upload files, so an alarm's picture is an image
block whose ``image_url`` is a short-lived presigned URL Slack fetches when
the message is posted, plus a link to the picture that keeps working for the
alarm's media link days. The webhook URL is a secret.
"""

from __future__ import annotations

from dataclasses import dataclass

from vstarcam_push.delivery.channels import (
    Answer,
    ChannelRequest,
    Message,
    Verdict,
    http_verdict,
    one_line,
)


def _escape(text: str) -> str:
    # Slack's mrkdwn reads these three as control characters.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class Slack:
    name: str = "slack"
    upload_limit: int = 0
    secret_fields: tuple[str, ...] = ("url",)
    optional_secret_fields: tuple[str, ...] = ()

    def build(self, message: Message) -> ChannelRequest:
        event = message.event
        text = _escape(one_line(event.text, 2900))
        blocks: list[dict[str, object]] = [
            {"type": "header", "text": {"type": "plain_text", "text": one_line(event.title, 150)}},
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        ]
        links = message.links
        if links.picture_fetch:
            blocks.append(
                {"type": "image", "image_url": links.picture_fetch, "alt_text": event.title[:2000]}
            )
        if links.picture:
            blocks.append(
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": f"<{links.picture}|Open the picture>"}],
                }
            )
        return ChannelRequest.json(message.secrets["url"], {"text": text, "blocks": blocks})

    def read(self, answer: Answer) -> Verdict:
        return http_verdict(answer, "slack")

    def target(self, settings: dict[str, str], secrets: dict[str, str]) -> str:
        return "incoming webhook on slack"


CHANNEL = Slack()
