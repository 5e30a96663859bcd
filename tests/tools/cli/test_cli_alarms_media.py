"""``vstarcam-push alarms``: thumbnails and playable videos: ``get --thumbnail/--playable-video``,
``--json``'s ``thumbnail``/``playableVideo``/``mediaError``, and ``alarms process``."""

from __future__ import annotations

import functools
import io
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
from PIL import Image
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.media.convert import moov_first
from vstarcam_push.models.alarm import Alarm
from vstarcam_tools.camera import mediagen
from vstarcam_tools.outputs import StackOutputs

from tests.conftest import REGION, VUID
from tests.tools.cli.conftest import Result

OTHER = "OKB0379853SNLJ"


@functools.cache
def clip(kind: mediagen.ClipKind) -> bytes:
    return mediagen.clip(kind)


def stored(deployed: StackOutputs, alarm_id: str) -> Alarm:
    alarm = AlarmStore(boto3.client("dynamodb", region_name=REGION), deployed.alarms_table).get(
        alarm_id
    )
    assert alarm is not None
    return alarm


def test_process_makes_thumbnails_and_playable_videos_with_a_progress_bar_and_summary(
    cli: Callable[..., Result],
    store_alarm: Callable[..., Alarm],
    deployed: StackOutputs,
    tmp_path: Path,
) -> None:
    """GIVEN alarms stored before media processing: one with a raw H.264 video, one with an
    H.265 video, one with a broken picture
    WHEN `alarms process` runs
    THEN each gets its thumbnail and playable MP4 where possible, a progress bar goes to
    stderr, the summary counts processed and failed and names the failure; then
    `alarms get --thumbnail --playable-video` saves them and --json says they exist."""
    with_video = store_alarm(VUID, video=clip("annexb"))
    hevc = store_alarm(VUID, video=clip("hevc"))
    broken = store_alarm(OTHER, picture=mediagen.truncated(mediagen.frame_jpeg(640, 360), 0.3))

    result = cli("alarms", "process")

    assert result.code == 1, result.err  # a failure is reported in the exit status
    assert "3 alarm(s) of all cameras" in result.out
    assert "processed 2, failed 1, skipped 0" in result.out
    assert f"  {broken.alarm_id}: picture: the picture could not be decoded" in result.out
    bars = [line for line in result.err.splitlines() if line.startswith("[")]
    assert bars[0].startswith("[" + "-" * 30 + "] 0/3") and "] 3/3" in bars[-1]
    assert stored(deployed, hevc.alarm_id).media_error is not None

    thumbnail, playable = tmp_path / "thumb.jpg", tmp_path / "video.mp4"
    got = cli(
        "alarms", "get", with_video.alarm_id, "--thumbnail", str(thumbnail),
        "--playable-video", str(playable),
    )  # fmt: skip
    assert got.code == 0, got.err
    assert Image.open(io.BytesIO(thumbnail.read_bytes())).width == 320
    assert moov_first(playable.read_bytes())
    assert "thumbnail saved:" in got.out and "playable video saved:" in got.out
    assert re.search(r"^media: +processed$", got.out, re.MULTILINE)

    listed = {a["id"]: a for a in json.loads(cli("alarms", "list", "--json").out)}
    assert listed[with_video.alarm_id]["thumbnail"] is True
    assert listed[with_video.alarm_id]["playableVideo"] is True
    assert listed[with_video.alarm_id]["mediaStatus"] == "processed"
    assert listed[hevc.alarm_id]["playableVideo"] is False
    assert "H.265 (HEVC)" in listed[hevc.alarm_id]["mediaError"]
    assert listed[broken.alarm_id]["thumbnail"] is False
    assert listed[broken.alarm_id]["mediaStatus"] == "failed"
    assert listed[broken.alarm_id]["mediaError"].startswith("picture: ")

    again = cli("alarms", "process")
    assert "1 without a thumbnail and playable video yet (or failed)" in again.out
    assert "processed 0, failed 1" in again.out


def test_process_by_camera_and_since(
    cli: Callable[..., Result], store_alarm: Callable[..., Alarm], deployed: StackOutputs
) -> None:
    now_ms = int(time.time() * 1000)
    old = store_alarm(VUID, received_at_ms=now_ms - 3 * 86_400_000)
    recent = store_alarm(VUID)
    other = store_alarm(OTHER)
    since = (datetime.now(tz=UTC) - timedelta(days=1)).date().isoformat()

    result = cli("alarms", "process", "--vuid", VUID, "--since", since)

    assert result.code == 0, result.err
    assert "processed 1, failed 0" in result.out
    assert stored(deployed, recent.alarm_id).media_status == "processed"
    assert stored(deployed, old.alarm_id).media is None
    assert stored(deployed, other.alarm_id).media is None
    assert cli("alarms", "process", "--since", "2020-13-01").code == 2
    nothing = cli("alarms", "process", "--vuid", VUID, "--since", since)
    assert "0 without a thumbnail" in nothing.out and nothing.code == 0


def test_get_thumbnail_before_processing_says_how_to_make_it(
    cli: Callable[..., Result], store_alarm: Callable[..., Alarm], tmp_path: Path
) -> None:
    alarm = store_alarm(VUID)
    result = cli("alarms", "get", alarm.alarm_id, "--thumbnail", str(tmp_path / "t.jpg"))
    assert result.code == 1
    assert "has no thumbnail: media not processed yet (run 'vstarcam-push alarms process')" in (
        result.err
    )
    no_video = cli("alarms", "get", alarm.alarm_id, "--playable-video", str(tmp_path / "v.mp4"))
    assert no_video.code == 1 and "has no playable video: it has no video" in no_video.err
    assert not (tmp_path / "t.jpg").exists()


def test_get_json_shows_the_media_fields(
    cli: Callable[..., Result], store_alarm: Callable[..., Alarm]
) -> None:
    alarm = store_alarm(VUID, video=clip("mjpeg"))
    before = json.loads(cli("alarms", "get", alarm.alarm_id, "--json").out)
    assert (before["thumbnail"], before["playableVideo"], before["mediaStatus"]) == (
        False,
        False,
        None,
    )
    assert cli("alarms", "process").code == 0
    after = json.loads(cli("alarms", "get", alarm.alarm_id, "--json").out)
    assert (after["thumbnail"], after["playableVideo"], after["mediaStatus"]) == (
        True,
        False,
        "processed",
    )
    assert after["mediaError"].startswith("video: the video is MJPEG")
    text = cli("alarms", "get", alarm.alarm_id).out
    assert "playable video: none (video: the video is MJPEG" in text
