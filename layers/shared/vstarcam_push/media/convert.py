"""Derived media: a thumbnail of an alarm picture, a browser-playable MP4 of its video.

Bytes in, derived bytes out; no AWS, so every case is tested on bytes alone.
Needs Pillow and PyAV (``av``), which only the media layer ships: only
MediaProcessFunction and the CLI's ``alarms process`` import this module.

- :func:`make_thumbnail`: JPEG or PNG -> a JPEG at most 320 x 320 pixels (aspect
  kept, never enlarged, metadata stripped, orientation applied), at most 30 KB.
- :func:`make_playable`: MP4, raw H.264 (Annex B) or AVI -> an MP4 with its ``moov``
  box first, by remuxing (the H.264 packets are copied, never re-encoded). An MP4
  that already has ``moov`` first is playable as it is. A video browsers cannot play
  without re-encoding (H.265, MJPEG, ...) is :class:`NotPlayable`, with the reason.
- Bytes that do not decode raise :class:`BadMedia` with a message for people.
"""

from __future__ import annotations

import io
import struct
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
from PIL import Image, ImageOps

from vstarcam_push.models.media import AVI, H264, MP4, sniff_video

THUMBNAIL_BOX = 320
THUMBNAIL_MAX_BYTES = 30 * 1024
# Tried in order until the thumbnail fits THUMBNAIL_MAX_BYTES (a 1080p camera frame
# fits at the first; only very detailed or noisy pictures need the next ones).
THUMBNAIL_QUALITIES = (80, 70, 60, 50, 40, 30)
THUMBNAIL_CONTENT_TYPE = "image/jpeg"
# Cameras send up to 8 MP (4K) frames; three times that is still a picture, more is a
# decompression bomb (a small file declaring a huge canvas). Checked on the header,
# before a pixel is decoded.
MAX_PICTURE_PIXELS = 25_000_000
# A remux copies packets without decoding; only a raw stream with B-frames is decoded
# (to learn its display order), and only up to this frame size.
MAX_VIDEO_PIXELS = 3840 * 2160
PLAYABLE_CONTENT_TYPE = "video/mp4"
# What browsers play in MP4 without re-encoding: H.264 in 8-bit 4:2:0, AAC audio.
_PLAYABLE_PIXEL_FORMATS = {"yuv420p", "yuvj420p", None}
_PLAYABLE_AUDIO = {"aac", "mp3"}
_CODEC_NAMES = {"hevc": "H.265 (HEVC)", "mjpeg": "MJPEG", "h264": "H.264"}

Image.MAX_IMAGE_PIXELS = MAX_PICTURE_PIXELS


class BadMedia(Exception):
    """The bytes are not a picture or video that can be decoded; the message says why."""


@dataclass(frozen=True)
class Thumbnail:
    data: bytes
    width: int
    height: int
    content_type: str = THUMBNAIL_CONTENT_TYPE


@dataclass(frozen=True)
class PlayableVideo:
    """``data`` is the remuxed MP4, or None when the original is playable as it is."""

    data: bytes | None
    codec: str
    content_type: str = PLAYABLE_CONTENT_TYPE


@dataclass(frozen=True)
class NotPlayable:
    """A video that parses but that browsers cannot play without re-encoding."""

    reason: str


# -- thumbnails -----------------------------------------------------------------


