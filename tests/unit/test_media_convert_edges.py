"""Edges of derived media that the clips in test_media_convert.py do not reach (found by
mutation testing, docs/testing.md): audio in the playable copy, and where raw H.265 ends
and raw H.264 begins, and the 4K limit of raw video that has to be decoded."""

from __future__ import annotations

import io
from fractions import Fraction
from types import SimpleNamespace

import av
import pytest
from PIL import Image
from vstarcam_push.media.convert import (
    BadMedia,
    PlayableVideo,
    _frame_step,
    demuxer_for,
    make_playable,
    moov_first,
)
from vstarcam_tools.camera import mediagen


def mp4_with_aac(frames: int = 15, audio_frames: int = 8) -> bytes:
    """A small H.264 + AAC MP4 (moov last), as cameras with a microphone record it."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as output:
        video = output.add_stream("libx264", rate=15)
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        audio = output.add_stream("aac", rate=8000)
        for n in range(frames):
            picture = Image.new("RGB", (160, 120), (n * 10, n * 10, n * 10))
            for packet in video.encode(av.VideoFrame.from_image(picture)):
                output.mux(packet)
        for n in range(audio_frames):
            sound = av.AudioFrame(format="fltp", layout="mono", samples=1024)
            for plane in sound.planes:
                plane.update(bytes(plane.buffer_size))  # silence
            sound.sample_rate, sound.pts = 8000, n * 1024
            for packet in audio.encode(sound):
                output.mux(packet)
        for packet in video.encode(None):
            output.mux(packet)
        for packet in audio.encode(None):
            output.mux(packet)
    return out.getvalue()


def audio_packets(data: bytes) -> tuple[list[str], int]:
    """(codec of each audio stream, audio packets holding data) of an MP4."""
    with av.open(io.BytesIO(data)) as container:
        codecs = [stream.codec_context.name for stream in container.streams.audio]
        if not codecs:
            return codecs, 0
        return codecs, sum(1 for p in container.demux(container.streams.audio[0]) if p.size)


def test_aac_audio_is_copied_into_the_playable_video() -> None:
    """GIVEN an H.264 + AAC alarm video WHEN its playable copy is made THEN the copy holds
    the same AAC packets (docs/architecture.md: AAC or MP3 audio is copied)."""
    original = mp4_with_aac()
    codecs, packets = audio_packets(original)
    assert codecs == ["aac"] and packets > 0

    playable = make_playable(original)

    assert isinstance(playable, PlayableVideo) and playable.data is not None
    assert moov_first(playable.data)
    assert audio_packets(playable.data) == (["aac"], packets)


@pytest.mark.parametrize(
    ("nal_type", "demuxer"),
    [
        (31, "h264"),
        (32, "hevc"),  # VPS
        (40, "hevc"),  # suffix SEI
        (41, "h264"),  # reserved in H.265: no stream starts with it
        (63, "h264"),
    ],
)
@pytest.mark.parametrize("start_code", [b"\x00\x00\x00\x01", b"\x00\x00\x01"])
def test_raw_h265_is_told_from_h264_by_its_first_nal_type(
    nal_type: int, demuxer: str, start_code: bytes
) -> None:
    header = bytes([nal_type << 1, 0x01])
    assert demuxer_for(start_code + header + b"\x00" * 16) == demuxer


def test_raw_h264_with_b_frames_larger_than_4k_is_refused_before_it_is_decoded() -> None:
    """Raw H.264 with B-frames is decoded to learn its display order: frames above 4K
    (3840 x 2160) are refused first, as pictures above their pixel limit are; 4K itself
    is remuxed."""
    with pytest.raises(BadMedia, match=r"^the video's frames are larger than 4K$"):
        make_playable(mediagen.clip("bframes", width=3856, height=2176, frames=3))

    at_the_limit = make_playable(mediagen.clip("bframes", width=3840, height=2160, frames=3))

    assert isinstance(at_the_limit, PlayableVideo) and at_the_limit.data is not None


@pytest.mark.parametrize(
    ("guessed", "average", "step"),
    [(Fraction(15), Fraction(25), 6000), (None, Fraction(30), 3000), (None, None, 3600)],
)
def test_a_raw_frame_without_a_duration_gets_the_streams_frame_rate_or_25(
    guessed: Fraction | None, average: Fraction | None, step: int
) -> None:
    """FFmpeg gives raw H.264 packets a duration today; the fallback for a packet without
    one is the stream's guessed rate, else its average rate, else 25 frames a second
    (steps of a 1/90,000 s time base)."""
    stream = SimpleNamespace(
        guessed_rate=guessed, average_rate=average, time_base=Fraction(1, 90_000)
    )
    assert _frame_step(stream) == step
