"""A fleet of simulated cameras: heartbeats and alarm pushes over real HTTP, as cameras send them.

Each camera sends ``{"vuid":"..."}`` heartbeats every ``heartbeat_time``
seconds and multipart alarm pushes (``vuid``, ``type``, ``picture``, optional
``video``) at ``alarms_per_minute``. Cameras start staggered over one period,
as a real fleet booted at different times, so the load is steady rather than
a burst every period. Every picture is a real JPEG made unique by a comment
segment: the receiver treats a repeated (vuid, type, picture) as a camera's
retry and stores it once, which would hide load.

Each camera sends to its own keyed URLs (the stack's base URL + ``/<push key>``)
when it is given its key, to the URLs as given otherwise.

Programmatic use (benchmarks, load tests)::

    vuids = simulated_vuids(100)
    keys = register_cameras(registry, vuids, offline_after=180, secret=secret)
    summary = run_simulation(heartbeat_url, alarm_url, vuids, heartbeat_time=5, duration=30,
                             push_keys=keys)
    summary.replies["alarm"]["200"]
"""

from __future__ import annotations

import heapq
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import requests
from requests_toolbelt import MultipartEncoder
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.models.alarm_types import ALARM_TYPE_NAMES
from vstarcam_push.models.push_keys import keyed_url

HEARTBEAT = "heartbeat"
ALARM = "alarm"
SIMULATED_PREFIX = "SIM"
PICTURES = ("motion.jpg", "doorbell.jpg", "night.jpg")
VIDEO = "alarm.mp4"
DEFAULT_ALARM_TYPES = tuple(ALARM_TYPE_NAMES)
# The largest count whose vuids keep the fixed width of simulated_vuids.
MAX_SIMULATED_CAMERAS = 9_999_999
TESTDATA = Path(__file__).with_name("testdata")


def simulated_vuids(count: int) -> list[str]:
    """``SIM0000001``, ``SIM0000002``, ...: valid vuids, the same on every run.

    >>> simulated_vuids(2)
    ['SIM0000001', 'SIM0000002']
    """
    if not 1 <= count <= MAX_SIMULATED_CAMERAS:
        raise ValueError(f"simulate 1 to {MAX_SIMULATED_CAMERAS} cameras, not {count}")
    return [f"{SIMULATED_PREFIX}{number:07d}" for number in range(1, count + 1)]


@cache
def load_testdata(name: str) -> bytes:
    """One of the real media files shipped in ``vstarcam_tools/camera/testdata`` (JPEGs, an MP4)."""
    return (TESTDATA / name).read_bytes()


