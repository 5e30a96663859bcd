"""``vstarcam-push alarms``: list stored alarms and download their picture and video."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.models.alarm import Alarm
from vstarcam_tools.camera.simulator import load_testdata
from vstarcam_tools.outputs import StackOutputs

from tests.conftest import VUID
from tests.tools.cli.conftest import Result

OTHER = "OKB0379853SNLJ"
ISO_UTC_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def _now_ms() -> int:
    return int(time.time() * 1000)


def test_list_json_is_the_fleets_newest_alarms_first(
    cli: Callable[..., Result], store_alarm: Callable[..., Alarm]
) -> None:
    """GIVEN alarms of two cameras WHEN listed as JSON THEN newest first, with their fields."""
    now = _now_ms()
    motion = store_alarm(VUID, "18", received_at_ms=now - 3000)
    doorbell = store_alarm(
        OTHER, "0x14", received_at_ms=now - 2000, video=load_testdata("alarm.mp4")
    )
    smoke = store_alarm(VUID, "110", received_at_ms=now - 1000)
    result = cli("alarms", "list", "--json")
    assert result.code == 0, result.err
    alarms = json.loads(result.out)
    assert [a["id"] for a in alarms] == [smoke.alarm_id, doorbell.alarm_id, motion.alarm_id]
    newest, with_video, oldest = alarms
    assert newest["vuid"] == VUID and newest["type"] == 0x6E
    assert newest["typeName"] == "Smoke detection alarm"
    assert with_video["type"] == 0x14 and with_video["typeName"] == "Doorbell button alarm"
    assert with_video["hasVideo"] is True and oldest["hasVideo"] is False
    assert with_video["video"]["contentType"] == "video/mp4"
    assert ISO_UTC_MS.fullmatch(oldest["receivedAt"])
    assert oldest["receivedAt"] == motion.received_at.isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


def test_list_table_shows_id_time_type_in_words_and_video(
    cli: Callable[..., Result], store_alarm: Callable[..., Alarm]
) -> None:
    alarm = store_alarm(VUID, "18", video=load_testdata("alarm.mp4"))
    result = cli("alarms", "list")
    assert result.code == 0
    header, row = result.out.splitlines()
    assert header.split() == ["ID", "RECEIVED", "TYPE", "VIDEO", "MEDIA"]
    assert row.startswith(alarm.alarm_id)
    assert "0x12 Motion detection alarm" in row and row.split()[-2:] == ["yes", "pending"]
    assert row.index("0x12") == header.index("TYPE")


def test_list_by_camera_and_limit(
    cli: Callable[..., Result], store_alarm: Callable[..., Alarm]
) -> None:
    now = _now_ms()
    first = store_alarm(VUID, received_at_ms=now - 3000)
    second = store_alarm(VUID, received_at_ms=now - 2000)
    store_alarm(OTHER, received_at_ms=now - 1000)
    by_camera = json.loads(cli("alarms", "list", "--vuid", VUID.lower(), "--json").out)
    assert [a["id"] for a in by_camera] == [second.alarm_id, first.alarm_id]
    limited = json.loads(cli("alarms", "list", "--limit", "1", "--json").out)
    assert len(limited) == 1 and limited[0]["vuid"] == OTHER


def test_list_of_a_removed_camera_still_shows_its_stored_alarms(
    cli: Callable[..., Result], store_alarm: Callable[..., Alarm], registry: CameraRegistry
) -> None:
    alarm = store_alarm(VUID)
    assert registry.remove(VUID)
    result = cli("alarms", "list", "--vuid", VUID, "--json")
    assert result.code == 0
    assert [a["id"] for a in json.loads(result.out)] == [alarm.alarm_id]


def test_list_of_a_registered_camera_without_alarms(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    cli("cameras", "add", VUID)
    assert json.loads(cli("alarms", "list", "--vuid", VUID, "--json").out) == []
    result = cli("alarms", "list", "--vuid", VUID)
    assert result.code == 0 and "no alarms stored" in result.out


def test_get_writes_picture_and_video_byte_equal(
    cli: Callable[..., Result], store_alarm: Callable[..., Alarm], tmp_path: Path
) -> None:
    """GIVEN an alarm with a real JPEG and MP4 WHEN got with --picture/--video THEN those bytes."""
    picture = load_testdata("doorbell.jpg")
    video = load_testdata("alarm.mp4")
    alarm = store_alarm(VUID, "20", picture=picture, video=video)
    picture_file, video_file = tmp_path / "alarm.jpg", tmp_path / "alarm.mp4"
    result = cli(
        "alarms", "get", alarm.alarm_id, "--picture", str(picture_file), "--video", str(video_file)
    )
    assert result.code == 0, result.err
    assert picture_file.read_bytes() == picture
    assert video_file.read_bytes() == video
    assert alarm.alarm_id in result.out
    assert "20 (0x14) Doorbell button alarm" in result.out
    assert f"image/jpeg, {len(picture)} bytes" in result.out
    assert f"video/mp4, {len(video)} bytes" in result.out


def test_get_accepts_the_id_in_any_case(
    cli: Callable[..., Result], store_alarm: Callable[..., Alarm]
) -> None:
    alarm = store_alarm(VUID)
    result = cli("alarms", "get", alarm.alarm_id.swapcase())
    assert result.code == 0, result.err
    assert alarm.alarm_id in result.out and "video:" in result.out and "none" in result.out


def test_no_output_shows_an_alarms_media_link_token(
    cli: Callable[..., Result], store_alarm: Callable[..., Alarm], tmp_path: Path
) -> None:
    """The token opens the media for anyone: it is in the owner's email, nowhere else."""
    alarm = store_alarm(VUID, "18", video=load_testdata("alarm.mp4"))
    assert alarm.link is not None

    outputs = [
        cli("alarms", "list").out,
        cli("alarms", "list", "--json").out,
        cli("alarms", "get", alarm.alarm_id, "--picture", str(tmp_path / "p.jpg")).out,
    ]

    assert all(alarm.link.token not in output for output in outputs)
