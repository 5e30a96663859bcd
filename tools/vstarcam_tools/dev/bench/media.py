"""Media processing: thumbnail and remux time and peak memory, the memory size they call for,
JPEG against WebP at an equal look, and what 1,000 alarms' media processing costs.

Each operation runs in a fresh interpreter on the Lambda-like path (``runtime``): it
imports what MediaProcessFunction imports, then makes the thumbnail (or the MP4) of the
same bytes ``runs`` times. Time is the median; memory is the process's peak resident set
(Lambda's "Max Memory Used"), imports included, and what the operation added to it.
"""

from __future__ import annotations

import io
import json
import math
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageStat

from vstarcam_tools.camera import mediagen
from vstarcam_tools.cost.model import VCPU_MB
from vstarcam_tools.cost.prices import PRICE
from vstarcam_tools.dev.bench.cost_inputs import memory_sizes
from vstarcam_tools.dev.bench.runtime import child_command

CHILD = Path(__file__).with_name("_media_child.py")
CANDIDATE_MEMORY_MB = (256, 512, 768, 1024, 1769)
# Lambda's memory must hold the peak with this much to spare (a bigger frame, a longer clip).
HEADROOM = 1.5
# A cold environment (imports at the memory's CPU share, then the first alarm) must still
# give a thumbnail "seconds" after the alarm.
COLD_START_BUDGET_MS = 3000.0
# Waits that do not scale with memory, per call (moto cannot tell; typical in-region figures).
CALL_MS = {"dynamodb": 6.0, "s3_get_picture": 25.0, "s3_put_thumbnail": 20.0, "s3_video": 60.0}
# The alarm item once processed (DynamoDB's size: names + values; about 590 bytes with a
# thumbnail, 950 with a playable video too), in its table and its two ALL-projected indexes.
ITEM_BYTES_PROCESSED = 950
LOG_LINE_BYTES = 450  # one Powertools INFO line per alarm
RETENTION_MONTHS = 1.0  # the default RetentionDays=30
VIDEO_BYTES = 4 * 1024 * 1024


def _measure(operation: str, data: bytes, runs: int) -> dict[str, Any]:
    command, extra, _ = child_command()
    with tempfile.TemporaryDirectory() as scratch:
        source, out = Path(scratch, "input"), Path(scratch, "out.json")
        source.write_bytes(data)
        finished = subprocess.run(
            [*command, str(CHILD), operation, str(source), str(runs), str(out)],
            env={"PATH": "/usr/bin:/bin", **extra},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=600,
        )
        if finished.returncode != 0:
            raise RuntimeError(f"media {operation} run failed:\n{finished.stderr}")
        measured = json.loads(out.read_text())
    return {
        "input_bytes": len(data),
        "output_bytes": measured["output_bytes"],
        "ms": round(statistics.median(measured["wall_ms"]), 1),
        "cpu_ms": round(statistics.median(measured["cpu_ms"]), 1),
        "first_ms": round(measured["wall_ms"][0], 1),
        "rss_after_imports_mb": round(measured["rss_after_imports_mb"], 1),
        "import_peak_mb": round(measured["import_peak_mb"], 1),
        "peak_rss_mb": round(measured["peak_rss_mb"], 1),
        "operation_mb": round(measured["peak_rss_mb"] - measured["rss_after_imports_mb"], 1),
        "runs": runs,
    }


def psnr(a: Image.Image, b: Image.Image) -> float:
    """Peak signal-to-noise ratio of two same-size RGB pictures, in dB."""
    squares = ImageStat.Stat(ImageChops.difference(a, b)).rms
    mse = sum(value * value for value in squares) / len(squares)
    return 99.0 if mse == 0 else round(10 * math.log10(255 * 255 / mse), 2)


def jpeg_against_webp(picture: bytes) -> dict[str, Any]:
    """The thumbnail's JPEG (as made) beside the smallest WebP that looks at least as good,
    both measured against the same scaled-down picture before encoding."""
    from vstarcam_push.media.convert import make_thumbnail, thumbnail_image

    reference = thumbnail_image(picture)
    thumbnail = make_thumbnail(picture)
    jpeg_psnr = psnr(reference, Image.open(io.BytesIO(thumbnail.data)).convert("RGB"))
    webp: dict[str, Any] = {}
    for quality in range(30, 101, 5):
        out = io.BytesIO()
        reference.save(out, "WEBP", quality=quality, method=4)
        decoded = Image.open(io.BytesIO(out.getvalue())).convert("RGB")
        webp = {
            "quality": quality,
            "bytes": len(out.getvalue()),
            "psnr_db": psnr(reference, decoded),
        }
        if webp["psnr_db"] >= jpeg_psnr:
            break
    return {
        "jpeg": {"bytes": len(thumbnail.data), "psnr_db": jpeg_psnr},
        "webp_at_equal_psnr": webp,
        "webp_saves_bytes": len(thumbnail.data) - webp["bytes"],
    }


def billed_ms(cpu_ms: float, memory_mb: int, waits_ms: float) -> float:
    """CPU at the memory's vCPU share (one vCPU at 1,769 MB) plus waits that do not scale."""
    return cpu_ms * VCPU_MB / min(memory_mb, VCPU_MB) + waits_ms


