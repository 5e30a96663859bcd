"""How the offline sweep finds past-due cameras: the designs compared, measured and modelled.

- ``scan`` (chosen): a parallel Scan of the Cameras table, filtered on the deadline.
  Measured: 10,000 cameras in in-process moto, the real ``CameraFleet.past_due``;
  its pages and bytes read, and moto's time per MB read. A heartbeat writes no index.
- ``coarse index``: the deadline rounded up to ``step`` seconds as the key of a sparse
  KEYS_ONLY index; the key moves once a step, and a moving key is a delete and a put
  in the index (priced with ``ddb_units`` on real items). The sweep queries the index.
- ``exact index``: the design before this one (``byDeadline``: the exact deadline as
  the key, moving on every heartbeat).

Extrapolation to 100,000 cameras: pages and read units grow with the bytes read
(cameras x item size); the run time is moto's measured time per MB read times the MB
read, divided by the Scan's segments, which run on their own threads in the Lambda
(in moto they share one interpreter, so its wall time is the sum of their pages).
"""

from __future__ import annotations

import time
from typing import Any

import boto3
from moto import mock_aws
from vstarcam_push.dal.camera_fleet import SWEEP_SEGMENTS, CameraFleet

from vstarcam_tools.dev.bench import events
from vstarcam_tools.dev.bench.calls import CallLog
from vstarcam_tools.dev.bench.ddb_units import Index, Table, item_size, read_units, total
from vstarcam_tools.dev.bench.scenarios import camera_item, now, seed_cameras
from vstarcam_tools.provision import create_resources
from vstarcam_tools.template import Stack

MEASURED_CAMERAS = 10_000
PAST_DUE = 10
COARSE_STEPS_S = (300, 3600)
SHARDS = 4  # the index designs partition their key over a few shards, as byDeadline did
MB = 1024 * 1024


def _fleet(count: int, at: int) -> list[dict[str, Any]]:
    """Cameras as heartbeats and alarms leave them: online, with a past alarm and a slot."""
    items = []
    for n in range(count):
        due = n < PAST_DUE
        item = camera_item(f"VE{n:08d}FLT", at, at - 60 if due else at + 120)
        item["lastAlarmAt"] = {"N": str(at - 3600)}
        item["notifiedAt_0x12"] = {"N": str(at - 3600)}
        item["notifiedBy_0x12"] = {"S": f"VE{n:08d}FLT-{'0' * 20}"}
        items.append(item)
    return items


def measure_scan(cameras: int = MEASURED_CAMERAS) -> dict[str, Any]:
    """The chosen sweep's Scan over ``cameras`` in in-process moto."""
    with mock_aws():
        stack = Stack(region=events.REGION)
        session = boto3.Session(region_name=events.REGION)
        create_resources(stack, session)
        dynamodb = session.client("dynamodb")
        table = stack.physical_name("CamerasTable")
        at = now()
        fleet = _fleet(cameras, at)
        seed_cameras(dynamodb, table, fleet)
        log = CallLog()
        log.attach(session)
        cameras_fleet = CameraFleet(session.client("dynamodb"), table)
        started = time.perf_counter()
        due = cameras_fleet.past_due(at)
        seconds = time.perf_counter() - started
    if len(due) != PAST_DUE:
        raise RuntimeError(f"the scan found {len(due)} cameras past due, not {PAST_DUE}")
    pages = log.counts().get("dynamodb_read", 0)
    scanned = sum(item_size(item) for item in fleet)
    return {
        "cameras": cameras,
        "segments": SWEEP_SEGMENTS,
        "pages": pages,
        "bytes_read": scanned,
        "item_bytes": round(scanned / cameras, 1),
        "read_units": read_units_of(scanned, pages),
        "moto_seconds": round(seconds, 3),
        "moto_ms_per_mb": round(seconds * 1000 / (scanned / MB), 1),
    }


def read_units_of(bytes_read: float, pages: int) -> float:
    """Read units of a Scan that read ``bytes_read`` in ``pages`` pages (each rounded up)."""
    per_page = bytes_read / max(pages, 1)
    return pages * read_units(int(per_page))


