"""The cost model: AWS list prices x what each request causes, for a fleet and a profile.

One model for ``vstarcam-push cost`` (the numbers for the fleet an installer types) and
``make bench`` (``cost_model`` in benchmarks/results.json, the chart in docs/). What each
request causes comes from ``Inputs``: the warm CPU time of each function and the write
and read units of each request as the bench measured them, the functions' memory sizes,
the alarms and the access log line from the template; the package ships them
(``inputs.json``), so the model needs no checkout. The functions built beside the
receiver (media processing, push delivery, the console) are counted with call counts
from their code; what could not be measured here is labelled ``estimate`` in
``ASSUMPTIONS``. The prices are in ``vstarcam_tools.cost.prices``.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, replace
from typing import Any

from vstarcam_tools.cost.inputs import Inputs
from vstarcam_tools.cost.prices import CHECKED, PRICE, PRICES


@dataclass(frozen=True)
class Profile:
    """What the fleet does. The defaults are the goal's profile (issue 13)."""

    cameras: int = 1
    heartbeat_time_s: float = 60
    alarms_per_day: float = 10
    picture_kb: float = 300
    retention_days: int = 30
    sms_per_day: float = 0
    push_channels: int = 1
    # The stack's switches: no push channel means a stack deployed with PushChannels=false
    # (no delivery function polling its queue); RefusalsAlarm its own parameter.
    refusals_alarm: bool = True
    days: int = 30

    @property
    def overrides(self) -> dict[str, str]:
        """The template parameters this profile's stack is deployed with."""
        return {
            "PushChannels": "true" if self.push_channels else "false",
            "RefusalsAlarm": "true" if self.refusals_alarm else "false",
        }


# What could not be measured here, and what the model assumes instead (docs/performance.md).
VCPU_MB = 1769  # Lambda: one vCPU at 1,769 MB, CPU share proportional to memory
CALL_MS = {"dynamodb": 6.0, "s3_put_picture": 40.0, "s3_get_picture": 20.0, "sns": 20.0}
ASSUMPTIONS = {
    "call_ms": "estimate: a wait per AWS call in the billed duration (DynamoDB 6 ms, a 300 KB "
    "S3 PUT 40 ms, GET 20 ms, SNS 20 ms)",
    "media_process_cpu_ms": "partly measured: 20 ms of one vCPU per alarm; the thumbnail of a "
    "267 KB 1080p JPEG took 8 ms of CPU here (issue 10's make_thumbnail), the stream record and "
    "its S3 and DynamoDB calls are estimated at 12 ms; no video",
    "push_delivery_ms": "estimate: one 300 ms HTTPS call per push channel and notification "
    "(a push service's answer time); the delivery function (issue 12)",
    "push_calls": "from docs/notifications.md (issue 12): per notification a Scan of the "
    "Destinations table and an SQS send; per destination a GetItem, two PutItems (claim, "
    "delivered), an S3 GET of the picture, an SQS receive and delete; an idle delivery queue "
    "still long-polled, about 0.6 million requests a month per stack (5 pollers, each a "
    "20 s ReceiveMessage: 648,000 in 30 days); none of it with PushChannels=false",
    "alarm_reads": "from the code: the alarm's BatchGetItem reads the camera consistently "
    "(1 unit) and its own record (0.5), the notifier's cooldown claim reads the camera "
    "consistently (1), media processing reads the alarm consistently (1), the notifier "
    "scans the small Destinations table when push channels are deployed (0.5)",
    "console": "estimate: one console user opening it 10 times a day, a page and 3 API "
    "calls each (issue 11); one of them the camera list: a Scan of the Cameras table, a "
    "BatchGetItem of a page of up to 50 and a byTime query per camera (0.5 unit each)",
    "log_line_bytes": "estimate: Powertools INFO line 450 bytes, EMF line 210; measured: the "
    "access log line from the template's format",
    "log_event_overhead_bytes": "26 bytes per log event, as CloudWatch Logs counts a batch",
    "logs_compression": "stored size 15 % of ingested",
    "media_record_update": "measured: the write units of adding the media fields to a stored "
    "alarm (the record and both its ALL-projected indexes)",
    "sweep_scan_ms_per_mb": "estimate: 100 ms of DynamoDB time per 1 MB Scan page in the "
    "sweep's billed duration (moto's own rate, measured in sweep_designs, is an upper bound)",
    "alarm_hours": "alarms arrive at random (Poisson): the custom metrics an alarm writes are "
    "billed for the share of hours that have at least one",
}
SWEEP_SCAN_MS_PER_MB = 100.0
LOG_BYTES = {"info": 450, "emf": 210, "event_overhead": 26}
LOGS_COMPRESSION = 0.15
MEDIA_PROCESS_CPU_MS = 20.0
PUSH_DELIVERY_MS = 300.0
THUMBNAIL_KB = 20.0
DELIVERY_QUEUE_POLLS_PER_MONTH = 600_000  # Lambda's long-polling of an idle SQS source
CONSOLE_VIEWS_PER_DAY = 10
# Custom metrics an alarm writes (AlarmsByType, one alarm type): published in the hours
# that have an alarm, so prorated by the chance an hour has one. NotificationsSent is gone
# (SNS's free NumberOfMessagesPublished counts the notifications).
METRICS_PER_ALARM_HOUR = 1
CONSOLE_PAGE_CAMERAS = 50


