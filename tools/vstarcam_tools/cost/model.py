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
from vstarcam_tools.cost.prices import CHECKED, FREE_TIER, PRICE, PRICES

ENDPOINTS = ("HttpApi", "FunctionUrl")  # the template's CameraEndpoint
CAPACITIES = ("OnDemand", "Provisioned")  # the template's CamerasCapacity


@dataclass(frozen=True)
class Profile:
    """What the fleet does, and the stack's choices. The defaults are the goal's profile
    (issue 13) on today's default stack."""

    cameras: int = 1
    heartbeat_time_s: float = 60
    alarms_per_day: float = 10
    picture_kb: float = 300
    retention_days: int = 30
    sms_per_day: float = 0
    push_channels: int = 1
    # The stack's switches: no push channel means a stack deployed with PushChannels=false
    # (no delivery function); RefusalsAlarm its own parameter.
    refusals_alarm: bool = True
    days: int = 30
    # Where cameras push (CameraEndpoint) and how the Cameras table is billed
    # (CamerasCapacity; Provisioned is sized from the fleet: ``provisioned_units``).
    camera_endpoint: str = "HttpApi"
    cameras_capacity: str = "OnDemand"

    @property
    def overrides(self) -> dict[str, str]:
        """The template parameters that decide the stack's CloudWatch alarms."""
        return {
            "PushChannels": "true" if self.push_channels else "false",
            "RefusalsAlarm": "true" if self.refusals_alarm else "false",
        }

    @property
    def choices(self) -> dict[str, str]:
        """The template parameters of the stack's cost choices (``sam deploy`` overrides)."""
        return {"CameraEndpoint": self.camera_endpoint, "CamerasCapacity": self.cameras_capacity}


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
    "push_calls": "from the code (issue 22): per notification a Scan of the Destinations "
    "table; per destination an asynchronous invocation of the delivery function (its request "
    "and duration), a GetItem, two PutItems (claim, delivered), an S3 GET of the picture; "
    "nothing polls; a retry is a one-time schedule (none in this profile: every push "
    "succeeds); the old delivery queue's drain every 5 minutes, one empty ReceiveMessage and "
    "a 20 ms invocation each (8,640 a month, until the release after the update); none of "
    "it with PushChannels=false",
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
# The old delivery queue's drain (rate(5 minutes), until the next release): one short
# ReceiveMessage of an empty queue and a short invocation each run.
DRAIN_RUNS_PER_DAY = 288
DRAIN_MS = 20.0
# Push retries in the profile (every push succeeds at once): one-time schedules firing.
RETRIES_PER_PUSH = 0.0
CONSOLE_VIEWS_PER_DAY = 10
# Custom metrics an alarm writes (AlarmsByType, one alarm type): published in the hours
# that have an alarm, so prorated by the chance an hour has one. NotificationsSent is gone
# (SNS's free NumberOfMessagesPublished counts the notifications).
METRICS_PER_ALARM_HOUR = 1
CONSOLE_PAGE_CAMERAS = 50
# CamerasCapacity=Provisioned (docs/performance.md, "Heartbeat writes on provisioned
# capacity"): the write floor holds the steady load at this share of its units, which is
# also the auto scaling target (template.yaml), so auto scaling acts only for a fleet that
# grew; the rest of the units (10 %) refills DynamoDB's burst reserve of up to 300 s of
# capacity. A throttled heartbeat costs nothing but itself (503; the next one comes a
# heartbeatTime later), hence the high share.
WRITE_FLOOR_USE = 0.9
WRITE_CEILING_FACTOR = 4
# Reads are provisioned at a fixed size: the steady reads at half the units (the sweep's
# scan comes in one burst a minute), and at least one unit per 300 cameras, so that the
# 300 s reserve holds one alarm's read of its camera for the whole fleet at once.
READ_USE = 0.5
CAMERAS_PER_READ_UNIT = 300
# Application Auto Scaling's target tracking makes its own CloudWatch alarms for the
# table's write units (high and low use, high and low capacity), each billed.
AUTO_SCALING_ALARMS = 4
HOURS_A_MONTH = 720


def billed_ms(cpu_ms: float, memory_mb: int, calls_ms: float) -> float:
    """A warm invocation's billed duration: CPU scaled to the memory's vCPU share, plus waits."""
    return cpu_ms * VCPU_MB / memory_mb + calls_ms


