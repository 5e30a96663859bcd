"""Media bytes and names: sniffing pictures and videos, and their keys in the bucket (no I/O)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class MediaKind:
    content_type: str
    extension: str


JPEG = MediaKind("image/jpeg", "jpg")
PNG = MediaKind("image/png", "png")
MP4 = MediaKind("video/mp4", "mp4")
AVI = MediaKind("video/x-msvideo", "avi")
H264 = MediaKind("video/h264", "h264")
UNKNOWN_VIDEO = MediaKind("application/octet-stream", "bin")


def sniff_picture(data: bytes) -> MediaKind | None:
    """JPEG or PNG by their magic bytes; part names and content types are not trusted."""
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    return None


def sniff_video(data: bytes) -> MediaKind:
    """The video container by its magic bytes; unknown formats are kept as octet-stream."""
    if data[4:8] == b"ftyp":
        return MP4
    if data[:4] == b"RIFF" and data[8:12] == b"AVI ":
        return AVI
    if data[:4] == b"\x00\x00\x00\x01" or data[:3] == b"\x00\x00\x01":
        return H264
    return UNKNOWN_VIDEO


@dataclass(frozen=True)
class StoredMedia:
    key: str
    content_type: str
    size: int
    sha256: str


def media_key(vuid: str, received_at_ms: int, alarm_id: str, upload: str, extension: str) -> str:
    """``alarms/<vuid>/<yyyy>/<mm>/<dd>/<HHMMSS>-<id>-<upload>.<ext>``; vuid is validated.

    ``upload`` names the request that put the object (:func:`new_upload`): two copies of
    one alarm in flight at once write different objects, so the copy that loses the race
    removes its own and never the one the stored record points at.
    """
    at = datetime.fromtimestamp(received_at_ms / 1000, tz=UTC)
    suffix = alarm_id.rsplit("-", 1)[-1]
    return f"alarms/{vuid}/{at:%Y/%m/%d/%H%M%S}-{suffix}-{upload}.{extension}"


def new_upload() -> str:
    """16 random hex digits: one request's media keys, unlike any other request's."""
    return secrets.token_hex(8)


def derived_key(media_key: str, suffix: str) -> str:
    """A key beside the alarm's own media: ``...-<id>.jpg`` -> ``...-<id>.<suffix>``.

    Same prefix, so the bucket's lifecycle rule expires derived media like the picture.
    """
    stem = media_key.rsplit(".", 1)[0] if "." in media_key.rsplit("/", 1)[-1] else media_key
    return f"{stem}.{suffix}"


# What media processing derives, beside the original it comes from.
THUMBNAIL_SUFFIX = "thumb.jpg"

PLAYABLE_SUFFIX = "playable.mp4"


def derivable_keys(picture_key: str | None, video_key: str | None) -> list[str]:
    """Every key media processing may write for an alarm, recorded on it yet or not.

    Whoever deletes an alarm deletes these too: processing that is still running when the
    alarm goes may have stored a thumbnail it has not recorded (and never will).
    """
    keys = []
    if picture_key:
        keys.append(derived_key(picture_key, THUMBNAIL_SUFFIX))
    if video_key:
        keys.append(derived_key(video_key, PLAYABLE_SUFFIX))
    return keys
