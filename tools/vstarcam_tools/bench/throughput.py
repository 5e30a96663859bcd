"""Local throughput: the camera simulator against the local stack, over real HTTP.

The stack runs as ``vstarcam-push local`` does, in its own process on free
ports; the simulated cameras are registered, then send more heartbeats and
alarm pushes than the stack can answer, so the rates measured are what it
sustains on this machine (the simulator starts requests late rather than
piling them up: ``max_lag_s``). Any reply other than ``200`` is an error.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from vstarcam_push.cameras import CameraRegistry

from vstarcam_tools.events import REGION
from vstarcam_tools.outputs import read_outputs
from vstarcam_tools.simulator import (
    ALARM,
    HEARTBEAT,
    register_cameras,
    run_simulation,
    simulated_vuids,
)

READY_TIMEOUT_S = 120.0
# Offered load per camera: a heartbeat every 2 s and an alarm every 10 s, far
# beyond a real camera's, so the stack (not the schedule) sets the rate.
HEARTBEAT_TIME_S = 2.0
ALARMS_PER_MINUTE = 6.0
SIMULATOR_CONCURRENCY = 16
WARM_UP_S = 5.0


@dataclass
class RunningStack:
    process: subprocess.Popen[str]
    heartbeat_url: str
    alarm_url: str
    endpoint: str

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION)


@contextlib.contextmanager
def local_stack(concurrency: int) -> Iterator[RunningStack]:
    """``python -m vstarcam_tools.local`` on free ports, until its banner says Ready."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vstarcam_tools.local",
            "--port",
            "0",
            "--aws-port",
            "0",
            "--concurrency",
            str(concurrency),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    console = _Console(process)
    try:
        banner = console.banner()
        yield RunningStack(
            process,
            heartbeat_url=banner["Heartbeat URL"],
            alarm_url=banner["Alarm URL"],
            endpoint=banner["AWS_ENDPOINT_URL"],
        )
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)


class _Console:
    """The stack's console, read on a thread: it logs every request and must never block."""

    _BANNER = re.compile(r"^(Heartbeat URL|Alarm URL): (\S+)|^(AWS_ENDPOINT_URL)=(\S+)")

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._process = process
        self._head: list[str] = []
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if not self._ready.is_set():
                self._head.append(line)
                if line.startswith("Ready"):
                    self._ready.set()
        self._ready.set()

    def banner(self) -> dict[str, str]:
        self._ready.wait(READY_TIMEOUT_S)
        values: dict[str, str] = {}
        for line in self._head:
            match = self._BANNER.match(line)
            if match:
                key, value = match.group(1, 2) if match.group(1) else match.group(3, 4)
                values[key] = value
        if len(values) < 3:
            raise RuntimeError("the local stack did not start:\n" + "".join(self._head[-40:]))
        return values


def run(cameras: int, seconds: float, concurrency: int = 4) -> dict[str, Any]:
    """The ``local_throughput`` section."""
    with local_stack(concurrency) as stack:
        outputs = read_outputs(stack.client("cloudformation"), "vstarcam-push")
        vuids = simulated_vuids(cameras)
        register_cameras(
            CameraRegistry(stack.client("dynamodb"), outputs.cameras_table), vuids, 180
        )
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