@dataclass(frozen=True)
class Usage:
    """What a month of the profile's fleet asks of each service (counts, not dollars)."""

    heartbeats: float
    alarms: float
    sms: float
    sweeps: float
    pushes: float
    console_views: float
    console_requests: float
    # DynamoDB units: the Cameras table's and every other table's, writes and reads.
    camera_writes: float
    other_writes: float
    camera_reads: float
    other_reads: float
    # The sweep's Scan of the Cameras table, read units per run.
    scan_read_units: float


def usage(inputs: Inputs, profile: Profile) -> Usage:
    """The month's requests and DynamoDB units of ``profile``, table by table.

    Per alarm, from the code: the alarm's BatchGetItem reads the camera consistently (1)
    and its own record (0.5), its UpdateItem of the camera (in the measured alarm units);
    the notifier's cooldown claim reads the camera consistently (1) and writes it
    (``notify``), scans the Destinations table with push channels (0.5); media processing
    reads the alarm consistently (1) and updates it (``media_record_update``); each push
    delivery reads its destination and the alarm's media link (0.5 each) and writes its
    claim and its record (2).
    """
    write = inputs.write_units
    n = profile.cameras
    month_s = profile.days * 86_400
    heartbeats = n * month_s / profile.heartbeat_time_s
    alarms = n * profile.alarms_per_day * profile.days
    pushes = alarms * profile.push_channels
    sweeps = month_s / 60
    console_views = CONSOLE_VIEWS_PER_DAY * profile.days
    # Four parallel segments, each at least half a unit: the sweep's and the console's Scan.
    scan_read_units = 4 * 0.5 * max(1, math.ceil(n * inputs.item_bytes["camera"] / 4 / 4096))
    page = min(n, CONSOLE_PAGE_CAMERAS)
    # The alarm's measured units include its one update of the camera item.
    camera_update = 1.0
    return Usage(
        heartbeats=heartbeats,
        alarms=alarms,
        sms=n * profile.sms_per_day * profile.days,
        sweeps=sweeps,
        pushes=pushes,
        console_views=console_views,
        console_requests=4 * console_views,
        camera_writes=heartbeats * write["heartbeat"] + alarms * (camera_update + write["notify"]),
        other_writes=alarms * (write["alarm"] - camera_update + write["media_record_update"])
        + pushes * 2,
        # The camera list: the Scan and a BatchGetItem of a page (0.5 each).
        camera_reads=alarms * (1.0 + 1.0)
        + sweeps * scan_read_units
        + console_views * (scan_read_units + page * 0.5),
        # Its record in the alarm's BatchGetItem, the Destinations Scan, media processing's
        # read, each delivery's GetItem of its destination and of the alarm's media link
        # (the delivery document carries no token); the camera list's byTime query per
        # camera, and 2 units for each other console call.
        other_reads=alarms * (0.5 + (0.5 if profile.push_channels else 0) + 1.0)
        + pushes * (0.5 + 0.5)
        + console_views * (page * 0.5 + 2 * 2),
        scan_read_units=scan_read_units,
    )


def provisioned_units(inputs: Inputs, profile: Profile) -> dict[str, Any]:
    """CamerasCapacity=Provisioned for this fleet: the template parameters to deploy with.

    ``CamerasWriteCapacity``: the floor, the Cameras table's steady writes a second (the
    heartbeats, each alarm's and each notification's update of the camera) at
    ``WRITE_FLOOR_USE``; ``CamerasMaxWriteCapacity``: ``WRITE_CEILING_FACTOR`` times it;
    ``CamerasReadCapacity``: the steady reads at ``READ_USE``, at least one unit per
    ``CAMERAS_PER_READ_UNIT`` cameras.
    """
    used = usage(inputs, profile)
    seconds = profile.days * 86_400
    writes_per_s = used.camera_writes / seconds
    reads_per_s = used.camera_reads / seconds
    floor = max(1, math.ceil(writes_per_s / WRITE_FLOOR_USE))
    reads = max(
        1,
        math.ceil(reads_per_s / READ_USE),
        math.ceil(profile.cameras / CAMERAS_PER_READ_UNIT),
    )
    return {
        "CamerasWriteCapacity": floor,
        "CamerasMaxWriteCapacity": WRITE_CEILING_FACTOR * floor,
        "CamerasReadCapacity": reads,
        "writes_per_second": round(writes_per_s, 3),
        "reads_per_second": round(reads_per_s, 3),
        # DynamoDB keeps up to 300 s of unused capacity for bursts.
        "burst_reserve_writes": 300 * floor,
        "burst_reserve_reads": 300 * reads,
    }


