"""Derived media, bytes in and bytes out: thumbnails of alarm pictures and browser-playable MP4s
of alarm videos, and the refusal of broken, bomb and not-remuxable media."""

from __future__ import annotations

import functools
import hashlib
import io

import av
import pytest
from PIL import Image
from vstarcam_push.media.convert import (
    MAX_PICTURE_PIXELS,
    THUMBNAIL_MAX_BYTES,
    BadMedia,
    NotPlayable,
    PlayableVideo,
    demuxer_for,
    make_playable,
    make_thumbnail,
    moov_first,
    thumbnail_size,
    top_level_boxes,
)
from vstarcam_tools.camera import mediagen


@functools.cache
def jpeg(width: int, height: int) -> bytes:
    return mediagen.frame_jpeg(width, height)


@functools.cache
def clip(kind: mediagen.ClipKind) -> bytes:
    return mediagen.clip(kind)


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def video_summary(data: bytes) -> tuple[str, str, int, list[int]]:
    """(container, video codec, frames, their pts in display order) of an encoded video."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        pts = [frame.pts for frame in container.decode(stream)]
        return container.format.name, stream.codec_context.name, len(pts), pts


# -- thumbnails ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (1920, 1080, (320, 180)),
        (3840, 2160, (320, 180)),  # 8 MP
        (3264, 2448, (320, 240)),  # 8 MP, 4:3
        (1080, 1920, (180, 320)),  # a portrait doorbell
        (640, 480, (320, 240)),
        (160, 120, (160, 120)),  # never enlarged
    ],
)
def test_thumbnail_fits_320_pixels_with_the_aspect_kept(
    width: int, height: int, expected: tuple[int, int]
) -> None:
    """GIVEN a camera JPEG from small to 8 MP
    WHEN its thumbnail is made
    THEN it is a JPEG that fits 320 x 320 with the picture's aspect, under 30 KB."""
    thumbnail = make_thumbnail(jpeg(width, height))

    image = decoded(thumbnail.data)
    assert image.format == "JPEG" and image.mode == "RGB"
    assert (image.width, image.height) == (thumbnail.width, thumbnail.height) == expected
    assert thumbnail.content_type == "image/jpeg"
    assert len(thumbnail.data) <= THUMBNAIL_MAX_BYTES


def test_thumbnail_of_a_1080p_frame_is_under_30_kb_and_looks_like_it() -> None:
    """The thumbnail is the picture, smaller: its mean colour matches the original's."""
    original = jpeg(1920, 1080)
    thumbnail = make_thumbnail(original)

    assert len(thumbnail.data) <= 30 * 1024
    small = decoded(original).resize((32, 18))
    theirs = decoded(thumbnail.data).resize((32, 18))
    difference = sum(
        abs(a - b)
        for pa, pb in zip(small.get_flattened_data(), theirs.get_flattened_data(), strict=True)
        for a, b in zip(pa, pb, strict=True)
    ) / (32 * 18 * 3)
    assert difference < 12


def test_thumbnail_of_a_png_with_transparency_is_an_rgb_jpeg() -> None:
    thumbnail = make_thumbnail(mediagen.frame_png(800, 600, alpha=True))
    image = decoded(thumbnail.data)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (320, 240))