def billed_ms(cpu_ms: float, memory_mb: int, calls_ms: float) -> float:
    """A warm invocation's billed duration: CPU scaled to the memory's vCPU share, plus waits."""
    return cpu_ms * VCPU_MB / memory_mb + calls_ms


def model(inputs: Inputs, profile: Profile = Profile()) -> dict[str, Any]:
    """Monthly dollars for ``profile``: by service for the fleet, and per camera."""
    memory = inputs.memory_mb
    warm, write, item_bytes = inputs.warm_cpu_ms, inputs.write_units, inputs.item_bytes
    n = profile.cameras
    month_s = profile.days * 86_400
    heartbeats = n * month_s / profile.heartbeat_time_s
    alarms = n * profile.alarms_per_day * profile.days
    sms = n * profile.sms_per_day * profile.days
    sweeps = month_s / 60
    pushes = alarms * profile.push_channels
    delivers = profile.push_channels > 0  # PushChannels=true

    def memory_of(logical_id: str, default: int = 256) -> int:
        return memory.get(logical_id, default)

    duration_ms = {
        "heartbeat": billed_ms(
            warm["heartbeat"], memory_of("HeartbeatFunction"), CALL_MS["dynamodb"]
        ),
        "alarm": billed_ms(
            warm["alarm"],
            memory_of("AlarmFunction", 512),
            3 * CALL_MS["dynamodb"] + CALL_MS["s3_put_picture"],
        ),
        "notify": billed_ms(
            warm["notify"], memory_of("NotifyFunction"), 2 * CALL_MS["dynamodb"] + CALL_MS["sns"]
        ),
        "media_process": billed_ms(
            MEDIA_PROCESS_CPU_MS,
            memory_of("MediaProcessFunction", 1024),
            CALL_MS["s3_get_picture"] + CALL_MS["s3_put_picture"] / 4 + CALL_MS["dynamodb"],
        ),
        "push_delivery": PUSH_DELIVERY_MS,
    }
    # The sweep scans every camera item: its run grows with the fleet (sweep_designs).
    scan_mb = n * item_bytes["camera"] / (1024 * 1024)
    duration_ms["sweep"] = (
        billed_ms(warm["offline_sweep"], memory_of("OfflineSweepFunction"), CALL_MS["dynamodb"])
        + SWEEP_SCAN_MS_PER_MB * scan_mb
    )
    push_memory = memory_of(_push_function(memory), 256)

    def gb_s(function: str, memory_mb: int, count: float) -> float:
        return count * duration_ms[function] / 1000 * memory_mb / 1024

    console_views = CONSOLE_VIEWS_PER_DAY * profile.days
    console_requests = 4 * console_views
    access_bytes = inputs.access_log_bytes + LOG_BYTES["event_overhead"]
    line = LOG_BYTES["info"] + LOG_BYTES["event_overhead"]
    emf = LOG_BYTES["emf"] + LOG_BYTES["event_overhead"]
    logs_gb = (
        heartbeats * access_bytes
        # alarm: its INFO line, an EMF line, its access log line; notify: INFO + EMF;
        # media processing: INFO + EMF; each push delivery: one INFO line
        + alarms * (line + emf + access_bytes)
        + alarms * (line + emf)
        + alarms * (line + emf)
        + pushes * line
        + console_requests * (access_bytes + line)
    ) / 1e9
    stored_alarm_gb = alarms * profile.retention_days / profile.days * 3 * item_bytes["alarm"] / 1e9
    media_gb = (
        alarms * profile.retention_days / profile.days * (profile.picture_kb + THUMBNAIL_KB) / 1e6
    )
    alarm_hours = 1 - math.exp(-n * profile.alarms_per_day / 24)  # share of hours with an alarm
    # Four parallel segments, each at least half a unit: the sweep's and the console's Scan.
    scan_read_units = 4 * 0.5 * max(1, math.ceil(n * item_bytes["camera"] / 4 / 4096))
    page = min(n, CONSOLE_PAGE_CAMERAS)
    camera_list_read_units = scan_read_units + page * 0.5 + page * 0.5

    fleet = {
        "API Gateway (HTTP API)": (heartbeats + alarms + console_requests)
        * PRICE["http_api_request"],
        "Lambda requests": (heartbeats + 3 * alarms + pushes + sweeps + console_requests)
        * PRICE["lambda_request"],
        "Lambda duration": (
            gb_s("heartbeat", memory_of("HeartbeatFunction"), heartbeats)
            + gb_s("alarm", memory_of("AlarmFunction", 512), alarms)
            + gb_s("notify", memory_of("NotifyFunction"), alarms)
            + gb_s("media_process", memory_of("MediaProcessFunction", 1024), alarms)
            + gb_s("push_delivery", push_memory, pushes)
            + gb_s("sweep", memory_of("OfflineSweepFunction"), sweeps)
            + console_requests * 0.02 * 0.25
        )
        * PRICE["lambda_arm64_gb_second"],
        "DynamoDB writes": (
            heartbeats * write["heartbeat"]
            + alarms * (write["alarm"] + write["notify"] + write["media_record_update"])
            + pushes * 2  # the delivery's claim and its record (Deliveries table)
        )
        * PRICE["dynamodb_write_unit"],
        "DynamoDB reads": (
            # the alarm's BatchGetItem (the camera read consistently, its record), the
            # notifier's consistent GetItem and Scan of the destinations, media processing's
            # consistent GetItem; each delivery's GetItem of its destination
            alarms * (1.0 + 0.5 + 1.0 + (0.5 if delivers else 0) + 1.0)
            + pushes * 0.5
            + sweeps * scan_read_units
            # each view: the camera list, and 2 units for each other call
            + console_views * (camera_list_read_units + 2 * 2)
        )
        * PRICE["dynamodb_read_unit"],
        "DynamoDB storage": (stored_alarm_gb + n * item_bytes["camera"] / 1e9)
        * PRICE["dynamodb_gb_month"],
        # The picture and its thumbnail put; read by media processing and each delivery.
        "S3 requests": alarms * (2 * PRICE["s3_put"] + PRICE["s3_get"]) + pushes * PRICE["s3_get"],
        "S3 storage": media_gb * PRICE["s3_gb_month"],
        "SNS (publish, one email subscriber)": alarms * (PRICE["sns_publish"] + PRICE["sns_email"]),
        "SNS SMS": sms * PRICE["sns_sms_us"],
        "SQS (push delivery)": (
            (alarms + pushes * 2 + DELIVERY_QUEUE_POLLS_PER_MONTH) if delivers else 0
        )
        * PRICE["sqs_request"],
        "CloudWatch Logs": logs_gb
        * (
            PRICE["logs_ingested_gb"]
            + LOGS_COMPRESSION
            * profile.retention_days
            / profile.days
            * PRICE["logs_stored_gb_month"]
        ),
        "CloudWatch metrics": METRICS_PER_ALARM_HOUR * alarm_hours * PRICE["custom_metric_month"],
        "CloudWatch alarms": inputs.alarm_metrics_for(profile.overrides)
        * PRICE["cloudwatch_alarm_month"],
        "Cognito (console users)": 0.0,
    }
    total = sum(fleet.values())
    return {
        "prices_checked": CHECKED,
        "profile": asdict(profile),
        "billed_ms": {name: round(value, 1) for name, value in duration_ms.items()},
        "write_units": write,
        "access_log_bytes": inputs.access_log_bytes,
        "by_service": {name: round(value, 5) for name, value in fleet.items()},
        "total": round(total, 4),
        "per_camera_month": round(total / n, 5),
        "heartbeat_floor_per_camera_month": round(
            month_s
            / profile.heartbeat_time_s
            * (PRICE["http_api_request"] + PRICE["lambda_request"] + PRICE["dynamodb_write_unit"]),
            5,
        ),
    }


