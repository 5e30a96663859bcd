"""The goals of issue 5, checked against the results, and the table ``make bench`` prints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

COLD_START_GOAL = 1.3
INGEST_RATIO_GOAL = 1.3
INGEST_PEAK_GOAL = 3.0


def _mark(met: bool) -> str:
    return "met" if met else "MISSED"


def goals(results: dict[str, Any]) -> list[tuple[str, bool]]:
    """Each goal as (what, met), for the sections present in ``results``."""
    checks: list[tuple[str, bool]] = []
    for name, cold in results.get("cold_start", {}).items():
        checks.append(
            (f"cold start {name}: ratio <= {COLD_START_GOAL}", cold["ratio"] <= COLD_START_GOAL)
        )
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
    sweeper = results.get("sweeper_items_read")
    if sweeper:
        checks.append(("sweeper: items read flat in fleet size", len(set(sweeper.values())) == 1))
    throughput = results.get("local_throughput")
    if throughput:
        checks.append(("local throughput: no errors", throughput["errors"] == 0))
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
        add(
            f"  {'function':<14}{'ms':>9}{'floor ms':>10}{'ratio':>8}{'cpu ratio':>11}  goal <= 1.3"
        )
        for name, row in cold.items():
            cpu_ratio = row["cpu_ms"] / row["floor_cpu_ms"]
            add(
                f"  {name:<14}{row['ms']:>9.1f}{row['floor_ms']:>10.1f}{row['ratio']:>8.2f}"
                f"{cpu_ratio:>11.2f}  {_mark(row['ratio'] <= COLD_START_GOAL)}"
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
    sweeper = results.get("sweeper_items_read")
    if sweeper:
        add("")
        add("Offline sweep, items read in one run (10 cameras past due)")
        for size, read in sweeper.items():
            add(f"  {int(size):>6,} healthy cameras: {read}")
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
    cost = results.get("cost_model")
    if cost:
        add("")
        add(
            f"Cost model (list prices as of {cost['prices_as_of'][:7]}, see docs/performance.md): "
            f"${cost['total_1_camera']:.2f} a month for one camera, "
            f"${cost['total_1000_cameras']:,.2f} for 1,000"
        )
    add("")
    add("Goals")
    for what, met in goals(results):
        add(f"  {_mark(met):<7} {what}")
    return "\n".join(lines)
