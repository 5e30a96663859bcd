"""The web push notification's picture in the docs lays out what the channel really sends."""

from __future__ import annotations

import html

from vstarcam_push.models.web_push import ACTION_TITLES
from vstarcam_tools.dev.screenshot import webpush_page


def test_the_web_push_picture_shows_the_payloads_title_image_and_actions() -> None:
    page = webpush_page()
    assert "Front door: Doorbell button alarm" in page
    assert "Alert at 15:03:11 CET" in page  # the payload's words, in the device's zone
    assert page.count("data:image/jpeg;base64,") == 1  # media processing's thumbnail
    for title in ACTION_TITLES.values():
        assert html.escape(title.upper()) in page