def thumbnail_size(width: int, height: int, box: int = THUMBNAIL_BOX) -> tuple[int, int]:
    """The size that fits ``box`` x ``box`` with the aspect kept; never larger than the picture."""
    scale = min(box / width, box / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def make_thumbnail(picture: bytes) -> Thumbnail:
    """A JPEG thumbnail of a JPEG or PNG alarm picture.

    >>> make_thumbnail(Path("frame-1080p.jpg").read_bytes()).width
    320
    """
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refuse them all.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = thumbnail_image(picture)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadMedia(
            f"the picture declares more than {MAX_PICTURE_PIXELS:,} pixels: refused as a "
            "possible decompression bomb"
        ) from None
    except BadMedia:
        raise
    except Exception as error:
        # Whatever a decoder raises on camera bytes is the bytes' fault: the record must
        # not be retried forever on them.
        raise BadMedia(f"the picture could not be decoded: {_describe(error)}") from None
    return _encode_jpeg(image)


def thumbnail_image(picture: bytes) -> Image.Image:
    """The picture decoded, turned upright and scaled into the thumbnail box (not encoded)."""
    image = Image.open(io.BytesIO(picture), formats=("JPEG", "PNG"))
    target = thumbnail_size(*image.size)
    # JPEG only: decode at 1/2, 1/4 or 1/8 scale straight from the DCT, still at least
    # the target size. An 8 MP frame then needs a few MB, not 24.
    image.draft("RGB", target)
    image.load()
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        background = Image.new("RGB", image.size, (0, 0, 0))
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        image = background
    else:
        image = image.convert("RGB")
    image.thumbnail((THUMBNAIL_BOX, THUMBNAIL_BOX), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return image


def _encode_jpeg(image: Image.Image) -> Thumbnail:
    data = b""
    for quality in THUMBNAIL_QUALITIES:
        out = io.BytesIO()
        # No exif or icc_profile arguments: nothing of the original's metadata is written.
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=False)
        data = out.getvalue()
        if len(data) <= THUMBNAIL_MAX_BYTES:
            break
    return Thumbnail(data, image.width, image.height)


# -- playable video -------------------------------------------------------------


def make_playable(video: bytes) -> PlayableVideo | NotPlayable:
    """The alarm video as an MP4 a browser plays (moov first), or why that is not possible."""
    try:
        return _playable(video)
    except BadMedia:
        raise
    except Exception as error:
        raise BadMedia(f"the video could not be read: {_describe(error)}") from None


def demuxer_for(video: bytes) -> str | None:
    """The FFmpeg demuxer for the containers cameras send, chosen from the magic bytes.

    FFmpeg is never left to probe: a probed "video" could be an HLS playlist or a concat
    script, whose demuxers open the files and URLs they name (the function's environment,
    the instance metadata endpoint).
    """
    kind = sniff_video(video)
    if kind is MP4:
        return "mp4"
    if kind is AVI:
        return "avi"
    if kind is H264:
        start = 4 if video[:4] == b"\x00\x00\x00\x01" else 3
        header = video[start] if len(video) > start else 0
        # H.265 NAL headers: forbidden bit 0, type 32-40 (VPS, SPS, PPS, AUD, SEI) first.
        if header & 0x81 == 0 and 32 <= (header >> 1) & 0x3F <= 40:
            return "hevc"
        return "h264"
    return None


def _playable(video: bytes) -> PlayableVideo | NotPlayable:
    demuxer = demuxer_for(video)
    if demuxer is None:
        raise BadMedia("the video is not MP4, AVI or raw H.264/H.265 (by its first bytes)")
    with av.open(io.BytesIO(video), "r", format=demuxer) as source:
        if not source.streams.video:
            return NotPlayable("the video file holds no video stream")
        stream = source.streams.video[0]
        if not stream.codec_context.width or not stream.codec_context.height:
            # A raw stream opens whatever the bytes are; without a parameter set there is
            # no picture size, and nothing to play.
            raise BadMedia("the video could not be read: no frame size in it")
        codec = stream.codec_context.name
        if codec != "h264":
            name = _CODEC_NAMES.get(codec, codec)
            return NotPlayable(
                f"the video is {name}, which browsers do not play without re-encoding; "
                "the original stays downloadable"
            )
        pixel_format = stream.codec_context.pix_fmt
        if pixel_format not in _PLAYABLE_PIXEL_FORMATS:
            return NotPlayable(
                f"the video is H.264 in {pixel_format}, which browsers do not play; "
                "the original stays downloadable"
            )
        container = source.format.name
        if "mp4" in container.split(","):
            _check_complete(video)
            if moov_first(video):
                _check_packets(source, stream)
                return PlayableVideo(None, codec)
        audio = next(
            (s for s in source.streams.audio if s.codec_context.name in _PLAYABLE_AUDIO), None
        )
        return PlayableVideo(_remux(source, stream, audio, raw=container == "h264"), codec)


def _check_complete(data: bytes) -> None:
    """An MP4 whose last box runs past the end of the file was cut off (an upload cut short)."""
    end = 0
    for _, offset, size in _boxes(data):
        end = offset + size
    if end > len(data):
        raise BadMedia(f"the video file is truncated ({len(data):,} of {end:,} bytes)")


def _check_packets(source: Any, stream: Any) -> None:
    """An MP4 used as it is must still hold video: one that says it does but has none fails."""
    if not any(packet.size for packet in source.demux(stream)):
        raise BadMedia("the video holds no frames")


def _remux(source: Any, video: Any, audio: Any, raw: bool) -> bytes:
    packets = [packet for packet in source.demux(*([video, audio] if audio else [video]))]
    video_packets = [p for p in packets if p.stream is video and p.size]
    if not video_packets:
        raise BadMedia("the video holds no frames")
    if raw:
        _stamp_raw(video, video_packets)
    # faststart moves moov before mdat in a second pass over the written file, so the
    # muxer needs a real (seekable, readable) file; Lambda's /tmp is one.
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch, "playable.mp4")
        with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            out_video = out.add_stream_from_template(video)
            if raw:
                out_video.time_base = video.time_base
            out_audio = out.add_stream_from_template(audio) if audio else None
            for packet in packets:
                if not packet.size or (packet.stream is not video and out_audio is None):
                    continue
                if not raw and packet.dts is None:
                    continue
                packet.stream = out_video if packet.stream is video else out_audio
                out.mux(packet)
        data = path.read_bytes()
    if not moov_first(data):
        raise BadMedia("remuxing did not produce a fast-start MP4")
    return data