def unique_picture(jpeg: bytes, note: str) -> bytes:
    """The same JPEG with a comment (COM) segment carrying ``note`` right after the SOI marker."""
    comment = note.encode()[:65_000]
    return jpeg[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + jpeg[2:]


def heartbeat_body(vuid: str) -> bytes:
    return json.dumps({"vuid": vuid}, separators=(",", ":")).encode()


def alarm_form(
    vuid: str, alarm_type: int, picture: bytes, video: bytes | None = None
) -> MultipartEncoder:
    """The multipart alarm push a camera sends; ``type`` is decimal text, like ``"18"``."""
    fields: list[tuple[str, Any]] = [
        ("vuid", vuid),
        ("type", str(alarm_type)),
        ("picture", ("alarm.jpg", picture, "image/jpeg")),
    ]
    if video is not None:
        fields.append(("video", ("alarm.mp4", video, "video/mp4")))
    return MultipartEncoder(fields=fields)


@dataclass(frozen=True)
class Registered:
    """Every simulated camera's push key, and how many were newly registered."""

    keys: dict[str, str]
    added: int


def register_cameras(
    registry: CameraRegistry,
    vuids: Sequence[str],
    offline_after: int,
    secret: bytes,
    now: int | None = None,
) -> Registered:
    """Register the cameras not registered yet (existing ones keep their name and settings).

    Every camera's push key is derived from the stack ``secret``; a camera without one
    (pending, or registered before push keys) is issued one.
    """
    now = now if now is not None else int(time.time())
    keys: dict[str, str] = {}
    added = 0
    for number, vuid in enumerate(vuids, start=1):
        camera = registry.get(vuid)
        if camera is None:
            issued = registry.register(
                vuid, f"Simulated camera {number}", offline_after, now, secret
            )
            added += 1
        elif camera.pending or not camera.has_push_key:
            threshold = camera.offline_after or offline_after
            issued = registry.register(vuid, camera.name, threshold, now, secret)
        else:
            keys[vuid] = registry.push_key(vuid, secret)
            continue
        keys[vuid] = issued.push_key or registry.push_key(vuid, secret)
    return Registered(keys, added)


@dataclass(frozen=True)
class Reply:
    """One request's outcome: a wire code (``"200"``, or ``"HTTP 502"`` without one) or an error."""

    endpoint: str
    vuid: str
    code: str | None
    error: str | None
    latency_s: float


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Summary:
    """What the simulated cameras sent and what they were answered."""

    vuids: list[str]
    duration_s: float
    # endpoint -> reply code -> count
    replies: dict[str, Counter[str]] = field(default_factory=dict)
    # endpoint -> error (exception class) -> count; requests that got no HTTP reply
    errors: dict[str, Counter[str]] = field(default_factory=dict)
    latencies_s: dict[str, list[float]] = field(default_factory=dict)
    # How far behind schedule a request started at worst: high means the
    # simulator (--concurrency) or the receiver could not keep up.
    max_lag_s: float = 0.0

    def add(self, reply: Reply) -> None:
        if reply.code is not None:
            self.replies.setdefault(reply.endpoint, Counter())[reply.code] += 1
            self.latencies_s.setdefault(reply.endpoint, []).append(reply.latency_s)
        else:
            self.errors.setdefault(reply.endpoint, Counter())[reply.error or "error"] += 1

    def sent(self, endpoint: str) -> int:
        replies = self.replies.get(endpoint, Counter())
        return sum(replies.values()) + sum(self.errors.get(endpoint, Counter()).values())

    def latency_ms(self, endpoint: str) -> dict[str, float] | None:
        """p50/p90/p99/max in milliseconds of the requests that got a reply."""
        values = sorted(self.latencies_s.get(endpoint, []))
        if not values:
            return None
        return {
            name: round(percentile(values, fraction) * 1000, 1)
            for name, fraction in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))
        }

    def to_dict(self) -> dict[str, Any]:
        endpoints = (HEARTBEAT, ALARM)
        return {
            "vuids": list(self.vuids),
            "durationSeconds": round(self.duration_s, 3),
            "sent": {endpoint: self.sent(endpoint) for endpoint in endpoints},
            "replies": {e: dict(sorted(self.replies.get(e, Counter()).items())) for e in endpoints},
            "errors": {e: dict(sorted(self.errors.get(e, Counter()).items())) for e in endpoints},
            "latencyMs": {endpoint: self.latency_ms(endpoint) for endpoint in endpoints},
            "maxLagSeconds": round(self.max_lag_s, 3),
        }


@dataclass(order=True)
class _Due:
    at: float
    sequence: int
    endpoint: str = field(compare=False)
    camera: int = field(compare=False)


