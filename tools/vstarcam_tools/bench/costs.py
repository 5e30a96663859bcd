"""The cost model of docs/performance.md: AWS list prices x the calls one camera causes.

``python -m vstarcam_tools.bench.costs`` prints it as Markdown from
``benchmarks/results.json`` (the measured warm CPU times) and the template
(memory sizes); ``make bench`` stores it in the results as ``cost_model``.
Prices are us-east-1 list prices without free tiers, as known on the date
below; check them at https://aws.amazon.com/pricing before relying on them.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vstarcam_tools.template import PROJECT_ROOT, load_template

PRICES_AS_OF = "2025-06 (AWS public list prices, us-east-1; not fetched: no internet here)"
PRICE = {
    "http_api_request": 1.00 / 1e6,  # first 300 M a month, per 512 KB of request
    "lambda_request": 0.20 / 1e6,
    "lambda_arm64_gb_second": 0.0000133334,
    "dynamodb_write_unit": 0.625 / 1e6,  # on demand, since the November 2024 price cut
    "dynamodb_read_unit": 0.125 / 1e6,
    "dynamodb_gb_month": 0.25,
    "s3_put": 0.005 / 1000,
    "s3_gb_month": 0.023,
    "sns_publish": 0.50 / 1e6,
    "sns_email": 2.00 / 100_000,
    "sns_sms_us": 0.00581,  # plus carrier fees and number registration, not counted
    "logs_ingested_gb": 0.50,
    "logs_stored_gb_month": 0.03,
    "custom_metric_month": 0.30,
    "cloudwatch_alarm_month": 0.10,  # standard resolution, per alarm metric
}


@dataclass(frozen=True)
class Profile:
    heartbeat_time_s: int = 60
    alarms_per_day: int = 10
    picture_kb: int = 300
    retention_days: int = 30
    days: int = 30


# What the model assumes besides the prices; docs/performance.md explains each.
VCPU_MB = 1769  # Lambda: one vCPU at 1,769 MB, CPU share proportional to memory
CALL_MS = {"dynamodb": 6.0, "s3_put_picture": 40.0, "sns": 20.0}
LOG_BYTES = {
    "platform": 300,  # START, END and REPORT lines of every invocation
    "emf": 210,  # one metrics line (more for dimensioned metrics)
    "info": 450,  # one Powertools INFO line with its Lambda context keys
    "access": 260,  # one HTTP API access log line (the template's format)
}
LOGS_COMPRESSION = 0.15  # stored size / ingested size
ITEM_KB = {"camera": 0.4, "alarm": 0.7}
# Heartbeat: the camera item, and the byDeadline index whose key (onlineUntil) moves on
# every heartbeat: a delete and a put in the index. Alarm: the item, the byTime LSI and
# the byDay GSI (both ALL), then the camera's lastAlarmAt.
WRITE_UNITS = {"heartbeat": 1 + 2, "alarm": 3 + 1, "notify": 1}
READ_UNITS = {"alarm": 1.0, "notify": 0.5, "sweep": 4 * 0.5}
# Metrics published every hour (Heartbeats) and ones published only in hours with
# alarms or offline cameras (Alarms, AlarmsByType, NotificationsSent, OfflineTransitions).
ALWAYS_ON_METRICS = 1


def memory_sizes() -> dict[str, int]:
    """Each function's MemorySize in MB, from the template (its own, or the Globals one)."""
    template = load_template()
    default = int(template["Globals"]["Function"]["MemorySize"])
    return {
        logical_id: int(resource["Properties"].get("MemorySize", default))
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def cloudwatch_alarms() -> int:
    """How many CloudWatch alarms the template defines (each one billed monthly)."""
    resources = load_template()["Resources"].values()
    return sum(resource["Type"] == "AWS::CloudWatch::Alarm" for resource in resources)


def billed_ms(cpu_ms: float, memory_mb: int, calls_ms: float) -> float:
    """A warm invocation's billed duration: CPU scaled to the memory's vCPU share, plus waits."""
    return cpu_ms * VCPU_MB / memory_mb + calls_ms


def model(results: dict[str, Any], profile: Profile = Profile()) -> dict[str, Any]:
    """Monthly dollars: ``per_camera`` (scales with cameras) and ``per_stack`` (fixed)."""
    memory = memory_sizes()
    warm_cpu = {name: row["warm_cpu_ms"] for name, row in results["cold_start"].items()}
    month_s = profile.days * 86_400
    heartbeats = month_s / profile.heartbeat_time_s
    alarms = profile.alarms_per_day * profile.days
    sweeps = month_s / 60
    duration_ms = {
        "heartbeat": billed_ms(
            warm_cpu["heartbeat"], memory["HeartbeatFunction"], CALL_MS["dynamodb"]
        ),
        "alarm": billed_ms(
            warm_cpu["alarm"],
            memory["AlarmFunction"],
            3 * CALL_MS["dynamodb"] + CALL_MS["s3_put_picture"],
        ),
        "notify": billed_ms(
            warm_cpu["notify"], memory["NotifyFunction"], 2 * CALL_MS["dynamodb"] + CALL_MS["sns"]
        ),
        "sweep": billed_ms(
            warm_cpu["offline_sweep"], memory["OfflineSweepFunction"], 4 * CALL_MS["dynamodb"]
        ),
    }

    def gb_seconds(function: str, logical_id: str, count: float) -> float:
        return count * duration_ms[function] / 1000 * memory[logical_id] / 1024

    logs_gb = (
        heartbeats * (LOG_BYTES["platform"] + LOG_BYTES["emf"] + LOG_BYTES["access"])
        + alarms * (LOG_BYTES["platform"] + 2 * LOG_BYTES["emf"] + LOG_BYTES["info"])
        + alarms * (LOG_BYTES["platform"] + LOG_BYTES["emf"] + LOG_BYTES["info"])
        + alarms * LOG_BYTES["access"]
    ) / 1e9
    stored_alarm_gb = alarms * profile.retention_days / profile.days * 3 * ITEM_KB["alarm"] / 1e6
    per_camera = {
        "HTTP API requests": (heartbeats + alarms) * PRICE["http_api_request"],
        "Lambda requests": (heartbeats + 2 * alarms) * PRICE["lambda_request"],
        "Lambda duration": (
            gb_seconds("heartbeat", "HeartbeatFunction", heartbeats)
            + gb_seconds("alarm", "AlarmFunction", alarms)
            + gb_seconds("notify", "NotifyFunction", alarms)
        )
        * PRICE["lambda_arm64_gb_second"],
        "DynamoDB writes": (
            heartbeats * WRITE_UNITS["heartbeat"]
            + alarms * (WRITE_UNITS["alarm"] + WRITE_UNITS["notify"])
        )
        * PRICE["dynamodb_write_unit"],
        "DynamoDB reads": alarms
        * (READ_UNITS["alarm"] + READ_UNITS["notify"])
        * PRICE["dynamodb_read_unit"],
        "DynamoDB storage": stored_alarm_gb * PRICE["dynamodb_gb_month"],
        "S3 PUTs": alarms * PRICE["s3_put"],
        "S3 storage": alarms
        * profile.retention_days
        / profile.days
        * profile.picture_kb
        / 1e6
        * PRICE["s3_gb_month"],
        "SNS publishes": alarms * PRICE["sns_publish"],
        "SNS email (one subscriber)": alarms * PRICE["sns_email"],
        "CloudWatch Logs ingestion": logs_gb * PRICE["logs_ingested_gb"],
        "CloudWatch Logs storage": logs_gb
        * LOGS_COMPRESSION
        * profile.retention_days
        / profile.days
        * PRICE["logs_stored_gb_month"],
    }
    per_stack = {
        "Offline sweep Lambda (every minute)": sweeps * PRICE["lambda_request"]
        + gb_seconds("sweep", "OfflineSweepFunction", sweeps) * PRICE["lambda_arm64_gb_second"],
        "Offline sweep DynamoDB reads": sweeps * READ_UNITS["sweep"] * PRICE["dynamodb_read_unit"],
        # A sweep that marks no camera offline writes no metrics line.
        "Offline sweep logs": sweeps * LOG_BYTES["platform"] / 1e9 * PRICE["logs_ingested_gb"],
        "CloudWatch custom metrics (always-on ones)": ALWAYS_ON_METRICS
        * PRICE["custom_metric_month"],
        "CloudWatch alarms (the dead-letter queue's)": cloudwatch_alarms()
        * PRICE["cloudwatch_alarm_month"],
    }
    return {
        "prices_as_of": PRICES_AS_OF,
        "profile": vars(profile),
        "billed_ms": {name: round(value, 1) for name, value in duration_ms.items()},
        "per_camera": {name: round(value, 5) for name, value in per_camera.items()},
        "per_stack": {name: round(value, 5) for name, value in per_stack.items()},
        "sms_per_camera_if_every_alarm": round(alarms * PRICE["sns_sms_us"], 4),
        "total_1_camera": round(sum(per_camera.values()) + sum(per_stack.values()), 4),
        "total_1000_cameras": round(1000 * sum(per_camera.values()) + sum(per_stack.values()), 2),
    }


def markdown(cost: dict[str, Any]) -> str:
    rows = ["| item | 1 camera | 1,000 cameras |", "|---|---:|---:|"]
    for name, value in sorted(cost["per_camera"].items(), key=lambda item: -item[1]):
        rows.append(f"| {name} | ${value:.4f} | ${1000 * value:,.2f} |")
    for name, value in cost["per_stack"].items():
        rows.append(f"| {name} (per stack) | ${value:.4f} | ${value:,.2f} |")
    rows.append(
        f"| **total per month** | **${cost['total_1_camera']:.2f}** | "
        f"**${cost['total_1000_cameras']:,.2f}** |"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    path = Path((argv or sys.argv[1:] or [PROJECT_ROOT / "benchmarks" / "results.json"])[0])
    cost = model(json.loads(path.read_text()))
    print(markdown(cost))
    print(f"\nbilled ms (estimated): {cost['billed_ms']}")
    print(f"SMS for every alarm, US: ${cost['sms_per_camera_if_every_alarm']} per camera-month")
    return 0


if __name__ == "__main__":
    sys.exit(main())