def model(inputs: Inputs, profile: Profile = Profile()) -> dict[str, Any]:
    """Monthly dollars for ``profile``: by service for the fleet, and per camera; the same
    with the always-free tiers taken off (``free_tier``, a second column, never the
    headline)."""
    memory = inputs.memory_mb
    warm, write, item_bytes = inputs.warm_cpu_ms, inputs.write_units, inputs.item_bytes
    n = profile.cameras
    used = usage(inputs, profile)
    heartbeats, alarms, pushes, sweeps = used.heartbeats, used.alarms, used.pushes, used.sweeps
    delivers = profile.push_channels > 0  # PushChannels=true
    function_urls = profile.camera_endpoint == "FunctionUrl"
    provisioned = profile.cameras_capacity == "Provisioned"
    if profile.camera_endpoint not in ENDPOINTS or profile.cameras_capacity not in CAPACITIES:
        raise ValueError(f"unknown choice: {profile.choices}")

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
        "drain": DRAIN_MS,
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

    console_requests = used.console_requests
    access_bytes = inputs.access_log_bytes + LOG_BYTES["event_overhead"]
    line = LOG_BYTES["info"] + LOG_BYTES["event_overhead"]
    emf = LOG_BYTES["emf"] + LOG_BYTES["event_overhead"]
    # With function URLs the cameras' requests pass no API: no access log line.
    camera_access = 0 if function_urls else access_bytes
    logs_gb = (
        heartbeats * camera_access
        # alarm: its INFO line, an EMF line, its access log line; notify: INFO + EMF;
        # media processing: INFO + EMF; each push delivery: one INFO line
        + alarms * (line + emf + camera_access)
        + alarms * (line + emf)
        + alarms * (line + emf)
        + pushes * line
        + console_requests * (access_bytes + line)
    ) / 1e9
    stored_alarm_gb = alarms * profile.retention_days / profile.days * 3 * item_bytes["alarm"] / 1e9
    media_gb = (
        alarms * profile.retention_days / profile.days * (profile.picture_kb + THUMBNAIL_KB) / 1e6
    )
    dynamodb_gb = stored_alarm_gb + n * item_bytes["camera"] / 1e9
    alarm_hours = 1 - math.exp(-n * profile.alarms_per_day / 24)  # share of hours with an alarm
    units = provisioned_units(inputs, profile) if provisioned else None
    alarm_metrics = inputs.alarm_metrics_for(profile.overrides) + (
        AUTO_SCALING_ALARMS if provisioned else 0
    )
    drains = DRAIN_RUNS_PER_DAY * profile.days if delivers else 0
    retries = pushes * RETRIES_PER_PUSH
    lambda_requests = (
        heartbeats + 3 * alarms + pushes + retries + sweeps + drains + console_requests
    )
    lambda_gb_s = (
        gb_s("heartbeat", memory_of("HeartbeatFunction"), heartbeats)
        + gb_s("alarm", memory_of("AlarmFunction", 512), alarms)
        + gb_s("notify", memory_of("NotifyFunction"), alarms)
        + gb_s("media_process", memory_of("MediaProcessFunction", 1024), alarms)
        + gb_s("push_delivery", push_memory, pushes + retries)
        + gb_s("drain", push_memory, drains)
        + gb_s("sweep", memory_of("OfflineSweepFunction"), sweeps)
        + console_requests * 0.02 * 0.25
    )
    on_demand_writes = used.other_writes + (0 if provisioned else used.camera_writes)
    on_demand_reads = used.other_reads + (0 if provisioned else used.camera_reads)
    # The push deliveries pass no queue: the drain's one short receive a run is all.
    sqs_requests = drains
    logs_price = (
        PRICE["logs_ingested_gb"]
        + LOGS_COMPRESSION * profile.retention_days / (profile.days) * PRICE["logs_stored_gb_month"]
    )
    custom_metrics = METRICS_PER_ALARM_HOUR * alarm_hours

    fleet = {
        "API Gateway (HTTP API)": ((0 if function_urls else heartbeats + alarms) + console_requests)
        * PRICE["http_api_request"],
        "Lambda requests": lambda_requests * PRICE["lambda_request"],
        "Lambda duration": lambda_gb_s * PRICE["lambda_arm64_gb_second"],
        "DynamoDB writes": on_demand_writes * PRICE["dynamodb_write_unit"],
        "DynamoDB reads": on_demand_reads * PRICE["dynamodb_read_unit"],
        "DynamoDB provisioned capacity": 0.0
        if units is None
        else HOURS_A_MONTH
        * profile.days
        / 30
        * (
            units["CamerasWriteCapacity"] * PRICE["dynamodb_wcu_hour"]
            + units["CamerasReadCapacity"] * PRICE["dynamodb_rcu_hour"]
        ),
        "DynamoDB storage": dynamodb_gb * PRICE["dynamodb_gb_month"],
        # The picture and its thumbnail put; read by media processing and each delivery.
        "S3 requests": alarms * (2 * PRICE["s3_put"] + PRICE["s3_get"]) + pushes * PRICE["s3_get"],
        "S3 storage": media_gb * PRICE["s3_gb_month"],
        "SNS (publish, one email subscriber)": alarms * (PRICE["sns_publish"] + PRICE["sns_email"]),
        "SNS SMS": used.sms * PRICE["sns_sms_us"],
        "SQS (the old delivery queue's drain)": sqs_requests * PRICE["sqs_request"],
        "EventBridge Scheduler (push retries)": retries * PRICE["scheduler_invocation"],
        "CloudWatch Logs": logs_gb * logs_price,
        "CloudWatch metrics": custom_metrics * PRICE["custom_metric_month"],
        "CloudWatch alarms": alarm_metrics * PRICE["cloudwatch_alarm_month"],
        "Cognito (console users)": 0.0,
    }
    free = _free_tier(
        fleet,
        {
            "lambda_requests": lambda_requests,
            "lambda_gb_seconds": lambda_gb_s,
            "dynamodb_wcu": units["CamerasWriteCapacity"] if units else 0,
            "dynamodb_rcu": units["CamerasReadCapacity"] if units else 0,
            "dynamodb_gb": dynamodb_gb,
            "sns_publishes": alarms,
            "sns_emails": alarms,
            "sqs_requests": sqs_requests,
            "custom_metrics": custom_metrics,
            "alarm_metrics": alarm_metrics,
            "logs_gb": logs_gb,
        },
        units,
    )
    total = sum(fleet.values())
    free_total = sum(free.values())
    return {
        "prices_checked": CHECKED,
        "profile": asdict(profile),
        "choices": profile.choices,
        "billed_ms": {name: round(value, 1) for name, value in duration_ms.items()},
        "write_units": write,
        "access_log_bytes": inputs.access_log_bytes,
        "provisioned_units": units,
        "by_service": {name: round(value, 5) for name, value in fleet.items()},
        "total": round(total, 4),
        "per_camera_month": round(total / n, 5),
        "by_service_free_tier": {name: round(value, 5) for name, value in free.items()},
        "total_free_tier": round(free_total, 4),
        "per_camera_month_free_tier": round(free_total / n, 5),
        "heartbeat_floor_per_camera_month": round(
            profile.days
            * 86_400
            / profile.heartbeat_time_s
            * (
                (0 if function_urls else PRICE["http_api_request"])
                + PRICE["lambda_request"]
                + (0 if provisioned else PRICE["dynamodb_write_unit"])
            ),
            5,
        ),
    }


