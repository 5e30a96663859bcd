"""Heartbeats racing the offline sweep never leave an active camera offline.

Two ways: every interleaving of a heartbeat with each call the sweep
makes (its parallel Scan segments, then its updates), placed with a botocore
hook; and threads, many
heartbeats against repeated sweeps at once. moto applies a request's
condition and its write in separate Python steps, so for the threads each
DynamoDB operation is made atomic, as DynamoDB makes each item write.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from vstarcam_push.dal.camera_fleet import SWEEP_SEGMENTS

from tests.conftest import REGION, heartbeat_event, invoke, load_function
from tests.reliability.conftest import Stored

CAMERAS = [f"VE{n:07d}RACE" for n in range(3)]
SCHEDULED_EVENT = {"source": "aws.events", "detail-type": "Scheduled Event"}


def beat(heartbeat: Any, vuid: str, seconds_ago: int = 0) -> None:
    at_ms = int((time.time() - seconds_ago) * 1000)
    response = invoke(heartbeat, heartbeat_event({"vuid": vuid}, time_ms=at_ms))
    assert response["statusCode"] == 200


def assert_all_online(stored: Stored, vuids: list[str]) -> None:
    now = time.time()
    for vuid in vuids:
        camera = stored.cameras.get(vuid)
        assert camera is not None
        assert camera.status == "online", vuid
        assert camera.online_until is not None and camera.online_until > now


class Interleaving:
    """Runs ``action`` just before the sweep's ``position``-th AWS call (or after the sweep).

    The sweep's Scan segments run on threads of their own: the calls are counted under a
    lock, and the action's own calls (on the thread that runs it) are not the sweep's.
    """

    def __init__(self, position: int, action: Callable[[], None]) -> None:
        self.position = position
        self.action = action
        self.sweeping = False
        self.calls: list[str] = []
        self.fired = False
        self._lock = threading.RLock()
        self._acting: int | None = None

    def hook(self, event_name: str, **_: Any) -> None:
        if not self.sweeping or threading.get_ident() == self._acting:
            return
        with self._lock:
            if len(self.calls) == self.position and not self.fired:
                self.fire()
            self.calls.append(event_name.rsplit(".", 1)[-1])

    def fire(self) -> None:
        with self._lock:
            self.fired, self._acting = True, threading.get_ident()
            try:
                self.action()
            finally:
                self._acting = None


@pytest.mark.parametrize("position", range(SWEEP_SEGMENTS + len(CAMERAS) + 1))
def test_heartbeats_at_any_point_of_a_sweep_leave_the_cameras_online(
    stack, stored: Stored, register, monkeypatch, atomic_dynamodb, position: int
) -> None:
    """GIVEN three cameras silent for ten minutes, so past due
    WHEN all three send a heartbeat just before the sweep's call number ``position`` (its
    Scan segments, then one conditional update per camera found; the last position is
    after the sweep)
    THEN every camera ends online with a deadline ahead, and the sweep marked offline
    exactly the cameras whose update ran before the heartbeats."""
    for vuid in CAMERAS:
        register(vuid)
    heartbeats: list[Callable[[], None]] = []
    interleaving = Interleaving(position, lambda: [beat() for beat in heartbeats])
    # The functions make their clients from the default session when imported.
    boto3.setup_default_session(region_name=REGION)
    boto3.DEFAULT_SESSION.events.register("before-call.dynamodb", interleaving.hook)  # type: ignore[union-attr]
    heartbeat = load_function(stack, "HeartbeatFunction", monkeypatch)
    sweep = load_function(stack, "OfflineSweepFunction", monkeypatch)
    for vuid in CAMERAS:
        beat(heartbeat, vuid, seconds_ago=600)
        heartbeats.append(lambda vuid=vuid: beat(heartbeat, vuid))

    interleaving.sweeping = True
    result = invoke(sweep, SCHEDULED_EVENT)
    interleaving.sweeping = False
    if not interleaving.fired:
        interleaving.fire()
    boto3.DEFAULT_SESSION = None

    assert interleaving.calls[:SWEEP_SEGMENTS] == ["Scan"] * SWEEP_SEGMENTS
    assert interleaving.calls[SWEEP_SEGMENTS:] == ["UpdateItem"] * result["pastDue"]
    updates_before = max(0, position - SWEEP_SEGMENTS)
    assert len(result["markedOffline"]) == min(updates_before, len(CAMERAS))
    assert_all_online(stored, CAMERAS)


def test_threads_of_heartbeats_racing_repeated_sweeps_never_leave_a_camera_offline(
    stack, stored: Stored, register, monkeypatch, atomic_dynamodb
) -> None:
    """GIVEN 24 cameras silent for ten minutes
    WHEN in each of 4 rounds every camera sends a heartbeat on its own thread, at a random
    moment, while another thread sweeps three times in a row
    THEN after each round every camera is online with a deadline ahead."""
    vuids = [f"VE{n:07d}THRD" for n in range(24)]
    for vuid in vuids:
        register(vuid)
    # Powertools keeps one metric set per process, shared by every Metrics instance, and
    # its flush reads then serialises it: two handlers flushing on two threads can race
    # there. Lambda never runs two invocations in one process (nor does the local stack's
    # worker), so that race is this test's own; the threads here race on DynamoDB only.
    no_metrics = {"POWERTOOLS_METRICS_DISABLED": "true"}
    heartbeat = load_function(stack, "HeartbeatFunction", monkeypatch, **no_metrics)
    sweep = load_function(stack, "OfflineSweepFunction", monkeypatch, **no_metrics)
    jitter = random.Random(11)
    failures: list[BaseException] = []

    def guarded(work: Callable[..., None], *args: Any) -> None:
        try:
            work(*args)
        except BaseException as error:
            failures.append(error)

    def sweeper() -> None:
        for _ in range(3):
            invoke(sweep, SCHEDULED_EVENT)

    def late_beat(vuid: str, delay: float) -> None:
        time.sleep(delay)
        beat(heartbeat, vuid)

    for _ in range(4):
        for vuid in vuids:
            beat(heartbeat, vuid, seconds_ago=600)
        threads = [threading.Thread(target=guarded, args=(sweeper,))] + [
            threading.Thread(target=guarded, args=(late_beat, vuid, jitter.uniform(0, 0.05)))
            for vuid in vuids
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
        assert failures == []
        assert_all_online(stored, vuids)
