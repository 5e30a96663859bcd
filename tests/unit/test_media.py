"""Media: picture and video kinds come from their bytes; media keys stay under their prefix."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vstarcam_push.ingest.protocol import validate_vuid
from vstarcam_push.models.alarm import alarm_id_for
from vstarcam_push.models.alarm_types import AlarmType
from vstarcam_push.models.errors import BadRequest
from vstarcam_push.models.media import (
    AVI,
    H264,
    JPEG,
    MP4,
    PNG,
    UNKNOWN_VIDEO,
    media_key,
    new_upload,
    sniff_picture,
    sniff_video,
)

from tests.conftest import JPEG as JPEG_BYTES
from tests.conftest import MP4 as MP4_BYTES
from tests.conftest import PNG as PNG_BYTES


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (JPEG_BYTES, JPEG),
        (b"\xff\xd8\xff\xdb" + bytes(8), JPEG),
        (b"\xff\xd8\xff\xe1\x00\x10Exif", JPEG),
        (PNG_BYTES, PNG),
    ],
    ids=["jfif", "raw-jpeg", "exif", "png"],
)
def test_picture_kind_is_sniffed_from_magic_bytes(data: bytes, kind: object) -> None:
    assert sniff_picture(data) == kind


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xd8",
        b"GIF89a" + bytes(16),
        b"BM" + bytes(16),
        b"RIFF\x00\x00\x00\x00WEBPVP8 ",
        b"\x89PNG\r\n\x1a",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        MP4_BYTES,
    ],
    ids=["empty", "short-jpeg", "gif", "bmp", "webp", "short-png", "svg", "mp4"],
)
def test_anything_but_jpeg_or_png_is_not_a_picture(data: bytes) -> None:
    assert sniff_picture(data) is None


@pytest.mark.parametrize(
    ("data", "kind", "content_type", "extension"),
    [
        (MP4_BYTES, MP4, "video/mp4", "mp4"),
        (b"\x00\x00\x00\x20ftypisom" + bytes(8), MP4, "video/mp4", "mp4"),
        (b"RIFF\x10\x00\x00\x00AVI LIST", AVI, "video/x-msvideo", "avi"),
        (b"\x00\x00\x00\x01\x67\x42", H264, "video/h264", "h264"),
        (b"\x00\x00\x01\x65\x88", H264, "video/h264", "h264"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", UNKNOWN_VIDEO, "application/octet-stream", "bin"),
        (b"\x1a\x45\xdf\xa3 matroska", UNKNOWN_VIDEO, "application/octet-stream", "bin"),
        (b"x", UNKNOWN_VIDEO, "application/octet-stream", "bin"),
    ],
    ids=[
        "mp4",
        "mp4-isom",
        "avi",
        "h264-4-byte-start",
        "h264-3-byte-start",
        "wav",
        "mkv",
        "1-byte",
    ],
)
def test_video_kind_is_sniffed_and_unknown_formats_are_kept_as_octet_stream(
    data: bytes, kind: object, content_type: str, extension: str
) -> None:
    """GIVEN a video part (its container is not documented)
    THEN MP4, AVI and raw H.264 are recognised by their bytes, anything else is still stored,
    as application/octet-stream."""
    sniffed = sniff_video(data)

    assert sniffed == kind
    assert (sniffed.content_type, sniffed.extension) == (content_type, extension)


def test_media_key_is_alarms_vuid_date_time_and_alarm_id() -> None:
    """GIVEN an alarm received 2026-11-26 14:03:11 UTC
    THEN its picture key is alarms/<vuid>/2026/11/26/140311-<20 hex of the alarm id>-<upload>.jpg
    (the upload: 16 hex digits of this request)."""
    received_ms = int(datetime(2026, 11, 26, 14, 3, 11, 999_000, tzinfo=UTC).timestamp() * 1000)
    alarm_id = alarm_id_for("VE0005622QHOW", AlarmType(0x12), "ab" * 32)

    key = media_key("VE0005622QHOW", received_ms, alarm_id, "0123456789abcdef", "jpg")

    suffix = alarm_id.rsplit("-", 1)[1]
    assert key == f"alarms/VE0005622QHOW/2026/11/26/140311-{suffix}-0123456789abcdef.jpg"
    assert re.fullmatch(
        r"alarms/VE0005622QHOW/2026/11/26/140311-[0-9a-f]{20}-[0-9a-f]{16}\.jpg", key
    )


def test_every_upload_has_keys_of_its_own() -> None:
    """GIVEN two copies of one alarm received in the same millisecond
    THEN their uploads differ, so their media keys differ: neither copy can remove the
    other's objects."""
    alarm_id = alarm_id_for("VE0005622QHOW", AlarmType(0x12), "ef" * 32)
    uploads = {new_upload() for _ in range(50)}

    keys = {media_key("VE0005622QHOW", 1_795_701_791_000, alarm_id, u, "jpg") for u in uploads}

    assert len(uploads) == 50
    assert len(keys) == 50
    assert all(re.fullmatch(r"[0-9a-f]{16}", upload) for upload in uploads)


def test_picture_and_video_of_one_alarm_share_a_key_stem() -> None:
    alarm_id = alarm_id_for("VE0005622QHOW", AlarmType(0x12), "cd" * 32)

    upload = new_upload()
    picture = media_key("VE0005622QHOW", 1_795_701_791_000, alarm_id, upload, "jpg")
    video = media_key("VE0005622QHOW", 1_795_701_791_000, alarm_id, upload, "mp4")

    assert picture.removesuffix(".jpg") == video.removesuffix(".mp4")


@settings(max_examples=300, deadline=None)
@given(
    vuid=st.one_of(
        st.text(max_size=40),
        st.text(alphabet="abcXYZ0189./\\%-_~ \x00\n", max_size=40),
        st.sampled_from(["..", "../..", "VE0005622QHOW/..", "%2e%2e", "VE00\u2215..", "A" * 4]),
    ),
    received_ms=st.integers(min_value=0, max_value=4_102_444_800_000),
)
def test_media_keys_cannot_escape_their_prefix(vuid: str, received_ms: int) -> None:
    """GIVEN any vuid text a camera might send
    THEN either it is refused as a vuid, or the media key built from it is exactly
    alarms/<vuid>/<yyyy>/<mm>/<dd>/<file> with no path traversal and nothing outside ASCII
    letters, digits, '/', '-' and '.'."""
    try:
        canonical = validate_vuid(vuid)
    except BadRequest:
        return
    alarm_id = alarm_id_for(canonical, AlarmType(0x12), "00" * 32)

    key = media_key(canonical, received_ms, alarm_id, new_upload(), "jpg")

    segments = key.split("/")
    assert segments[:2] == ["alarms", canonical]
    assert len(segments) == 6
    assert ".." not in segments
    assert re.fullmatch(r"[A-Za-z0-9/.-]+", key)
