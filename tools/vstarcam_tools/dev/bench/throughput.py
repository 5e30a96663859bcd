"""Local throughput: the camera simulator against the local stack, over real HTTP.

The stack runs as ``vstarcam-push local`` does, in its own process on free
ports; the simulated cameras are registered, then send more heartbeats and
alarm pushes than the stack can answer, so the rates measured are what it
sustains on this machine (the simulator starts requests late rather than
piling them up: ``max_lag_s``). Any reply other than ``200`` is an error.
"""

from __future__ import annotations

from typing import Any

from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.models.push_keys import new_secret

from vstarcam_tools.camera.simulator import (
    ALARM,
    HEARTBEAT,
    register_cameras,
    run_simulation,
    simulated_vuids,
)
from vstarcam_tools.local.process import local_stack

# Offered load per camera: a heartbeat every 2 s and an alarm every 10 s, far
# beyond a real camera's, so the stack (not the schedule) sets the rate.
HEARTBEAT_TIME_S = 2.0
ALARMS_PER_MINUTE = 6.0
SIMULATOR_CONCURRENCY = 16
WARM_UP_S = 5.0


def run(cameras: int, seconds: float, concurrency: int = 4) -> dict[str, Any]:
    """The ``local_throughput`` section."""
    with local_stack(schedule_rate=None, extra_args=["--concurrency", str(concurrency)]) as stack:
        vuids = simulated_vuids(cameras)
        keys = register_cameras(
            CameraRegistry(stack.client("dynamodb"), stack.outputs.cameras_table),
            vuids,
            180,
            new_secret(),
        ).keys
        for duration in (WARM_UP_S, seconds):
            # The warm-up starts every function worker, so no cold start is measured.
            summary = run_simulation(
                stack.heartbeat_url,
                stack.alarm_url,
                vuids,
                heartbeat_time=HEARTBEAT_TIME_S,
                alarms_per_minute=ALARMS_PER_MINUTE,
                duration=duration,
                concurrency=SIMULATOR_CONCURRENCY,
                push_keys=keys,
            )
    errors = sum(
        count
        for endpoint in (HEARTBEAT, ALARM)
        for code, count in summary.replies.get(endpoint, {}).items()
        if code != "200"
    ) + sum(sum(counter.values()) for counter in summary.errors.values())
    duration = summary.duration_s
    return {
        "cameras": cameras,
        "seconds": round(duration, 1),
        "heartbeats_per_s": round(summary.replies.get(HEARTBEAT, {}).get("200", 0) / duration, 1),
        "alarms_per_s": round(summary.replies.get(ALARM, {}).get("200", 0) / duration, 1),
        "errors": errors,
        "offered_per_s": {
            "heartbeats": round(cameras / HEARTBEAT_TIME_S, 1),
            "alarms": round(cameras * ALARMS_PER_MINUTE / 60, 1),
        },
        "latency_ms": {e: summary.latency_ms(e) for e in (HEARTBEAT, ALARM)},
        "max_lag_s": round(summary.max_lag_s, 2),
        "function_workers": concurrency,
        "simulator_concurrency": SIMULATOR_CONCURRENCY,
    }
