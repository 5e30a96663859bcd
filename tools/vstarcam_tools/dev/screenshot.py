"""Pictures of phone notifications for the docs, each made from what the stack really sends.

The ntfy channel builds its request for a sample alarm with a real camera
picture; a page lays out what that request carries (Title, Message, Priority,
Tags, the uploaded attachment) the way the ntfy app shows a notification, and
headless Chromium photographs it. Nothing leaves the machine::

    .venv/bin/python -m vstarcam_tools.dev.screenshot docs/images/ntfy-notification.png

``--webpush`` does the same for the console's own web push: the payload the webpush
channel builds for a doorbell alarm (title, text, its actions) with the thumbnail
media processing makes of the camera's picture, laid out as Chrome on Android shows a
notification (headless Chromium cannot show the system's own)::

    .venv/bin/python -m vstarcam_tools.dev.screenshot --webpush docs/console-phone-notification.png

Needs ``chromium`` (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import base64
import html
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from importlib import resources
from pathlib import Path

from vstarcam_push.delivery.channels import Links, Message, Picture
from vstarcam_push.delivery.channels.ntfy import CHANNEL
from vstarcam_push.models.push_event import PushEvent

AT = 1795701791  # 2026-11-26 14:03:11 UTC

SAMPLE = PushEvent(
    kind="alarm",
    event_id="VE0005622QHOW-e07e7441ccd15ad100e2",
    vuid="VE0005622QHOW",
    camera_name="Front door",
    site="",
    at=AT,
    title="Motion detection alarm: Front door (VE0005622QHOW)",
    text="Front door (VE0005622QHOW): Motion detection alarm at 2026-11-26 14:03:11 UTC",
    alarm_id="VE0005622QHOW-e07e7441ccd15ad100e2",
    alarm_type=0x12,
    alarm_type_hex="0x12",
    alarm_type_name="Motion detection alarm",
)

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><style>
body {{ margin: 0; background: #1c1b1f; font-family: "DejaVu Sans", sans-serif; }}
.bar {{ color: #e6e1e5; font-size: 13px; padding: 10px 18px; display: flex;
        justify-content: space-between; }}
.card {{ background: #2b2930; color: #e6e1e5; border-radius: 22px; margin: 8px 10px;
         padding: 14px 16px 16px; }}
.app {{ font-size: 12px; color: #cac4d0; display: flex; align-items: center; gap: 8px; }}
.icon {{ width: 20px; height: 20px; border-radius: 50%; background: #338574; color: #fff;
         font-size: 11px; display: flex; align-items: center; justify-content: center; }}
.title {{ font-weight: bold; font-size: 15px; margin-top: 8px; }}
.text {{ font-size: 14px; margin-top: 4px; color: #cac4d0; }}
img {{ width: 100%; border-radius: 14px; margin-top: 12px; display: block; }}
.actions {{ margin-top: 12px; font-size: 13px; color: #d0bcff; font-weight: bold; }}
</style></head><body>
<div class="bar"><span>14:03</span><span>&#9679; &#9679; &#9679;</span></div>
<div class="card">
  <div class="app"><div class="icon">n</div>ntfy &middot; {topic} &middot; now
  &middot; priority {priority}</div>
  <div class="title">{title}</div>
  <div class="text">{message}</div>
  <img src="data:{content_type};base64,{picture}" alt="the alarm picture">
  <div class="actions">{action}</div>
</div>
</body></html>
"""


def render(destination: Path) -> None:
    content = resources.files("vstarcam_tools.camera").joinpath("testdata/motion.jpg").read_bytes()
    link = (
        "https://abc123.execute-api.eu-central-1.amazonaws.com"
        f"/alarms/{SAMPLE.alarm_id}/picture?token=..."
    )
    request = CHANNEL.build(
        Message(
            event=SAMPLE,
            delivery_id=SAMPLE.event_id + ".phone",
            settings={},
            secrets={"url": "https://ntfy.sh/vstarcam-3f9c2a61d0b84e7a"},
            picture=Picture(content, "image/jpeg", f"{SAMPLE.alarm_id}.jpg"),
            links=Links(picture=link),
        )
    )
    headers = request.headers
    page = PAGE.format(
        topic="vstarcam-3f9c2a61…",
        priority=html.escape(headers["Priority"]),
        title=html.escape(headers["Title"]),
        message=html.escape(headers["Message"]),
        content_type=headers["Content-Type"],
        picture=base64.b64encode(request.body or b"").decode(),
        action=html.escape(headers["Actions"].split(",")[1].strip().upper()),
    )
    _photograph(page, destination, "420,450")


