"""The camera simulator: heartbeats and alarm pushes as cameras send them, against a stand-in
receiver on 127.0.0.1, and its summary of the replies."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

import boto3
import pytest
from requests_toolbelt.multipart.decoder import MultipartDecoder
from vstarcam_push.dal.camera_fleet import CameraFleet
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.ingest.alarm_intake import parse_alarm_push
from vstarcam_push.ingest.protocol import validate_vuid
from vstarcam_push.models.media import JPEG, MP4, sniff_picture, sniff_video
from vstarcam_tools.camera import simulator
from vstarcam_tools.camera.simulator import (
    alarm_form,
    load_testdata,
    percentile,
    run_simulation,
    simulated_vuids,
    unique_picture,
)
from vstarcam_tools.outputs import StackOutputs, publish_outputs
from vstarcam_tools.template import Stack

from tests.conftest import REGION
from tests.tools.cli.conftest import Result, stack_secret
from tests.tools.cli.receiver import StandinReceiver

# Two cameras, heartbeatTime 0.5 s, one alarm a second each, for 1.5 s. Staggered starts:
# heartbeats at 0, 0.5, 1.0 and 0.25, 0.75, 1.25 (6); alarms at 0.25, 1.25 and 0.75 (3).
FLEET = {"heartbeat_time": 0.5, "alarms_per_minute": 60.0, "duration": 1.5}
HEARTBEATS, ALARMS = 6, 3


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_simulated_vuids_are_valid_and_deterministic() -> None:
    vuids = simulated_vuids(12)
    assert vuids[:2] == ["SIM0000001", "SIM0000002"] and vuids[-1] == "SIM0000012"
    assert all(validate_vuid(vuid) == vuid for vuid in vuids)
    assert simulated_vuids(12) == vuids
    with pytest.raises(ValueError):
        simulated_vuids(0)


@pytest.mark.parametrize("name", ["motion.jpg", "doorbell.jpg", "night.jpg"])
def test_testdata_pictures_are_real_jpegs(name: str) -> None:
    picture = load_testdata(name)
    assert sniff_picture(picture) == JPEG
    assert picture.endswith(b"\xff\xd9")  # EOI: a complete JPEG, not just a magic number
    assert 1_000 < len(picture) < 20_000


def test_testdata_video_is_an_mp4() -> None:
    video = load_testdata("alarm.mp4")
    assert sniff_video(video) == MP4
    assert b"moov" in video and b"mdat" in video and b"avc1" in video


def test_unique_picture_adds_a_jpeg_comment_segment() -> None:
    original = load_testdata("motion.jpg")
    first = unique_picture(original, "SIM0000001 alarm 1")
    second = unique_picture(original, "SIM0000001 alarm 2")
    assert first != second
    assert sniff_picture(first) == JPEG
    # SOI, then COM with its big-endian length (which counts the length bytes), then the rest.
    assert first[2:4] == b"\xff\xfe"
    length = int.from_bytes(first[4:6], "big")
    assert first[6 : 4 + length] == b"SIM0000001 alarm 1"
    assert first[4 + length :] == original[2:]


def test_alarm_form_is_accepted_by_the_receivers_parser() -> None:
    picture = unique_picture(load_testdata("night.jpg"), "x")
    video = load_testdata("alarm.mp4")
    form = alarm_form("SIM0000001", 0x29, picture, video)
    push = parse_alarm_push(form.to_string(), form.content_type)
    assert push.vuid == "SIM0000001" and push.alarm_type.code == 0x29
    assert push.picture == picture and push.video == video


def test_percentile_is_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([7.0], 0.5) == 7.0


def test_fleet_sends_heartbeats_and_alarm_pushes_as_cameras_do(
    receiver: StandinReceiver,
) -> None:
    """GIVEN two simulated cameras WHEN run for 1.5 s THEN the scheduled requests, camera-shaped."""
    vuids = simulated_vuids(2)
    summary = run_simulation(
        f"{receiver.url}/heartbeat", f"{receiver.url}/alarm", vuids, video=True, **FLEET
    )
    heartbeats, alarms = receiver.received("/heartbeat"), receiver.received("/alarm")
    assert len(heartbeats) == HEARTBEATS and len(alarms) == ALARMS
    for heartbeat in heartbeats:
        assert heartbeat.content_type == "application/json"
        assert set(json.loads(heartbeat.body)) == {"vuid"}
    assert {json.loads(h.body)["vuid"] for h in heartbeats} == set(vuids)
    pictures = set()
    for alarm in alarms:
        parts = {
            part.headers[b"Content-Disposition"].split(b'name="')[1].split(b'"')[0].decode(): part
            for part in MultipartDecoder(alarm.body, alarm.content_type).parts
        }
        assert set(parts) == {"vuid", "type", "picture", "video"}
        assert parts["vuid"].text in vuids
        assert int(parts["type"].text) in simulator.DEFAULT_ALARM_TYPES
        assert parts["picture"].content[:3] == b"\xff\xd8\xff"
        assert parts["video"].content == load_testdata("alarm.mp4")
        pictures.add(parts["picture"].content)
    assert len(pictures) == ALARMS  # every alarm's picture is distinct, as live images are
    assert summary.vuids == vuids
    assert summary.replies == {"heartbeat": {"200": HEARTBEATS}, "alarm": {"200": ALARMS}}
    assert summary.errors == {}
    assert summary.sent("heartbeat") == HEARTBEATS and summary.sent("alarm") == ALARMS


def test_alarm_types_rotate_and_are_sent_as_decimal_text(receiver: StandinReceiver) -> None:
    run_simulation(
        f"{receiver.url}/heartbeat",
        f"{receiver.url}/alarm",
        ["VE0005622QHOW"],
        heartbeat_time=10.0,
        alarms_per_minute=240.0,
        duration=1.0,
        alarm_types=[0x12, 0x14],
    )
    types = [
        MultipartDecoder(a.body, a.content_type).parts[1].text for a in receiver.received("/alarm")
    ]
    assert types == ["18", "20", "18", "20"]


def test_summary_counts_reply_codes_errors_and_latency(receiver: StandinReceiver) -> None:
    """GIVEN alarms refused with 403 and heartbeats to a closed port THEN each is counted."""
    receiver.replies["/alarm"] = (
        403,
        "application/json",
        b'{"code":"403","message":"camera SIM0000001 is not registered"}',
    )
    summary = run_simulation(
        f"http://127.0.0.1:{_closed_port()}/heartbeat",
        f"{receiver.url}/alarm",
        simulated_vuids(2),
        **FLEET,
    )
    assert summary.replies == {"alarm": {"403": ALARMS}}
    assert summary.errors == {"heartbeat": {"ConnectionError": HEARTBEATS}}
    latency = summary.latency_ms("alarm")
    assert latency is not None and set(latency) == {"p50", "p90", "p99", "max"}
    assert latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"]
    assert summary.latency_ms("heartbeat") is None
    document = summary.to_dict()
    assert document["sent"] == {"heartbeat": HEARTBEATS, "alarm": ALARMS}
    assert document["errors"]["heartbeat"] == {"ConnectionError": HEARTBEATS}
    assert document["latencyMs"]["heartbeat"] is None


def test_a_reply_without_the_protocols_code_is_counted_by_http_status(
    receiver: StandinReceiver,
) -> None:
    receiver.replies["/heartbeat"] = (502, "text/html", b"<html>Bad Gateway</html>")
    summary = run_simulation(
        f"{receiver.url}/heartbeat",
        f"{receiver.url}/alarm",
        ["VE0005622QHOW"],
        heartbeat_time=10.0,
        alarms_per_minute=0.0,
        duration=1.0,
    )
    assert summary.replies == {"heartbeat": {"HTTP 502": 1}}
    assert receiver.received("/alarm") == []


def test_a_failure_inside_a_worker_is_raised(
    receiver: StandinReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("broken encoder")

    monkeypatch.setattr(simulator, "alarm_form", broken)
    with pytest.raises(RuntimeError, match="broken encoder"):
        run_simulation(
            f"{receiver.url}/heartbeat", f"{receiver.url}/alarm", ["VE0005622QHOW"], **FLEET
        )


def test_simulate_command_prints_a_summary_table(
    cli: Callable[..., Result], receiver: StandinReceiver
) -> None:
    result = cli(
        "simulate",
        "--heartbeat-url",
        f"{receiver.url}/heartbeat",
        "--alarm-url",
        f"{receiver.url}/alarm",
        "--cameras",
        "2",
        "--heartbeat-time",
        "0.5",
        "--alarms-per-minute",
        "60",
        "--duration",
        "1.5",
    )
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("simulated 2 camera(s) SIM0000001..SIM0000002")
    assert lines[1].split()[:3] == ["ENDPOINT", "SENT", "REPLIES"]
    assert lines[2].split()[:4] == ["heartbeat", str(HEARTBEATS), "200:", str(HEARTBEATS)]
    assert lines[3].split()[:4] == ["alarm", str(ALARMS), "200:", str(ALARMS)]


def test_simulate_command_json_names_the_vuids_used(
    cli: Callable[..., Result], receiver: StandinReceiver
) -> None:
    result = cli(
        "simulate",
        "--heartbeat-url",
        f"{receiver.url}/heartbeat",
        "--alarm-url",
        f"{receiver.url}/alarm",
        "--vuid",
        "ve0005622qhow",
        "--heartbeat-time",
        "0.5",
        "--alarms-per-minute",
        "0",
        "--duration",
        "1",
        "--json",
    )
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["vuids"] == ["VE0005622QHOW"]
    assert document["sent"] == {"heartbeat": 2, "alarm": 0}
    assert document["replies"]["heartbeat"] == {"200": 2}


def test_simulate_register_adds_the_cameras_and_reads_urls_from_the_stack(
    cli: Callable[..., Result],
    receiver: StandinReceiver,
    stack: Stack,
) -> None:
    """GIVEN a stack whose outputs point at the receiver WHEN simulate --register THEN the
    simulated cameras are registered first and the requests go to the outputs' URLs."""
    outputs = {
        **stack.outputs(),
        "HeartbeatUrl": f"{receiver.url}/heartbeat",
        "AlarmUrl": f"{receiver.url}/alarm",
    }
    publish_outputs(boto3.client("cloudformation", region_name=REGION), "vstarcam-push", outputs)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    registry = CameraRegistry(dynamodb, StackOutputs.from_dict(outputs).cameras_table)
    added = cli("cameras", "add", "SIM0000002", "--name", "Kept name", "--offline-after", "900")
    assert added.code == 0, added.err
    result = cli(
        "simulate",
        "--cameras",
        "3",
        "--register",
        "--heartbeat-time",
        "100",
        "--alarms-per-minute",
        "0",
        "--duration",
        "1",
        "--json",
    )
    assert result.code == 0, result.err
    assert "registered 2 of 3 simulated cameras" in result.err
    cameras = {camera.vuid: camera for camera in CameraFleet(dynamodb, registry.table).list()}
    assert set(cameras) == {"SIM0000001", "SIM0000002", "SIM0000003"}
    # Three missed heartbeats before offline; an existing camera keeps its settings.
    assert cameras["SIM0000001"].offline_after == 300
    assert (cameras["SIM0000002"].name, cameras["SIM0000002"].offline_after) == ("Kept name", 900)
    assert json.loads(result.out)["vuids"] == ["SIM0000001", "SIM0000002", "SIM0000003"]
    # Staggered over 100 s: only the first camera's heartbeat, on its own keyed URL.
    (heartbeat,) = [r.path for r in receiver.requests if r.path.startswith("/heartbeat")]
    key = registry.push_key("SIM0000001", stack_secret())
    assert heartbeat == f"/heartbeat/{key}"


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--vuid", "VE-1"], 1, "invalid vuid"),
        (["--cameras", "0"], 2, "must be at least 1"),
        (["--vuid", "VE0005622QHOW", "--cameras", "2"], 2, "not allowed with"),
        (["--duration", "0"], 2, "must be more than 0"),
        (["--alarms-per-minute", "-1"], 2, "-1 must be at least 0"),
    ],
)
def test_simulate_refuses_bad_options(
    cli: Callable[..., Result], no_stack: None, argv: list[str], code: int, message: str
) -> None:
    urls = ["--heartbeat-url", "http://127.0.0.1:9/h", "--alarm-url", "http://127.0.0.1:9/a"]
    result = cli("simulate", *urls, *argv)
    assert result.code == code
    assert message in result.err and "Traceback" not in result.err


def test_simulate_without_urls_or_stack_is_one_line_error(
    cli: Callable[..., Result], no_stack: None
) -> None:
    """No URLs given and no stack to read them from."""
    result = cli("simulate", "--duration", "1")
    assert result.code == 1
    assert result.err.count("\n") == 1 and "no stack named 'vstarcam-push'" in result.err
