"""Time from a stored alarm to its first push attempt, on the local stack.

The method of docs/performance.md's "before" figure (issue 22): the local stack in its own
process (``vstarcam-push local``, ``NotifyCooldownSeconds=0`` so every alarm is notified),
5 registered cameras, one webhook destination served on 127.0.0.1, and 50 alarms sent one
at a time, round robin over the cameras; each is timed from the alarm's 200 (the alarm is
stored) to the webhook's request arriving (the first push attempt). The path in between is
the Alarms table's stream (its 1 s batching window), the notifier, the hand-over to the
delivery function and its send.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.destinations import DestinationStore
from vstarcam_push.dal.secrets import SecretStore
from vstarcam_push.delivery.channels import channel
from vstarcam_push.models.destination import Destination
from vstarcam_push.models.push_keys import keyed_url, new_secret

from vstarcam_tools.camera.simulator import (
    PICTURES,
    alarm_form,
    load_testdata,
    register_cameras,
    simulated_vuids,
    unique_picture,
)
from vstarcam_tools.local.process import local_stack

CAMERAS = 5
ALARMS = 50
WAIT_S = 15.0
SIGNING_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class _Arrivals:
    """The webhook: when each delivery's request arrived (perf_counter), by alarm id."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.changed = threading.Condition()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        arrivals = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                now = time.perf_counter()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                try:
                    alarm_id = json.loads(body)["data"]["alarm"]["id"]
                except (ValueError, KeyError, TypeError):
                    return
                with arrivals.changed:
                    arrivals.arrived.setdefault(str(alarm_id), now)
                    arrivals.changed.notify_all()

            def log_message(self, *_: Any) -> None:
                pass

        return Handler

    def wait_new(self, known: set[str], timeout_s: float) -> tuple[str, float] | None:
        deadline = time.monotonic() + timeout_s
        with self.changed:
            while True:
                new = [(k, v) for k, v in self.arrived.items() if k not in known]
                if new:
                    return new[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.changed.wait(left)


def run(alarms: int = ALARMS, cameras: int = CAMERAS) -> dict[str, Any]:
    """The ``push_latency`` section."""
    arrivals = _Arrivals()
    server = ThreadingHTTPServer(("127.0.0.1", 0), arrivals.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    latencies: list[float] = []
    missed = 0
    try:
        with local_stack(
            schedule_rate=None, parameter_overrides={"NotifyCooldownSeconds": "0"}
        ) as stack:
            # One more camera for the unmeasured first alarm: each measured camera sends 10,
            # its NotifyCeiling (10 in 600 s), not one more.
            vuids = simulated_vuids(cameras + 1)
            keys = register_cameras(
                CameraRegistry(stack.client("dynamodb"), stack.outputs.cameras_table),
                vuids,
                180,
                new_secret(),
            ).keys
            secrets = {"url": url, "signing_secret": SIGNING_SECRET}
            DestinationStore(
                stack.client("dynamodb"), stack.outputs.raw["DestinationsTableName"]
            ).add(
                Destination(
                    name="bench-hook",
                    channel="webhook",
                    target=channel("webhook").target({}, secrets),
                    settings={},
                    secret_fields=tuple(sorted(secrets)),
                    created_at=int(time.time()),
                )
            )
            SecretStore(stack.client("ssm"), stack.outputs.raw["DestinationSecretsPrefix"]).put(
                "bench-hook", secrets
            )
            session = requests.Session()
            known: set[str] = set()
            # One unmeasured alarm first: every function's worker starts (no cold start).
            for n in range(alarms + 1):
                vuid = vuids[cameras] if n == 0 else vuids[(n - 1) % cameras]
                picture = unique_picture(
                    load_testdata(PICTURES[n % len(PICTURES)]), f"latency {n} {time.time_ns()}"
                )
                form = alarm_form(vuid, 18, picture)
                reply = session.post(
                    keyed_url(stack.alarm_url, keys[vuid]),
                    data=form.to_string(),
                    headers={"Content-Type": form.content_type},
                    timeout=30,
                )
                stored = time.perf_counter()
                if reply.status_code != 200:
                    raise RuntimeError(f"alarm answered {reply.status_code}: {reply.text[:200]}")
                arrived = arrivals.wait_new(known, WAIT_S)
                if arrived is None:
                    missed += 1
                    continue
                known.add(arrived[0])
                if n:
                    latencies.append((arrived[1] - stored) * 1000)
                time.sleep(0.2)
    finally:
        server.shutdown()
    latencies.sort()
    return {
        "alarms": len(latencies),
        "cameras": cameras,
        "missed": missed,
        "median_ms": round(statistics.median(latencies)) if latencies else None,
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))]) if latencies else None,
        "max_ms": round(latencies[-1]) if latencies else None,
        "method": "local stack, NotifyCooldownSeconds=0, a webhook destination on 127.0.0.1; "
        "from the alarm's 200 to the webhook's request; one alarm at a time",
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