def scan_pages(cameras: int, item_bytes: float) -> int:
    """Pages of the parallel Scan: each segment reads its share in pages of up to 1 MB."""
    per_segment = cameras * item_bytes / SWEEP_SEGMENTS
    return SWEEP_SEGMENTS * max(1, -(-int(per_segment) // MB))


def coarse_index_units(step_s: int, heartbeat_time_s: int) -> float:
    """Average write units of a heartbeat when the index key is the deadline rounded to a step.

    Priced on real items: the heartbeat that moves the key (once per step, or on every
    heartbeat when the step is shorter than heartbeatTime) against the one that does not.
    """
    index = Index("byDeadlineStep", ("sweepShard", "deadlineStep"), "KEYS_ONLY")
    table = Table("CamerasTable", ("vuid",), (index,))
    at = 1_800_000_000
    before = camera_item("VE0005622QHOW", at, at + 180)
    before.update({"sweepShard": {"S": "1"}, "deadlineStep": {"N": str(at + step_s)}})
    same = {**before, "lastSeen": {"N": str(at + 60)}, "onlineUntil": {"N": str(at + 240)}}
    moved = {**same, "deadlineStep": {"N": str(at + 2 * step_s)}}
    moves = min(1.0, heartbeat_time_s / step_s)
    return moves * total(table.write_units(before, moved)) + (1 - moves) * total(
        table.write_units(before, same)
    )


def exact_index_units() -> int:
    """A heartbeat's units with byDeadline (its key, the exact deadline, moves every time)."""
    index = Index("byDeadline", ("sweepShard", "onlineUntil"), "KEYS_ONLY")
    table = Table("CamerasTable", ("vuid",), (index,))
    at = 1_800_000_000
    before = {**camera_item("VE0005622QHOW", at, at + 180), "sweepShard": {"S": "1"}}
    after = {**before, "lastSeen": {"N": str(at + 60)}, "onlineUntil": {"N": str(at + 240)}}
    return total(table.write_units(before, after))


def designs(
    measured: dict[str, Any],
    prices: dict[str, float],
    heartbeat_time_s: int = 60,
    sweep_period_s: int = 60,
    offline_after_s: int = 180,
    fleet_sizes: tuple[int, ...] = (10, 1_000, 10_000, 100_000),
) -> list[dict[str, Any]]:
    """Each design at each fleet size: dollars per camera-month (heartbeat writes and sweep
    reads; the sweep's Lambda time, per stack, is its own column), detection latency and
    the sweep's run time."""
    month_s = 30 * 86_400
    heartbeats = month_s / heartbeat_time_s
    sweeps = month_s / sweep_period_s
    write, read = prices["dynamodb_write_unit"], prices["dynamodb_read_unit"]
    item_bytes = measured["item_bytes"]
    rows = []
    for cameras in fleet_sizes:
        pages = scan_pages(cameras, item_bytes)
        scan_units = read_units_of(cameras * item_bytes, pages)
        scan_s = cameras * item_bytes / MB * measured["moto_ms_per_mb"] / 1000 / SWEEP_SEGMENTS
        options = [
            ("scan (chosen)", 1.0, scan_units, offline_after_s + sweep_period_s, scan_s),
            ("exact index (before)", float(exact_index_units()), SHARDS * 0.5,
             offline_after_s + sweep_period_s, 0.0),
        ] + [
            (f"coarse index, {step} s step", coarse_index_units(step, heartbeat_time_s),
             SHARDS * 0.5, offline_after_s + step + sweep_period_s, 0.0)
            for step in COARSE_STEPS_S
        ]  # fmt: skip
        for name, heartbeat_units, sweep_units, latency_s, run_s in options:
            rows.append(
                {
                    "design": name,
                    "cameras": cameras,
                    "heartbeat_write_units": round(heartbeat_units, 3),
                    "sweep_read_units": round(sweep_units, 1),
                    "per_camera_month": round(
                        heartbeats * heartbeat_units * write
                        + sweeps * sweep_units * read / cameras,
                        5,
                    ),
                    "sweep_share_per_camera_month": round(sweeps * sweep_units * read / cameras, 6),
                    "detection_s_at_most": latency_s,
                    "sweep_run_s_moto_rate": round(run_s, 2),
                }
            )
    return rows


def run(prices: dict[str, float]) -> dict[str, Any]:
    """The ``sweep_designs`` section."""
    measured = measure_scan()
    return {"measured_scan": measured, "designs": designs(measured, prices)}
