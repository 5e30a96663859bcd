"""The local stack runs MediaProcessFunction as it runs the notifier: from the Alarms stream,
with the template's filter, in its own worker. A camera's alarm gets its thumbnail and a
playable MP4 seconds later, and the CLI saves them."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.media import MediaStore
from vstarcam_push.media.convert import moov_first
from vstarcam_push.models.alarm import Alarm
from vstarcam_tools.camera import mediagen

from tests.e2e.helpers import post_alarm, reply_of, stored_alarms
from tests.e2e.localstack import LocalStackProcess

PROCESS_TIMEOUT_S = 60.0


def wait_until_processed(alarms: AlarmStore, vuid: str) -> Alarm:
    """Polls the alarm until media processing recorded it (bounded in time)."""
    deadline = time.monotonic() + PROCESS_TIMEOUT_S
    while time.monotonic() < deadline:
        found = stored_alarms(alarms, vuid)
        if found and found[0].media is not None:
            return found[0]
        time.sleep(0.25)
    raise AssertionError(f"no media processed for {vuid} within {PROCESS_TIMEOUT_S:.0f} s")


def test_an_alarm_gets_a_thumbnail_and_playable_mp4_within_seconds(
    local: LocalStackProcess,
    register: Callable[..., str],
    alarms: AlarmStore,
    media: MediaStore,
    tmp_path: Path,
) -> None:
    """GIVEN the local stack and a registered camera
    WHEN it pushes an alarm with a 1080p JPEG and a raw H.264 video
    THEN within seconds the alarm records a thumbnail and a fast-start MP4 (the stream
    emulation invoked MediaProcessFunction), and `alarms get` saves both."""
    vuid = register(name="Drive")
    picture = mediagen.frame_jpeg(1920, 1080, seed=3)
    video = mediagen.clip("annexb", seed=3)
    started = time.monotonic()

    assert reply_of(post_alarm(local.alarm_url, vuid, "18", picture, video), 200) == "Success"

    alarm = wait_until_processed(alarms, vuid)
    took = time.monotonic() - started
    assert alarm.media_status == "processed", alarm.media_error
    assert alarm.thumbnail is not None and alarm.playable_video is not None
    thumbnail = media.get(alarm.thumbnail.key)
    assert Image.open(io.BytesIO(thumbnail)).size == (320, 180)
    assert moov_first(media.get(alarm.playable_video.key))
    print(f"media processed {took:.1f} s after the alarm push")

    saved = tmp_path / "thumb.jpg"
    result = subprocess.run(
        [sys.executable, "-m", "vstarcam_tools.cli", "alarms", "get", alarm.alarm_id,
         "--thumbnail", str(saved), "--playable-video", str(tmp_path / "alarm.mp4")],
        env=local.aws_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert saved.read_bytes() == thumbnail
    assert moov_first((tmp_path / "alarm.mp4").read_bytes())


def test_a_broken_picture_is_recorded_as_failed_and_the_alarm_kept(
    local: LocalStackProcess, register: Callable[..., str], alarms: AlarmStore, media: MediaStore
) -> None:
    vuid = register()
    picture = mediagen.truncated(mediagen.frame_jpeg(640, 360, seed=4), 0.3)

    assert reply_of(post_alarm(local.alarm_url, vuid, "18", picture), 200) == "Success"

    alarm = wait_until_processed(alarms, vuid)
    assert alarm.media_status == "failed" and alarm.thumbnail is None
    assert alarm.media_error is not None and alarm.media_error.startswith("picture: ")
    assert media.get(alarm.picture.key) == picture