def _free_tier(
    fleet: dict[str, float], amounts: dict[str, float], units: dict[str, Any] | None
) -> dict[str, float]:
    """``fleet`` with the always-free tiers (``FREE_TIER``) taken off, line by line: each
    line keeps the share of its amount above the free allowance."""

    def share_above(*names: str) -> float:
        used = sum(amounts[name] for name in names)
        allowance = FREE_TIER[names[0]][0]
        return max(0.0, used - allowance) / used if used else 0.0

    free = dict(fleet)
    free["Lambda requests"] *= share_above("lambda_requests")
    free["Lambda duration"] *= share_above("lambda_gb_seconds")
    if units is not None:
        writes = max(0, units["CamerasWriteCapacity"] - FREE_TIER["dynamodb_wcu"][0])
        reads = max(0, units["CamerasReadCapacity"] - FREE_TIER["dynamodb_rcu"][0])
        free["DynamoDB provisioned capacity"] = HOURS_A_MONTH * (
            writes * PRICE["dynamodb_wcu_hour"] + reads * PRICE["dynamodb_rcu_hour"]
        )
    free["DynamoDB storage"] *= share_above("dynamodb_gb")
    sns = fleet["SNS (publish, one email subscriber)"]
    if sns:
        publishes = amounts["sns_publishes"]
        free["SNS (publish, one email subscriber)"] = (
            max(0.0, publishes - FREE_TIER["sns_publishes"][0]) * PRICE["sns_publish"]
            + max(0.0, amounts["sns_emails"] - FREE_TIER["sns_emails"][0]) * PRICE["sns_email"]
        )
    free["SQS (the old delivery queue's drain)"] *= share_above("sqs_requests")
    free["EventBridge Scheduler (push retries)"] = 0.0  # 14 million free a month
    free["CloudWatch metrics"] *= share_above("custom_metrics")
    free["CloudWatch alarms"] *= share_above("alarm_metrics")
    free["CloudWatch Logs"] *= share_above("logs_gb")
    return free


