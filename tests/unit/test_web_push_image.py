"""Which console addresses get the thumbnail link in a web push: https always; the local
stack's plain-http loopback console too (a secure context for the browser there), and
nothing else plain-http, whatever the setting."""

from __future__ import annotations

import pytest
from vstarcam_push.delivery.channels.webpush import WebPush

from tests.unit.test_web_push import ALARM_ID, NOW, smoke_alarm


@pytest.mark.parametrize(
    ("console_url", "allow_loopback", "linked"),
    [
        ("https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com", False, True),
        ("http://127.0.0.1:3000", True, True),
        ("http://localhost:3000", True, True),
        ("http://127.0.0.1:3000", False, False),
        ("http://192.168.1.20:3000", True, False),
        ("http://console.example.com", True, False),
    ],
)
def test_the_thumbnail_link_only_where_the_browser_can_load_it(
    console_url: str, allow_loopback: bool, linked: bool
) -> None:
    channel = WebPush(console_url=console_url, allow_loopback=allow_loopback)
    image = channel._image(smoke_alarm(), NOW)
    assert bool(image) == linked
    if linked:
        assert image.startswith(f"{console_url}/alarms/{ALARM_ID}/thumbnail?token=")


def test_an_expired_link_is_left_out_even_on_https() -> None:
    channel = WebPush(console_url="https://console.example.com")
    event = smoke_alarm()
    assert channel._image(event, event.link_expires_at) == ""