WEB_PUSH_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><style>
body {{ margin: 0; background: #1c1b1f; font-family: "DejaVu Sans", sans-serif; }}
.bar {{ color: #e6e1e5; font-size: 13px; padding: 10px 18px; display: flex;
        justify-content: space-between; }}
.card {{ background: #2b2930; color: #e6e1e5; border-radius: 22px; margin: 8px 10px;
         padding: 14px 16px 12px; }}
.app {{ font-size: 12px; color: #cac4d0; display: flex; align-items: center; gap: 8px; }}
.badge {{ width: 20px; height: 20px; border-radius: 50%; background: #1f5f8b;
          display: flex; align-items: center; justify-content: center; }}
.badge img {{ width: 14px; height: 14px; margin: 0; border-radius: 0; }}
.title {{ font-weight: bold; font-size: 15px; margin-top: 8px; }}
.text {{ font-size: 14px; margin-top: 4px; color: #cac4d0; }}
img.picture {{ width: 100%; border-radius: 14px; margin-top: 12px; display: block; }}
.actions {{ display: flex; gap: 22px; margin-top: 10px; font-size: 13px; color: #d0bcff;
            font-weight: bold; }}
.actions span {{ padding: 10px 0; }}
</style></head><body>
<div class="bar"><span>{clock}</span><span>&#9679; &#9679; &#9679;</span></div>
<div class="card">
  <div class="app"><div class="badge"><img src="data:image/png;base64,{badge}" alt=""></div>
  {app} &middot; {origin} &middot; now</div>
  <div class="title">{title}</div>
  <div class="text">{body}</div>
  <img class="picture" src="data:image/jpeg;base64,{picture}" alt="the alarm's thumbnail">
  <div class="actions">{actions}</div>
</div>
</body></html>
"""


def render_webpush(destination: Path) -> None:
    """The console's web push for a doorbell alarm, as Chrome on Android lays it out."""
    _photograph(webpush_page(), destination, "420,470")


def webpush_page() -> str:
    """The page that lays out the webpush channel's payload for a doorbell alarm."""
    from vstarcam_push.media.convert import make_thumbnail
    from vstarcam_push.models.web_push import payload

    from vstarcam_tools.dev.app_icons import badge_png

    console = "https://abc123.execute-api.eu-central-1.amazonaws.com"
    event = replace(
        SAMPLE,
        alarm_type=0x14,
        alarm_type_hex="0x14",
        alarm_type_name="Doorbell button alarm",
        severity="alert",
    )
    document = payload(
        event,
        console,
        image=f"{console}/alarms/{event.alarm_id}/thumbnail?token=...",
        tokens={"review": "...", "snooze": "..."},
        timezone="Europe/Paris",
    )
    picture = resources.files("vstarcam_tools.camera").joinpath("testdata/doorbell.jpg")
    thumbnail = make_thumbnail(picture.read_bytes()).data
    page = WEB_PUSH_PAGE.format(
        clock="15:03",
        app="VStarcam push",
        origin="abc123.execute-api…",
        badge=base64.b64encode(badge_png()).decode(),
        title=html.escape(document["title"]),
        body=html.escape(document["body"]),
        picture=base64.b64encode(thumbnail).decode(),
        actions="".join(
            f"<span>{html.escape(action['title'].upper())}</span>" for action in document["actions"]
        ),
    )
    return page


def _photograph(page: str, destination: Path, size: str) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("needs chromium: apt-get install chromium")
    with tempfile.TemporaryDirectory() as work:
        page_file = Path(work) / "notification.html"
        page_file.write_text(page, encoding="utf-8")
        destination.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--user-data-dir={work}/profile",
                f"--window-size={size}",
                f"--screenshot={destination.resolve()}",
                page_file.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, help="the PNG to write")
    parser.add_argument(
        "--webpush",
        action="store_true",
        help="the console's web push notification (default: the ntfy one)",
    )
    arguments = parser.parse_args(argv)
    if arguments.webpush:
        render_webpush(arguments.output)
    else:
        render(arguments.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
