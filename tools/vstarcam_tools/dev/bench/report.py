"""The goals of issue 5, checked against the results, and the table ``make bench`` prints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

COLD_START_GOAL = 1.15
HEARTBEAT_COLD_START_GOAL = 1.10
PER_CAMERA_GOAL = 0.10  # dollars per camera-month at 1,000 cameras
ONE_CAMERA_GOAL = 0.35  # dollars a month for a one-camera stack
# CameraEndpoint=FunctionUrl with CamerasCapacity=Provisioned, per camera-month at 1,000
# cameras (issue 22)
CHEAPEST_PER_CAMERA_GOAL = 0.035
# The queue-based delivery path (issue 12), measured by push_latency on the shared 2-CPU
# machine on 2026-12-06 (docs/performance.md): the new path must not be slower. Three more
# runs of the old path on the same machine under load gave medians of 1,117 to 1,187 ms:
# a run's median is within 10 % of another's, so that is the margin.
PUSH_LATENCY_BEFORE_MS = {"median_ms": 1133, "p95_ms": 1411}
PUSH_LATENCY_MARGIN = 1.10
SWEEP_PERIOD_S = 60
INGEST_RATIO_GOAL = 1.3
INGEST_PEAK_GOAL = 3.0


def _mark(met: bool) -> str:
    return "met" if met else "MISSED"


def goals(results: dict[str, Any]) -> list[tuple[str, bool]]:
    """Each goal as (what, met), for the sections present in ``results``."""
    checks: list[tuple[str, bool]] = []
    for name, cold in results.get("cold_start", {}).items():
        goal = HEARTBEAT_COLD_START_GOAL if name == "heartbeat" else COLD_START_GOAL
        checks.append((f"cold start {name}: ratio <= {goal}", cold["ratio"] <= goal))
    ingest = results.get("ingest", {}).get("4MB")
    if ingest:
        checks.append(
            (f"ingest 4MB: ratio <= {INGEST_RATIO_GOAL}", ingest["ratio"] <= INGEST_RATIO_GOAL)
        )
        checks.append(
            (
                f"ingest 4MB: peak <= {INGEST_PEAK_GOAL:g} x body",
                ingest["peak_bytes"] <= INGEST_PEAK_GOAL * ingest["body_bytes"],
            )
        )
    calls = results.get("aws_calls", {})
    if "heartbeat" in calls:
        heartbeat = calls["heartbeat"]
        checks.append(
            (
                "heartbeat: one DynamoDB write, no read",
                heartbeat["dynamodb_write"] == 1
                and heartbeat["dynamodb_read"] == 0
                and heartbeat["s3"] == 0
                and heartbeat["sns"] == 0,
            )
        )
    if "alarm" in calls:
        alarm = calls["alarm"]
        checks.append(
            (
                "alarm: no SNS, at most two DynamoDB writes",
                alarm["sns"] == 0 and alarm["dynamodb_write"] <= 2,
            )
        )
    units = results.get("write_units")
    if units:
        states = units["heartbeat"]["by_state"]
        checks.append(
            (
                "heartbeat: one write unit for a camera that stays online",
                states["online"]["units"] == 1 and states["online, largest item"]["units"] == 1,
            )
        )
        checks.append(
            (
                "heartbeat: exactly one write unit in every camera state",
                all(state["units"] == 1 for state in states.values()),
            )
        )
    sweep = results.get("sweep_designs")
    if sweep:
        (largest,) = [
            row
            for row in sweep["designs"]
            if row["design"].startswith("scan") and row["cameras"] == 100_000
        ]
        checks.append(
            (
                "sweep: 100,000 cameras within its period at moto's rate",
                largest["sweep_run_s_moto_rate"] <= SWEEP_PERIOD_S,
            )
        )
    cost = results.get("cost_model")
    if cost:
        checks.append(
            (
                f"cost: at most ${PER_CAMERA_GOAL:.2f} per camera-month at 1,000 cameras",
                cost["per_camera_month_1000"] <= PER_CAMERA_GOAL,
            )
        )
        checks.append(
            (
                f"cost: a one-camera stack at most ${ONE_CAMERA_GOAL:.2f} a month",
                cost["total_1_camera"] <= ONE_CAMERA_GOAL,
            )
        )
        cheapest = cost.get("per_camera_month_1000_function_url_provisioned")
        if cheapest is not None:
            checks.append(
                (
                    f"cost: FunctionUrl + Provisioned at most ${CHEAPEST_PER_CAMERA_GOAL:.3f} "
                    "per camera-month at 1,000 cameras",
                    cheapest <= CHEAPEST_PER_CAMERA_GOAL,
                )
            )
    throughput = results.get("local_throughput")
    if throughput:
        checks.append(("local throughput: no errors", throughput["errors"] == 0))
    latency = results.get("push_latency")
    if latency and latency.get("median_ms") is not None:
        checks.append(
            (
                "push latency: no alarm missed, median within 10 % of the queue-based "
                f"design's {PUSH_LATENCY_BEFORE_MS['median_ms']:,} ms",
                latency["missed"] == 0
                and latency["median_ms"]
                <= PUSH_LATENCY_BEFORE_MS["median_ms"] * PUSH_LATENCY_MARGIN,
            )
        )
    media = results.get("media")
    if media:
        checks.append(
            (
                "media: 1080p thumbnail <= 30 KB",
                media["thumbnail_1080p"]["output_bytes"] <= 30 * 1024,
            )
        )
        memory = media["memory"]
        checks.append(
            (
                f"media: MemorySize {memory['template_mb']} MB is the chosen "
                f"{memory['chosen_mb']} MB",
                memory["template_mb"] == memory["chosen_mb"],
            )
        )
    return checks


def all_goals_met(results: dict[str, Any]) -> bool:
    return all(met for _, met in goals(results))


def table(results: dict[str, Any]) -> str:
    lines: list[str] = []
    add: Callable[[str], None] = lines.append
    cold = results.get("cold_start")
    if cold:
        runs = next(iter(cold.values()))["runs"]
        add(f"Cold start, median of {runs} fresh interpreters ({results.get('cold_start_site')})")
        add(f"  {'function':<14}{'ms':>9}{'floor ms':>10}{'ratio':>8}{'cpu ratio':>11}  goal")
        for name, row in cold.items():
            goal = HEARTBEAT_COLD_START_GOAL if name == "heartbeat" else COLD_START_GOAL
            cpu_ratio = row["cpu_ms"] / row["floor_cpu_ms"]
            add(
                f"  {name:<14}{row['ms']:>9.1f}{row['floor_ms']:>10.1f}{row['ratio']:>8.2f}"
                f"{cpu_ratio:>11.2f}  <= {goal}: {_mark(row['ratio'] <= goal)}"
            )
    ingest = results.get("ingest")
    if ingest:
        add("")
        add(f"Alarm ingest: decode + parse + validate, {ingest['parser']}")
        add(f"  {'picture':<9}{'ms':>8}{'b64 ms':>9}{'ratio':>8}{'peak MB':>10}{'x body':>8}")
        for label in ("1MB", "4MB"):
            row = ingest[label]
            add(
                f"  {label:<9}{row['ms']:>8.2f}{row['b64_ms']:>9.2f}{row['ratio']:>8.2f}"
                f"{row['peak_bytes'] / 1e6:>10.2f}{row['peak_bytes'] / row['body_bytes']:>8.2f}"
            )
        for name, candidate in ingest.get("candidates", {}).items():
            row = candidate["4MB"]
            add(
                f"  beside it, {name} at 4MB: ratio {row['ratio']:.2f}, "
                f"peak {row['peak_bytes'] / row['body_bytes']:.2f} x body"
            )
    calls = results.get("aws_calls")
    if calls:
        add("")
        add("AWS calls per request")
        add(f"  {'function':<14}{'ddb write':>10}{'ddb read':>10}{'s3':>5}{'sns':>5}")
        for name, row in calls.items():
            add(
                f"  {name:<14}{row['dynamodb_write']:>10}{row['dynamodb_read']:>10}"
                f"{row['s3']:>5}{row['sns']:>5}"
            )
    units = results.get("write_units")
    if units:
        add("")
        add("Write units per request (items' real sizes, the template's indexes)")
        for state, row in units["heartbeat"]["by_state"].items():
            add(f"  heartbeat, camera {state:<22}{row['units']:>3}  ({row['item_bytes']} bytes)")
        add(f"  alarm (record, its indexes, camera)  {units['alarm']['units']:>3}")
        sweep_units = units["sweep_1000_cameras"]
        add(
            f"  sweep of 1,000 cameras: {sweep_units['read_units']:g} read units, "
            f"{sweep_units['write_units_none_past_due']} write units when none is past due"
        )
    sweep = results.get("sweep_designs")
    if sweep:
        measured = sweep["measured_scan"]
        add("")
        add(
            f"Sweep: Scan of {measured['cameras']:,} cameras in moto: {measured['pages']} pages, "
            f"{measured['bytes_read'] / 1e6:.2f} MB, {measured['read_units']:g} read units, "
            f"{measured['moto_ms_per_mb']:.0f} ms per MB"
        )
    latency = results.get("push_latency")
    if latency and latency.get("median_ms") is not None:
        add("")
        add(
            f"Stored alarm to first push attempt, local stack, {latency['alarms']} alarms: "
            f"median {latency['median_ms']:,} ms, p95 {latency['p95_ms']:,} ms, max "
            f"{latency['max_ms']:,} ms (queue-based design: median "
            f"{PUSH_LATENCY_BEFORE_MS['median_ms']:,} ms, "
            f"p95 {PUSH_LATENCY_BEFORE_MS['p95_ms']:,} ms)"
        )
    throughput = results.get("local_throughput")
    if throughput:
        add("")
        add(
            f"Local stack, {throughput['cameras']} simulated cameras for "
            f"{throughput['seconds']:.0f} s: {throughput['heartbeats_per_s']:.1f} heartbeats/s, "
            f"{throughput['alarms_per_s']:.1f} alarms/s, {throughput['errors']} errors"
        )
    media = results.get("media")
    if media:
        add("")
        add("Media processing, fresh interpreter, median of warm runs (peak = the process's RSS)")
        add(
            f"  {'case':<20}{'in KB':>9}{'out KB':>9}{'ms':>8}{'cpu ms':>8}"
            f"{'peak MB':>9}{'+op MB':>8}"
        )
        for name in ("thumbnail_1080p", "thumbnail_8mp", "remux_4mb_h264_mp4"):
            row = media[name]
            add(
                f"  {name:<20}{row['input_bytes'] / 1024:>9.0f}{row['output_bytes'] / 1024:>9.1f}"
                f"{row['ms']:>8.1f}{row['cpu_ms']:>8.1f}{row['peak_rss_mb']:>9.1f}"
                f"{row['operation_mb']:>8.1f}"
            )
        formats = media["thumbnail_formats"]
        add(
            f"  thumbnail JPEG {formats['jpeg']['bytes']} B at {formats['jpeg']['psnr_db']} dB; "
            f"WebP at equal PSNR {formats['webp_at_equal_psnr']['bytes']} B"
        )
        memory, cost_1000 = media["memory"], media["cost_per_1000_alarms"]
        add(
            f"  memory chosen {memory['chosen_mb']} MB (peak {memory['peak_rss_mb']} MB x "
            f"{memory['headroom']}); per 1,000 alarms ${cost_1000['picture_only_total']:.4f} "
            f"(picture), ${cost_1000['with_4mb_video_total']:.4f} (with a 4 MB video)"
        )
    console = results.get("console")
    if console:
        add("")
        add(
            f"Web console: page and {console['files'] - 1} files "
            f"{console['page_and_files_gzip_bytes'] / 1000:.1f} kB gzipped "
            f"({console['page_and_files_raw_bytes'] / 1000:.1f} kB raw); first load with its "
            f"API replies {console['first_load_bytes'] / 1000:.1f} kB, with 50 thumbnails "
            f"{console['first_load_with_50_thumbnails_bytes'] / 1000:.0f} kB "
            f"(page of 50 alarms: {console['alarms_page_json_bytes'] / 1000:.1f} kB JSON)"
        )
    cost = results.get("cost_model")
    if cost:
        add("")
        add(
            f"Cost model (list prices checked {cost['prices_checked']}, docs/performance.md): "
            f"${cost['total_1_camera']:.2f} a month for one camera, "
            f"${cost['total_1000_cameras']:,.2f} for 1,000 "
            f"(${cost['per_camera_month_1000']:.4f} per camera-month); FunctionUrl + "
            f"Provisioned ${cost.get('per_camera_month_1000_function_url_provisioned', 0):.4f} "
            "per camera-month at 1,000"
        )
    add("")
    add("Goals")
    for what, met in goals(results):
        add(f"  {_mark(met):<7} {what}")
    return "\n".join(lines)