def _push_function(memory: dict[str, int]) -> str:
    """The push channels' delivery function (issue 12), whatever it is called."""
    names = [name for name in memory if re.search(r"Deliver|Push|Channel", name)]
    return names[0] if names else "PushDeliveryFunction"


def summary(inputs: Inputs) -> dict[str, Any]:
    """The ``cost_model`` section of benchmarks/results.json."""
    one = model(inputs, Profile(cameras=1))
    thousand = model(inputs, Profile(cameras=1000))
    # The one-camera stack as a home user deploys it for email alone: PushChannels=false,
    # RefusalsAlarm=false.
    bare = model(inputs, Profile(cameras=1, push_channels=0, refusals_alarm=False))
    return {
        "prices_checked": CHECKED,
        "prices": {name: asdict(price) for name, price in PRICES.items()},
        "assumptions": ASSUMPTIONS,
        "profile": {k: v for k, v in asdict(Profile()).items() if k != "cameras"},
        "per_camera_month_1000": thousand["per_camera_month"],
        "total_1_camera": one["total"],
        "total_1000_cameras": thousand["total"],
        "total_1_camera_email_only": bare["total"],
        "by_service_1_camera_email_only": bare["by_service"],
        "by_service_1_camera": one["by_service"],
        "by_service_1000_cameras": thousand["by_service"],
        "billed_ms": thousand["billed_ms"],
        "access_log_bytes": thousand["access_log_bytes"],
        "heartbeat_floor_per_camera_month": thousand["heartbeat_floor_per_camera_month"],
        "write_units": thousand["write_units"],
    }


