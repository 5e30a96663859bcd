"""Camera-like test media made here (Pillow, PyAV): pictures, clips, and broken ones.

For the tests and ``make bench``; nothing is downloaded. A "camera frame" is a
scene with smooth detail, hard edges, sensor-like noise and a timestamp overlay,
so JPEG sizes and decode times are those of real frames, not of flat colours.

    frame_jpeg(1920, 1080)             # a 1080p frame as the camera's JPEG
    clip("annexb"), clip("mp4"), clip("avi"), clip("hevc"), clip("mjpeg")
    clip_of_size(4 * 2**20)            # an H.264 MP4 of about 4 MB
    truncated(data), corrupted(data)   # broken variants
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from typing import Literal

import av
from PIL import Image, ImageDraw, ImageFilter

ClipKind = Literal["annexb", "mp4", "mp4-faststart", "avi", "hevc", "mjpeg", "bframes"]


def frame(width: int, height: int, seed: int = 0, step: int = 0) -> Image.Image:
    """One frame of a deterministic scene; ``step`` moves its person and its clock (clips)."""
    return _overlay(_scene(width, height, seed), step)


def _scene(width: int, height: int, seed: int) -> Image.Image:
    rng = random.Random(seed)
    small = (max(1, width // 16), max(1, height // 16))
    # Smooth large-scale detail (sky, walls, lawn): random blocks, blurred up.
    base = Image.new("RGB", small)
    base.putdata(
        [
            (rng.randrange(40, 200), rng.randrange(60, 210), rng.randrange(50, 220))
            for _ in range(small[0] * small[1])
        ]
    )
    image = base.resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        w = rng.randrange(width // 40 + 1, width // 6 + 2)
        h = rng.randrange(height // 40 + 1, height // 4 + 2)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.rectangle((x, y, x + w, y + h), fill=colour, outline=(0, 0, 0))
    # Fine sensor-like grain at full resolution.
    grain = Image.effect_noise((width, height), 18).convert("RGB")
    return Image.blend(image.filter(ImageFilter.SMOOTH), grain, 0.08)


def _overlay(scene: Image.Image, step: int) -> Image.Image:
    image = scene.copy()
    width, height = image.size
    draw = ImageDraw.Draw(image)
    x = (step * max(4, width // 80)) % max(1, width)
    draw.ellipse((x, height // 3, x + width // 12, height // 3 + height // 3), fill=(200, 40, 40))
    draw.text((12, 12), f"2026-12-01 10:00:{step % 60:02d}  CAM-01", fill=(255, 255, 255))
    return image


def frame_jpeg(width: int, height: int, seed: int = 0, quality: int = 85) -> bytes:
    out = io.BytesIO()
    frame(width, height, seed).save(out, "JPEG", quality=quality)
    return out.getvalue()


def frame_png(width: int, height: int, seed: int = 0, alpha: bool = False) -> bytes:
    image = frame(width, height, seed)
    if alpha:
        image = image.convert("RGBA")
        image.putalpha(200)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


_CLIP_FORMATS: dict[str, tuple[str, str, str, dict[str, str]]] = {
    # kind: (container, codec, pixel format, encoder options)
    "annexb": ("h264", "libx264", "yuv420p", {"preset": "ultrafast", "bf": "0"}),
    "bframes": ("h264", "libx264", "yuv420p", {"preset": "fast", "bf": "2"}),
    "mp4": ("mp4", "libx264", "yuv420p", {"preset": "ultrafast"}),
    "mp4-faststart": ("mp4", "libx264", "yuv420p", {"preset": "ultrafast"}),
    "avi": ("avi", "libx264", "yuv420p", {"preset": "ultrafast", "bf": "0"}),
    "hevc": ("hevc", "libx265", "yuv420p", {"preset": "ultrafast", "x265-params": "log-level=0"}),
    "mjpeg": ("avi", "mjpeg", "yuvj420p", {}),
}


def clip(
    kind: ClipKind = "mp4",
    width: int = 320,
    height: int = 240,
    frames: int = 30,
    rate: int = 15,
    seed: int = 0,
    bitrate: int | None = None,
) -> bytes:
    """A short clip as a camera might send it: H.264 raw (Annex B), in MP4 or AVI; H.265 raw;
    MJPEG in AVI. ``mp4`` has its moov box last (as most muxers write it), ``mp4-faststart``
    first."""
    container, codec, pixel_format, options = _CLIP_FORMATS[kind]
    options = dict(options)
    if bitrate is not None and codec == "libx264":
        options.update({"b": str(bitrate), "maxrate": str(bitrate), "bufsize": str(bitrate)})
    if kind == "mp4-faststart":
        return _faststart_clip(codec, pixel_format, options, width, height, frames, rate, seed)
    out = io.BytesIO()
    with av.open(out, "w", format=container) as output:
        stream = output.add_stream(codec, rate=rate, options=options)
        stream.width, stream.height, stream.pix_fmt = width, height, pixel_format
        for image in _frames(width, height, frames, seed):
            for packet in stream.encode(av.VideoFrame.from_image(image)):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return out.getvalue()


def _faststart_clip(
    codec: str,
    pixel_format: str,
    options: dict[str, str],
    width: int,
    height: int,
    frames: int,
    rate: int,
    seed: int,
) -> bytes:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch, "clip.mp4")
        with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as output:
            stream = output.add_stream(codec, rate=rate, options=options)
            stream.width, stream.height, stream.pix_fmt = width, height, pixel_format
            for image in _frames(width, height, frames, seed):
                for packet in stream.encode(av.VideoFrame.from_image(image)):
                    output.mux(packet)
            for packet in stream.encode(None):
                output.mux(packet)
        return path.read_bytes()


def _frames(width: int, height: int, count: int, seed: int) -> Iterator[Image.Image]:
    # One scene, its person moving: encoders see motion, not unrelated pictures.
    scene = _scene(width, height, seed)
    for step in range(count):
        yield _overlay(scene, step)


def clip_of_size(target_bytes: int, width: int = 1920, height: int = 1080, rate: int = 15) -> bytes:
    """An H.264 MP4 (moov last) of about ``target_bytes``: 10 s at the bit rate that gives it."""
    seconds = 10
    bitrate = int(target_bytes * 8 / seconds)
    data = b""
    # The encoder undershoots on an easy scene: correct the bit rate by what it made.
    for _ in range(3):
        data = clip("mp4", width, height, frames=seconds * rate, rate=rate, bitrate=bitrate)
        if abs(len(data) - target_bytes) <= target_bytes // 10:
            break
        bitrate = int(bitrate * target_bytes / max(len(data), 1))
    return data


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """The first part of the file, as an upload cut short leaves it."""
    return data[: max(1, int(len(data) * keep))]


def corrupted(data: bytes, start: int = 64, seed: int = 1) -> bytes:
    """The header kept, everything after ``start`` replaced by random bytes."""
    rng = random.Random(seed)
    return data[:start] + bytes(rng.randrange(256) for _ in range(len(data) - start))


def decompression_bomb_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A tiny PNG declaring a huge canvas (a few KB of zeros that would inflate to GBs)."""
    import struct
    import zlib

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    row = b"\x00" + bytes(width)
    compressor = zlib.compressobj(9)
    # Only the first rows are really compressed: the file stays small, the header is the bomb.
    data = compressor.compress(row * 16) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def decompression_bomb_jpeg(width: int = 30_000, height: int = 30_000) -> bytes:
    """A small JPEG whose frame header (SOF0) declares ``width`` x ``height``."""
    data = bytearray(frame_jpeg(64, 64))
    marker = data.find(b"\xff\xc0")
    # SOF0: marker, length (2), precision (1), height (2), width (2).
    data[marker + 5 : marker + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)
