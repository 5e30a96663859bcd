"""The offline sweep: reads only past-due cameras and marks them offline, losing to any
heartbeat that lands first."""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import VUID, heartbeat_event, invoke, reply_of
from tests.integration.conftest import Aws, AwsSpy, LoadFunction

SCHEDULED_EVENT = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-11-26T14:05:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/vstarcam-push-Sweep"],
    "detail": {},
}


def heartbeat_at(aws: Aws, heartbeat: Any, vuid: str, seconds_ago: int) -> None:
    at_ms = (int(time.time()) - seconds_ago) * 1000
    assert reply_of(invoke(heartbeat, heartbeat_event({"vuid": vuid}, at_ms)))["code"] == "200"


def fleet(aws: Aws, heartbeat: Any, healthy: int, past_due: int) -> tuple[list[str], list[str]]:
    """Registered cameras that sent heartbeats 10 s ago (healthy) or 10 min ago (past due)."""
    healthy_vuids = [f"VEH{n:07d}OKAY" for n in range(healthy)]
    due_vuids = [f"VED{n:07d}LATE" for n in range(past_due)]
    for vuid in healthy_vuids + due_vuids:
        aws.register(vuid, name=vuid, offline_after=180)
    for vuid in healthy_vuids:
        heartbeat_at(aws, heartbeat, vuid, seconds_ago=10)
    for vuid in due_vuids:
        heartbeat_at(aws, heartbeat, vuid, seconds_ago=600)
    return healthy_vuids, due_vuids


def status(aws: Aws, vuid: str) -> str:
    camera = aws.camera(vuid)
    assert camera is not None
    return camera["status"]["S"]


def test_sweep_marks_only_cameras_past_their_deadline_offline(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN cameras that sent heartbeats recently and cameras silent for longer than their
    threshold
    WHEN the scheduled sweep runs
    THEN exactly the silent ones are offline (with offlineSince, out of the sweep index) and
    the others stay online."""
    healthy, due = fleet(aws, functions("HeartbeatFunction"), healthy=5, past_due=3)
    result = invoke(functions("OfflineSweepFunction"), SCHEDULED_EVENT)

    assert result["pastDue"] == 3
    assert sorted(result["markedOffline"]) == sorted(due)
    for vuid in due:
        camera = aws.camera(vuid)
        assert camera is not None
        assert camera["status"] == {"S": "offline"}
        assert "offlineSince" in camera
        assert "onlineUntil" not in camera and "sweepShard" not in camera
    assert {status(aws, vuid) for vuid in healthy} == {"online"}


def test_sweep_reads_only_past_due_cameras_however_many_are_healthy(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN 120 healthy cameras and 4 past due
    WHEN the sweep runs
    THEN it only queries the sparse deadline index, and the items its queries return add up
    to the 4 past-due cameras: healthy cameras cost the sweep nothing."""
    _, due = fleet(aws, functions("HeartbeatFunction"), healthy=120, past_due=4)
    sweep = functions("OfflineSweepFunction")
    with spy.watching() as calls:
        result = invoke(sweep, SCHEDULED_EVENT)

    queries = [call for call in calls if call.operation == "Query"]
    assert {call.params["IndexName"] for call in queries} == {"byDeadline"}
    assert sum(len(call.response["Items"]) for call in queries if call.response) == len(due)
    assert not [call for call in calls if call.operation in ("Scan", "GetItem", "BatchGetItem")]
    assert spy.operations().count("UpdateItem") == len(due)
    assert sorted(result["markedOffline"]) == sorted(due)


def test_sweep_reads_nothing_when_every_camera_is_healthy(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN only healthy cameras
    WHEN the sweep runs
    THEN its queries return no item and it writes nothing."""
    fleet(aws, functions("HeartbeatFunction"), healthy=10, past_due=0)
    sweep = functions("OfflineSweepFunction")
    with spy.watching() as calls:
        result = invoke(sweep, SCHEDULED_EVENT)

    assert result == {"pastDue": 0, "markedOffline": []}
    assert all(call.response and call.response["Items"] == [] for call in calls)
    assert set(spy.operations()) == {"Query"}


def test_registered_camera_that_never_sent_a_heartbeat_is_not_swept(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN a camera registered but never heard from (no deadline yet)
    WHEN the sweep runs
    THEN it is not in the index and is left alone."""
    aws.register()
    result = invoke(functions("OfflineSweepFunction"), SCHEDULED_EVENT)

    assert result == {"pastDue": 0, "markedOffline": []}
    camera = aws.camera()
    assert camera is not None and "status" not in camera


def test_heartbeat_landing_between_query_and_update_wins_over_the_sweep(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN a past-due camera the sweep has just read from the index
    WHEN its heartbeat lands before the sweep's update
    THEN the sweep's conditional update fails, the camera stays online with its new deadline,
    and the sweep reports it past due but not marked offline."""
    heartbeat = functions("HeartbeatFunction")
    aws.register()
    heartbeat_at(aws, heartbeat, VUID, seconds_ago=600)
    sweep = functions("OfflineSweepFunction")
    spy.before("UpdateItem", lambda: heartbeat_at(aws, heartbeat, VUID, seconds_ago=0))
    with spy.watching():
        result = invoke(sweep, SCHEDULED_EVENT)

    assert result == {"pastDue": 1, "markedOffline": []}
    camera = aws.camera()
    assert camera is not None
    assert camera["status"] == {"S": "online"}
    assert int(camera["onlineUntil"]["N"]) > time.time()


def test_a_second_sweep_does_not_touch_cameras_already_offline(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN cameras the previous sweep marked offline
    WHEN the sweep runs again
    THEN they are no longer in the index: nothing is read and nothing is written."""
    fleet(aws, functions("HeartbeatFunction"), healthy=2, past_due=2)
    sweep = functions("OfflineSweepFunction")
    invoke(sweep, SCHEDULED_EVENT)
    with spy.watching() as calls:
        again = invoke(sweep, SCHEDULED_EVENT)

    assert again == {"pastDue": 0, "markedOffline": []}
    assert "UpdateItem" not in spy.operations()
    assert sum(len(call.response["Items"]) for call in calls if call.response) == 0