def cost_per_1000(cpu_ms: float, memory_mb: int, with_video: bool) -> dict[str, float]:
    """Dollars for processing 1,000 alarms (and keeping what it made for the retention)."""
    waits = 2 * CALL_MS["dynamodb"] + CALL_MS["s3_get_picture"] + CALL_MS["s3_put_thumbnail"]
    if with_video:
        waits += 2 * CALL_MS["s3_video"]
    duration_s = billed_ms(cpu_ms, memory_mb, waits) / 1000
    thumbnail_kb = 20
    write_units = 3 * math.ceil(ITEM_BYTES_PROCESSED / 1024)  # table + byTime + byDay
    stored_gb = (thumbnail_kb * 1024 + (VIDEO_BYTES if with_video else 0)) / 1e9
    items = {
        "Lambda requests": 1000 * PRICE["lambda_request"],
        "Lambda duration": 1000 * duration_s * memory_mb / 1024 * PRICE["lambda_arm64_gb_second"],
        "DynamoDB (1 strong read, the update in table and 2 indexes)": 1000
        * (PRICE["dynamodb_read_unit"] + write_units * PRICE["dynamodb_write_unit"]),
        "S3 GETs and PUTs": 1000 * (1 + with_video) * (0.0004 / 1000 + PRICE["s3_put"]),
        "S3 storage (derived media, one retention)": 1000
        * stored_gb
        * RETENTION_MONTHS
        * PRICE["s3_gb_month"],
        "CloudWatch Logs": 1000 * LOG_LINE_BYTES / 1e9 * PRICE["logs_ingested_gb"],
    }
    return {name: round(value, 5) for name, value in items.items()}


def choose_memory(cases: dict[str, dict[str, Any]], cold_cpu_ms: float | None) -> dict[str, Any]:
    """The cheapest candidate memory that holds the peak with headroom and keeps a cold start
    (``cold_cpu_ms`` of CPU at one vCPU, from the cold-start section) within its budget."""
    peak = max(case["peak_rss_mb"] for case in cases.values())
    worst_cpu = max(case["cpu_ms"] for case in cases.values())
    picture_cpu = cases["thumbnail_1080p"]["cpu_ms"]
    rows = {}
    for memory in CANDIDATE_MEMORY_MB:
        cost = sum(cost_per_1000(picture_cpu, memory, with_video=False).values())
        cold_ms = billed_ms(cold_cpu_ms, memory, 0.0) if cold_cpu_ms is not None else None
        rows[str(memory)] = {
            "fits": peak * HEADROOM <= memory,
            "cold_start_ms": round(cold_ms, 0) if cold_ms is not None else None,
            "cold_start_in_budget": cold_ms is None or cold_ms <= COLD_START_BUDGET_MS,
            "worst_case_ms": round(billed_ms(worst_cpu, memory, 0.0), 1),
            "cost_per_1000_picture_alarms": round(cost, 5),
        }
    fitting = [int(m) for m, row in rows.items() if row["fits"] and row["cold_start_in_budget"]]
    chosen = min(fitting, key=lambda m: (rows[str(m)]["cost_per_1000_picture_alarms"], -m))
    return {
        "peak_rss_mb": peak,
        "headroom": HEADROOM,
        "cold_start_cpu_ms": cold_cpu_ms,
        "cold_start_budget_ms": COLD_START_BUDGET_MS,
        "candidates": rows,
        "chosen_mb": chosen,
    }


def run(results: dict[str, Any], runs: int = 10) -> dict[str, Any]:
    """The ``media`` section of benchmarks/results.json (``results``: the cold starts)."""
    frame_1080p = mediagen.frame_jpeg(1920, 1080)
    frame_8mp = mediagen.frame_jpeg(3840, 2160)
    clip = mediagen.clip_of_size(VIDEO_BYTES)
    cases = {
        "thumbnail_1080p": _measure("thumbnail", frame_1080p, runs),
        "thumbnail_8mp": _measure("thumbnail", frame_8mp, runs),
        "remux_4mb_h264_mp4": _measure("playable", clip, runs),
    }
    cold = results.get("cold_start", {}).get("media_process")
    memory = choose_memory(cases, cold["cpu_ms"] if cold else None)
    template_mb = memory_sizes()["MediaProcessFunction"]
    picture_cpu = cases["thumbnail_1080p"]["cpu_ms"]
    video_cpu = picture_cpu + cases["remux_4mb_h264_mp4"]["cpu_ms"]
    picture_only = cost_per_1000(picture_cpu, template_mb, with_video=False)
    with_video = cost_per_1000(video_cpu, template_mb, with_video=True)
    return {
        **cases,
        "thumbnail_formats": jpeg_against_webp(frame_1080p),
        "memory": {**memory, "template_mb": template_mb},
        "cost_per_1000_alarms": {
            "memory_mb": template_mb,
            "picture_only": picture_only,
            "picture_only_total": round(sum(picture_only.values()), 4),
            "with_4mb_video": with_video,
            "with_4mb_video_total": round(sum(with_video.values()), 4),
        },
    }