def test_thumbnail_strips_metadata_and_applies_the_orientation() -> None:
    """GIVEN a JPEG with EXIF (a GPS position, orientation 'rotate 90') and an ICC profile
    THEN the thumbnail has no EXIF and no ICC profile, and is turned upright."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    exif[0x010F] = "VStarcam"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPS latitude
    out = io.BytesIO()
    Image.open(io.BytesIO(jpeg(640, 360))).save(out, "JPEG", exif=exif, icc_profile=b"\x00" * 128)
    assert decoded(out.getvalue()).getexif()

    thumbnail = make_thumbnail(out.getvalue())

    image = decoded(thumbnail.data)
    assert not image.getexif() and "icc_profile" not in image.info and "exif" not in image.info
    assert b"Exif" not in thumbnail.data and b"VStarcam" not in thumbnail.data
    assert image.size == (180, 320)


def test_a_detailed_picture_is_squeezed_under_30_kb_by_lowering_quality() -> None:
    """Pure noise is the worst case for JPEG: the thumbnail still stays within its budget."""
    noise = io.BytesIO()
    Image.effect_noise((1920, 1080), 120).convert("RGB").save(noise, "JPEG", quality=95)
    assert len(make_thumbnail(noise.getvalue()).data) <= THUMBNAIL_MAX_BYTES


@pytest.mark.parametrize(
    "picture",
    [
        pytest.param(lambda: mediagen.truncated(jpeg(1920, 1080), 0.3), id="truncated JPEG"),
        pytest.param(lambda: mediagen.corrupted(jpeg(640, 360), start=4), id="corrupt JPEG"),
        pytest.param(lambda: mediagen.truncated(mediagen.frame_png(320, 240), 0.5), id="cut PNG"),
        pytest.param(lambda: b"\xff\xd8\xff" + b"\x00" * 100, id="JPEG magic only"),
        pytest.param(lambda: b"GIF89a" + bytes(100), id="not JPEG or PNG"),
        pytest.param(lambda: b"", id="empty"),
    ],
)
def test_a_broken_picture_is_refused_with_a_reason(picture: object) -> None:
    with pytest.raises(BadMedia, match="the picture could not be decoded"):
        make_thumbnail(picture())  # type: ignore[operator]


@pytest.mark.parametrize(
    "bomb",
    [
        pytest.param(mediagen.decompression_bomb_png, id="PNG 20000x20000"),
        pytest.param(mediagen.decompression_bomb_jpeg, id="JPEG 30000x30000"),
        pytest.param(lambda: mediagen.decompression_bomb_png(6000, 5000), id="PNG 30 MP"),
    ],
)
def test_a_decompression_bomb_is_refused_before_it_is_decoded(bomb: object) -> None:
    """GIVEN a small file that declares more pixels than Pillow's limit (set to 25 MP)
    THEN it is refused from its header; the message names the limit."""
    data = bomb()  # type: ignore[operator]
    assert len(data) < 100_000
    with pytest.raises(BadMedia, match="decompression bomb"):
        make_thumbnail(data)
    assert Image.MAX_IMAGE_PIXELS == MAX_PICTURE_PIXELS


def test_a_picture_just_under_the_pixel_limit_is_accepted() -> None:
    """24 MP (6000 x 4000) is still a picture: a thumbnail is made."""
    assert MAX_PICTURE_PIXELS >= 6000 * 4000
    image = Image.new("RGB", (6000, 4000), (30, 120, 200))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=60)
    assert make_thumbnail(out.getvalue()).width == 320


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [(1, 10_000, (1, 320)), (10_000, 1, (320, 1)), (320, 320, (320, 320))],
)
def test_thumbnail_size_never_reaches_zero(
    width: int, height: int, expected: tuple[int, int]
) -> None:
    assert thumbnail_size(width, height) == expected


# -- playable video -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["annexb", "avi", "mp4", "bframes"])
def test_h264_is_remuxed_to_a_fast_start_mp4_without_reencoding(kind: mediagen.ClipKind) -> None:
    """GIVEN a 2 s H.264 clip as raw Annex B, in AVI, in an MP4 whose moov box is last, or raw
    with B-frames
    WHEN its playable video is made
    THEN it is an MP4 with moov before mdat, holding the same H.264 frames in display order
    (same count and, frame for frame, the same decoded pictures: nothing re-encoded)."""
    original = clip(kind)

    playable = make_playable(original)

    assert isinstance(playable, PlayableVideo) and playable.data is not None
    assert playable.content_type == "video/mp4" and playable.codec == "h264"
    assert moov_first(playable.data)
    assert top_level_boxes(playable.data)[0] == "ftyp"
    container, codec, frames, pts = video_summary(playable.data)
    assert ("mp4" in container, codec, frames) == (True, "h264", 30)
    assert pts == sorted(pts) and len(set(pts)) == frames
    assert decoded_frames(playable.data) == decoded_frames(original)


def decoded_frames(data: bytes) -> list[str]:
    """A digest of each decoded picture in display order: a lossy re-encode changes them."""
    with av.open(io.BytesIO(data)) as container:
        return [
            hashlib.sha256(frame.to_image().tobytes()).hexdigest()
            for frame in container.decode(container.streams.video[0])
        ]


def test_raw_h264_plays_at_its_own_frame_rate() -> None:
    """Raw H.264 has no timestamps: the MP4 lasts as long as the frames at the stream's rate
    (15 fps from the SPS), not at FFmpeg's 25 fps default."""
    playable = make_playable(clip("annexb"))
    assert isinstance(playable, PlayableVideo) and playable.data is not None
    with av.open(io.BytesIO(playable.data)) as container:
        assert container.duration is not None
        assert abs(container.duration / av.time_base - 2.0) < 0.15
        assert container.streams.video[0].average_rate == 15