def curves(inputs: Inputs) -> dict[str, Any]:
    """Cost per camera-month by service: against fleet size, and against heartbeatTime."""
    fleet_sizes = [1, 3, 10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000]
    heartbeat_times = [30, 60, 120, 180, 300, 450, 600]

    def per_camera(profile: Profile) -> dict[str, float]:
        estimate = model(inputs, profile)
        return {name: value / profile.cameras for name, value in estimate["by_service"].items()}

    return {
        "fleet_sizes": fleet_sizes,
        "by_fleet_size": [per_camera(Profile(cameras=size)) for size in fleet_sizes],
        "heartbeat_times": heartbeat_times,
        "by_heartbeat_time": [
            per_camera(Profile(cameras=1000, heartbeat_time_s=seconds))
            for seconds in heartbeat_times
        ],
    }


def markdown(cost: dict[str, Any]) -> str:
    """The monthly estimate as a Markdown table, by service, largest first."""
    n = cost["profile"]["cameras"]
    rows = [f"| service | {n:,} camera{'s' if n != 1 else ''} | per camera |", "|---|---:|---:|"]
    for name, value in sorted(cost["by_service"].items(), key=lambda item: -item[1]):
        rows.append(f"| {name} | ${value:,.4f} | ${value / n:.5f} |")
    rows.append(
        f"| **total per month** | **${cost['total']:,.2f}** | **${cost['per_camera_month']:.4f}** |"
    )
    return "\n".join(rows)


def with_profile(**changes: Any) -> Profile:
    return replace(Profile(), **{key: value for key, value in changes.items() if value is not None})