class _Fleet:
    """Sends one camera's request at a time on a bounded pool of threads."""

    def __init__(
        self,
        heartbeat_url: str,
        alarm_url: str,
        vuids: Sequence[str],
        alarm_types: Sequence[int],
        video: bool,
        timeout: float,
        push_keys: Mapping[str, str] | None = None,
    ) -> None:
        self.vuids = list(vuids)
        keys = push_keys or {}
        # Each camera's own URLs: the base URL + its key, when the simulator knows it.
        self.urls = [
            (
                (keyed_url(heartbeat_url, keys[vuid]), keyed_url(alarm_url, keys[vuid]))
                if vuid in keys
                else (heartbeat_url, alarm_url)
            )
            for vuid in self.vuids
        ]
        self.alarm_types = list(alarm_types)
        self.video = load_testdata(VIDEO) if video else None
        self.timeout = timeout
        self.alarms_sent = [0] * len(self.vuids)
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        # requests sessions are not thread-safe; one per worker keeps its connection pool.
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        for session in self._sessions:
            session.close()

    def send(self, endpoint: str, camera: int, count: int) -> Reply:
        vuid = self.vuids[camera]
        if endpoint == HEARTBEAT:
            url, body = self.urls[camera][0], heartbeat_body(vuid)
            headers = {"Content-Type": "application/json"}
        else:
            alarm_type = self.alarm_types[(camera + count) % len(self.alarm_types)]
            picture = unique_picture(
                load_testdata(PICTURES[(camera + count) % len(PICTURES)]),
                f"vstarcam-push simulator {vuid} alarm {count} {time.time_ns()}",
            )
            form = alarm_form(vuid, alarm_type, picture, self.video)
            url, body = self.urls[camera][1], form.to_string()
            headers = {"Content-Type": form.content_type}
        started = time.perf_counter()
        try:
            response = self._session().post(url, data=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as error:
            return Reply(endpoint, vuid, None, type(error).__name__, time.perf_counter() - started)
        return Reply(endpoint, vuid, _reply_code(response), None, time.perf_counter() - started)


def _reply_code(response: requests.Response) -> str:
    try:
        document = response.json()
    except ValueError:
        document = None
    if isinstance(document, dict) and isinstance(document.get("code"), str):
        return document["code"]
    return f"HTTP {response.status_code}"


def run_simulation(
    heartbeat_url: str,
    alarm_url: str,
    vuids: Sequence[str],
    *,
    heartbeat_time: float = 60.0,
    alarms_per_minute: float = 1.0,
    duration: float = 60.0,
    video: bool = False,
    concurrency: int = 16,
    timeout: float = 10.0,
    alarm_types: Sequence[int] = DEFAULT_ALARM_TYPES,
    push_keys: Mapping[str, str] | None = None,
) -> Summary:
    """Run the cameras for ``duration`` seconds, then wait for the requests in flight.

    A request is started only while fewer than ``concurrency`` are in flight;
    when the receiver is slower than the schedule, requests start late (see
    ``Summary.max_lag_s``) and none is started after ``duration``.
    """
    if not vuids:
        raise ValueError("simulate at least one camera")
    if heartbeat_time <= 0 or duration <= 0 or alarms_per_minute < 0 or concurrency < 1:
        raise ValueError(
            "heartbeat_time, duration and concurrency must be positive, alarms_per_minute 0 or more"
        )
    if not alarm_types:
        raise ValueError("give at least one alarm type")
    fleet = _Fleet(heartbeat_url, alarm_url, vuids, alarm_types, video, timeout, push_keys)
    summary = Summary(vuids=list(vuids), duration_s=0.0)
    started = time.monotonic()
    deadline = started + duration
    cameras = len(fleet.vuids)
    alarm_interval = 60.0 / alarms_per_minute if alarms_per_minute > 0 else 0.0
    sequence = 0
    schedule: list[_Due] = []
    for camera in range(cameras):
        schedule.append(
            _Due(started + heartbeat_time * camera / cameras, sequence, HEARTBEAT, camera)
        )
        sequence += 1
        if alarm_interval:
            at = started + alarm_interval * (camera + 0.5) / cameras
            schedule.append(_Due(at, sequence, ALARM, camera))
            sequence += 1
    heapq.heapify(schedule)
    slots = threading.BoundedSemaphore(concurrency)
    lock = threading.Lock()
    # A failure that is not the receiver's answer (a bug, unreadable test media)
    # stops the run and is raised, rather than vanishing inside a worker thread.
    failures: list[Exception] = []

    def send(endpoint: str, camera: int, count: int) -> None:
        try:
            reply = fleet.send(endpoint, camera, count)
            with lock:
                summary.add(reply)
        except Exception as error:
            failures.append(error)
        finally:
            slots.release()

    try:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="camera") as pool:
            while schedule and schedule[0].at < deadline and not failures:
                due = heapq.heappop(schedule)
                time.sleep(max(0.0, due.at - time.monotonic()))
                if not slots.acquire(timeout=max(0.0, deadline - time.monotonic())):
                    break
                summary.max_lag_s = max(summary.max_lag_s, time.monotonic() - due.at)
                count = 0
                if due.endpoint == ALARM:
                    count = fleet.alarms_sent[due.camera]
                    fleet.alarms_sent[due.camera] += 1
                pool.submit(send, due.endpoint, due.camera, count)
                interval = heartbeat_time if due.endpoint == HEARTBEAT else alarm_interval
                heapq.heappush(
                    schedule, _Due(due.at + interval, sequence, due.endpoint, due.camera)
                )
                sequence += 1
            if not failures:
                # The summary covers the whole window, also its quiet end.
                time.sleep(max(0.0, deadline - time.monotonic()))
    finally:
        fleet.close()
    if failures:
        raise failures[0]
    summary.duration_s = time.monotonic() - started
    return summary