def _push_function(memory: dict[str, int]) -> str:
    """The push channels' delivery function (issue 12), whatever it is called."""
    names = [name for name in memory if re.search(r"Deliver|Push|Channel", name)]
    return names[0] if names else "PushDeliveryFunction"


def summary(inputs: Inputs) -> dict[str, Any]:
    """The ``cost_model`` section of benchmarks/results.json."""
    one = model(inputs, Profile(cameras=1))
    thousand = model(inputs, Profile(cameras=1000))
    cheapest = model(
        inputs,
        Profile(cameras=1000, camera_endpoint="FunctionUrl", cameras_capacity="Provisioned"),
    )
    # The one-camera stack as a home user deploys it for email alone: PushChannels=false,
    # RefusalsAlarm=false.
    bare = model(inputs, Profile(cameras=1, push_channels=0, refusals_alarm=False))
    return {
        "prices_checked": CHECKED,
        "prices": {name: asdict(price) for name, price in PRICES.items()},
        "assumptions": ASSUMPTIONS,
        "profile": {k: v for k, v in asdict(Profile()).items() if k != "cameras"},
        "per_camera_month_1000": thousand["per_camera_month"],
        "per_camera_month_1000_function_url_provisioned": cheapest["per_camera_month"],
        "provisioned_units_1000": cheapest["provisioned_units"],
        "total_1_camera": one["total"],
        "total_1_camera_free_tier": one["total_free_tier"],
        "total_1000_cameras": thousand["total"],
        "total_1_camera_email_only": bare["total"],
        "by_service_1_camera_email_only": bare["by_service"],
        "by_service_1_camera": one["by_service"],
        "by_service_1000_cameras": thousand["by_service"],
        "by_service_1000_cameras_function_url_provisioned": cheapest["by_service"],
        "choices_1000": choices(inputs, Profile(cameras=1000)),
        "billed_ms": thousand["billed_ms"],
        "access_log_bytes": thousand["access_log_bytes"],
        "heartbeat_floor_per_camera_month": thousand["heartbeat_floor_per_camera_month"],
        "write_units": thousand["write_units"],
    }


def curves(inputs: Inputs) -> dict[str, Any]:
    """Cost per camera-month: by service against fleet size and against heartbeatTime (the
    default stack), and in total against fleet size for each choice."""
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
        "by_choice": {
            f"{endpoint} + {capacity}": [
                model(
                    inputs,
                    Profile(cameras=size, camera_endpoint=endpoint, cameras_capacity=capacity),
                )["per_camera_month"]
                for size in fleet_sizes
            ]
            for endpoint in ENDPOINTS
            for capacity in CAPACITIES
        },
    }