def _stamp_raw(stream: Any, packets: list[Any]) -> None:
    """Raw H.264 has no timestamps: give each frame its place at the stream's frame rate.

    Without B-frames, decode order is display order. With them, the decoder is asked for
    the display order (it decodes, nothing is re-encoded).
    """
    step = packets[0].duration or _frame_step(stream)
    order = _display_order(stream, packets) if stream.codec_context.has_b_frames else None
    delay = max((i - shown for i, shown in enumerate(order)), default=0) if order else 0
    for i, packet in enumerate(packets):
        shown = order[i] if order else i
        packet.dts = i * step
        packet.pts = (shown + delay) * step


def _frame_step(stream: Any) -> int:
    rate = stream.guessed_rate or stream.average_rate or 25
    return max(1, round(1 / (rate * stream.time_base)))


def _display_order(stream: Any, packets: list[Any]) -> list[int]:
    """Each packet's position in display order, learnt by decoding with packet numbers as pts."""
    if (stream.codec_context.width or 0) * (stream.codec_context.height or 0) > MAX_VIDEO_PIXELS:
        raise BadMedia("the video's frames are larger than 4K")
    decoder = av.CodecContext.create(stream.codec_context.name, "r")
    if stream.codec_context.extradata:
        decoder.extradata = stream.codec_context.extradata
    shown: list[int] = []
    for number, packet in enumerate(packets):
        copy = av.Packet(bytes(packet))
        copy.pts = copy.dts = number
        shown += [frame.pts for frame in decoder.decode(copy) if frame.pts is not None]
    shown += [frame.pts for frame in decoder.decode(None) if frame.pts is not None]
    if sorted(shown) != list(range(len(packets))):
        # Frames that did not decode: keep decode order rather than guess.
        return list(range(len(packets)))
    position = {number: place for place, number in enumerate(shown)}
    return [position[number] for number in range(len(packets))]


def _boxes(data: bytes) -> Iterator[tuple[str, int, int]]:
    """An MP4's top-level boxes in file order: (type, offset, size)."""
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1 and offset + 16 <= len(data):
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        elif size == 0:
            # A size of 0 is "to the end of the file".
            size = len(data) - offset
        if size < 8:
            return
        yield kind.decode("latin-1"), offset, size
        offset += size


def top_level_boxes(data: bytes) -> list[str]:
    """The types of an MP4's top-level boxes, in file order."""
    return [kind for kind, _, _ in _boxes(data)]


def moov_first(data: bytes) -> bool:
    """True when ``moov`` comes before ``mdat``: a browser can start before the whole file."""
    for kind, _, _ in _boxes(data):
        if kind == "moov":
            return True
        if kind == "mdat":
            return False
    return False


def _describe(error: BaseException) -> str:
    # FFmpeg's errors carry the file name ('<none>' for bytes): its message alone is enough.
    message = error.strerror if isinstance(error, av.error.FFmpegError) else str(error)
    text = " ".join(str(message or "").split()) or type(error).__name__
    return text[:200]