def test_an_mp4_that_already_starts_with_moov_is_used_as_it_is() -> None:
    original = clip("mp4-faststart")
    assert moov_first(original)
    playable = make_playable(original)
    assert playable == PlayableVideo(None, "h264")


@pytest.mark.parametrize(("kind", "named"), [("hevc", "H.265 \\(HEVC\\)"), ("mjpeg", "MJPEG")])
def test_a_video_browsers_cannot_play_without_reencoding_says_so(
    kind: mediagen.ClipKind, named: str
) -> None:
    result = make_playable(clip(kind))
    assert isinstance(result, NotPlayable)
    assert result.reason.startswith(f"the video is {named.replace(chr(92), '')}")
    assert "the original stays downloadable" in result.reason


@pytest.mark.parametrize(
    "video",
    [
        pytest.param(lambda: mediagen.truncated(clip("mp4"), 0.5), id="MP4 cut before moov"),
        pytest.param(
            lambda: mediagen.truncated(clip("mp4-faststart"), 0.6), id="fast-start MP4 cut"
        ),
        pytest.param(lambda: mediagen.truncated(clip("avi"), 0.02), id="AVI header only"),
        pytest.param(lambda: mediagen.corrupted(clip("annexb"), start=4), id="Annex B garbage"),
        pytest.param(lambda: b"\x00\x00\x00\x18ftypmp42" + bytes(512), id="ftyp then zeros"),
        pytest.param(lambda: b"RIFF\x00\x00\x00\x00AVI " + bytes(64), id="RIFF AVI empty"),
        pytest.param(lambda: b"", id="empty"),
    ],
)
def test_a_video_that_does_not_parse_is_refused_with_a_reason(video: object) -> None:
    with pytest.raises(BadMedia, match="the video") as refused:
        make_playable(video())  # type: ignore[operator]
    assert "<none>" not in str(refused.value)


def test_moov_first_reads_top_level_boxes() -> None:
    def box(kind: bytes, payload: bytes = b"") -> bytes:
        return (8 + len(payload)).to_bytes(4, "big") + kind + payload

    assert moov_first(box(b"ftyp", b"isom") + box(b"moov") + box(b"mdat", b"x" * 10))
    assert not moov_first(box(b"ftyp", b"isom") + box(b"mdat", b"x" * 10) + box(b"moov"))
    assert not moov_first(b"")
    # A box claiming a size under its own header ends the walk instead of looping.
    assert top_level_boxes(box(b"ftyp") + b"\x00\x00\x00\x04free" + box(b"moov")) == ["ftyp"]


@pytest.mark.parametrize(
    ("kind", "demuxer"),
    [
        ("annexb", "h264"),
        ("bframes", "h264"),
        ("hevc", "hevc"),
        ("mp4", "mp4"),
        ("mp4-faststart", "mp4"),
        ("avi", "avi"),
        ("mjpeg", "avi"),
    ],
)
def test_the_demuxer_comes_from_the_magic_bytes(kind: mediagen.ClipKind, demuxer: str) -> None:
    assert demuxer_for(clip(kind)) == demuxer


@pytest.mark.parametrize(
    "playlist",
    [
        b"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile:///proc/self/environ\n",
        b"ffconcat version 1.0\nfile '/proc/self/environ'\n",
        b"#EXTM3U\n#EXTINF:1,\nhttp://169.254.169.254/latest/meta-data/\n",
    ],
)
def test_a_playlist_posing_as_a_video_is_never_opened_by_ffmpeg(playlist: bytes) -> None:
    """GIVEN a "video" that is an HLS playlist or a concat script naming local files or the
    instance metadata endpoint
    THEN it is refused from its first bytes: FFmpeg never probes it, so nothing it names is
    read into a "playable" copy."""
    assert demuxer_for(playlist) is None
    with pytest.raises(BadMedia, match=r"not MP4, AVI or raw H\.264/H\.265"):
        make_playable(playlist)