# What each choice gives up, as `vstarcam-push cost` says it (docs/performance.md).
_FUNCTION_URL_GIVES_UP = (
    "the API's route throttling (a flood is billed per request; push keys and the "
    "per-camera alarm limit still hold) and its access log (refusals are logged with the "
    "sender's address)"
)
_PROVISIONED_GIVES_UP = (
    "paying per request: the write units are billed whether used or not, plus $0.40 a "
    "month of auto scaling alarms; and writes beyond the units and their 300 s reserve, "
    "which are answered 503 (the camera's next heartbeat, or its retry of the alarm, "
    "is taken)"
)
GIVES_UP = {
    ("HttpApi", "OnDemand"): "nothing: today's default",
    ("FunctionUrl", "OnDemand"): _FUNCTION_URL_GIVES_UP,
    ("HttpApi", "Provisioned"): _PROVISIONED_GIVES_UP,
    ("FunctionUrl", "Provisioned"): f"{_FUNCTION_URL_GIVES_UP}; {_PROVISIONED_GIVES_UP}",
}


def choices(inputs: Inputs, profile: Profile) -> list[dict[str, Any]]:
    """Every CameraEndpoint x CamerasCapacity choice for the profile's fleet, cheapest first,
    each with its monthly total, per camera, with the always-free tiers, the parameters to
    deploy with and what it gives up."""
    rows = []
    for endpoint in ENDPOINTS:
        for capacity in CAPACITIES:
            chosen = replace(profile, camera_endpoint=endpoint, cameras_capacity=capacity)
            estimate = model(inputs, chosen)
            parameters = dict(chosen.choices)
            if estimate["provisioned_units"]:
                parameters.update(
                    {
                        name: str(value)
                        for name, value in estimate["provisioned_units"].items()
                        if name.startswith("Cameras")
                    }
                )
            rows.append(
                {
                    "choice": f"{endpoint} + {capacity}",
                    "default": (endpoint, capacity) == ("HttpApi", "OnDemand"),
                    "parameters": parameters,
                    "total": estimate["total"],
                    "per_camera_month": estimate["per_camera_month"],
                    "total_free_tier": estimate["total_free_tier"],
                    "gives_up": GIVES_UP[(endpoint, capacity)],
                }
            )
    return sorted(rows, key=lambda row: row["total"])


def markdown(cost: dict[str, Any]) -> str:
    """The monthly estimate as a Markdown table, by service, largest first; the always-free
    tiers as a second column."""
    n = cost["profile"]["cameras"]
    free = cost.get("by_service_free_tier", cost["by_service"])
    rows = [
        f"| service | {n:,} camera{'s' if n != 1 else ''} | per camera | with always-free tiers |",
        "|---|---:|---:|---:|",
    ]
    for name, value in sorted(cost["by_service"].items(), key=lambda item: -item[1]):
        rows.append(f"| {name} | ${value:,.4f} | ${value / n:.5f} | ${free[name]:,.4f} |")
    rows.append(
        f"| **total per month** | **${cost['total']:,.2f}** | **${cost['per_camera_month']:.4f}** "
        f"| ${cost.get('total_free_tier', cost['total']):,.2f} |"
    )
    return "\n".join(rows)


def choices_markdown(rows: list[dict[str, Any]], cameras: int) -> str:
    """Today's default and each cheaper choice, side by side."""
    default = next(row for row in rows if row["default"])
    shown = [row for row in rows if row["total"] <= default["total"]]
    lines = [
        "| choice | per month | per camera | with always-free tiers |",
        "|---|---:|---:|---:|",
    ]
    for row in shown:
        name = f"**{row['choice']}** (default)" if row["default"] else row["choice"]
        lines.append(
            f"| {name} | ${row['total']:,.2f} | ${row['per_camera_month']:.4f} | "
            f"${row['total_free_tier']:,.2f} |"
        )
    lines.append("")
    for row in shown:
        if row["default"]:
            continue
        deploy = " ".join(f"{k}={v}" for k, v in row["parameters"].items())
        lines.append(f"- {row['choice']}: gives up {row['gives_up']}.")
        lines.append(f"  sam deploy --parameter-overrides {deploy}")
    dearer = [row["choice"] for row in rows if row["total"] > default["total"]]
    if dearer:
        lines.append("")
        lines.append(
            f"Dearer than the default for {cameras:,} camera{'s' if cameras != 1 else ''}: "
            + ", ".join(dearer)
            + " (provisioned units and their auto scaling alarms cost the same for one "
            "camera as for many)."
        )
    return "\n".join(lines)


def with_profile(**changes: Any) -> Profile:
    return replace(Profile(), **{key: value for key, value in changes.items() if value is not None})
