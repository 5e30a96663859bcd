"""The console's home-screen icons (192 and 512 px PNG) and its notification badge
(96 px), drawn with Pillow.

The web app manifest needs both sizes for the console to install. They are
committed in ``functions/console/web/`` (the page function ships them as they
are); this draws them again after a change of design::

    .venv/bin/python -m vstarcam_tools.dev.app_icons

The picture fills the whole square (no transparent corners), so a platform that
masks icons to a circle or a squircle ("maskable") cuts only background. The badge
(the small sign Android puts in the status bar for a web push notification) is the
same camera as a white shape on transparency: Android uses only its alpha channel.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from PIL import Image, ImageDraw

from vstarcam_tools.template import PROJECT_ROOT

WEB = PROJECT_ROOT / "functions" / "console" / "web"
SIZES = (192, 512)
BADGE = 96
# The console's accent colour (style.css --accent, the manifest's theme_color) and its
# "unreviewed" amber.
BACKGROUND = (31, 95, 139)
ACCENT = (232, 164, 0)
WHITE = (255, 255, 255)
# Drawn large, then scaled down: Pillow draws no anti-aliased shapes.
CANVAS = 2048


def draw() -> Image.Image:
    """The icon at CANVAS px: a camera with an amber alarm dot, inside the maskable safe zone."""
    image = Image.new("RGB", (CANVAS, CANVAS), BACKGROUND)
    pen = ImageDraw.Draw(image)
    unit = CANVAS / 32
    # The camera's body and its lens (within the central 80 % a mask keeps).
    pen.rounded_rectangle(
        (7 * unit, 11 * unit, 25 * unit, 23 * unit), radius=2.5 * unit, fill=WHITE
    )
    pen.rounded_rectangle(
        (12 * unit, 8.5 * unit, 20 * unit, 12 * unit), radius=1 * unit, fill=WHITE
    )
    pen.ellipse((11.5 * unit, 12.5 * unit, 20.5 * unit, 21.5 * unit), fill=BACKGROUND)
    pen.ellipse((13.5 * unit, 14.5 * unit, 18.5 * unit, 19.5 * unit), fill=WHITE)
    # The alarm: an amber dot on the top right corner of the body.
    pen.ellipse((21 * unit, 7.5 * unit, 26.5 * unit, 13 * unit), fill=ACCENT)
    return image


def badge_png(size: int = BADGE) -> bytes:
    """The notification badge: the icon's camera and dot white and opaque, the rest clear."""
    # The background's red is 31, the camera's 255 and the dot's 232: red alone tells them apart.
    alpha = draw().getchannel("R").point(lambda v: 255 if v > 128 else 0)
    badge = Image.new("LA", alpha.size, 255)
    badge.putalpha(alpha)
    badge = badge.resize((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    badge.save(out, "PNG", optimize=True)
    return out.getvalue()


def icon_png(size: int) -> bytes:
    """The icon at ``size`` px as PNG bytes."""
    picture = draw().resize((size, size), Image.Resampling.LANCZOS)
    # 32 colours keep the smooth edges and make the files a third of full colour's size.
    picture = picture.quantize(32, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--out", type=Path, default=WEB, help="folder (default: the console's web/)"
    )
    arguments = parser.parse_args(argv)
    for size in SIZES:
        path = arguments.out / f"icon-{size}.png"
        path.write_bytes(icon_png(size))
        print(f"{path}: {path.stat().st_size} bytes")
    path = arguments.out / f"badge-{BADGE}.png"
    path.write_bytes(badge_png())
    print(f"{path}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
