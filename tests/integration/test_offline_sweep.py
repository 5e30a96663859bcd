"""The offline sweep: scans the cameras, marks the past-due ones offline, and loses to any
heartbeat or alarm that lands first."""

from __future__ import annotations

import time
from typing import Any

from vstarcam_push.dal.camera_fleet import SWEEP_SEGMENTS, CameraFleet
from vstarcam_push.dal.camera_registry import CameraRegistry

from tests.conftest import TEST_SECRET, VUID, alarm_event, heartbeat_event, invoke, reply_of
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


def test_sweep_scans_in_parallel_segments_and_gets_back_only_past_due_cameras(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN 120 healthy cameras and 4 past due
    WHEN the sweep runs
    THEN it scans the table once in each of its segments, filtered on the deadline, so the
    replies hold only the 4 past-due vuids; it reads no item one by one and updates only
    those 4."""
    _, due = fleet(aws, functions("HeartbeatFunction"), healthy=120, past_due=4)
    sweep = functions("OfflineSweepFunction")
    with spy.watching() as calls:
        result = invoke(sweep, SCHEDULED_EVENT)

    scans = [call for call in calls if call.operation == "Scan"]
    assert sorted(call.params["Segment"] for call in scans) == list(range(SWEEP_SEGMENTS))
    assert {call.params["TotalSegments"] for call in scans} == {SWEEP_SEGMENTS}
    assert {call.params["ProjectionExpression"] for call in scans} == {"vuid"}
    assert sum(call.response["ScannedCount"] for call in scans if call.response) == 124
    returned = [
        item["vuid"]["S"] for call in scans if call.response for item in call.response["Items"]
    ]
    assert sorted(returned) == sorted(due)
    assert not [call for call in calls if call.operation in ("Query", "GetItem", "BatchGetItem")]
    assert spy.operations().count("UpdateItem") == len(due)
    assert sorted(result["markedOffline"]) == sorted(due)


def test_sweep_writes_nothing_when_every_camera_is_healthy(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN only healthy cameras
    WHEN the sweep runs
    THEN its scans return no item and it writes nothing."""
    fleet(aws, functions("HeartbeatFunction"), healthy=10, past_due=0)
    sweep = functions("OfflineSweepFunction")
    with spy.watching() as calls:
        result = invoke(sweep, SCHEDULED_EVENT)

    assert result == {"pastDue": 0, "markedOffline": []}
    assert all(call.response and call.response["Items"] == [] for call in calls)
    assert set(spy.operations()) == {"Scan"}


def test_registered_camera_that_never_sent_a_heartbeat_is_not_swept(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN a camera registered but never heard from (no deadline yet)
    WHEN the sweep runs
    THEN it is left alone."""
    aws.register()
    result = invoke(functions("OfflineSweepFunction"), SCHEDULED_EVENT)

    assert result == {"pastDue": 0, "markedOffline": []}
    camera = aws.camera()
    assert camera is not None and "status" not in camera


def test_heartbeat_landing_between_query_and_update_wins_over_the_sweep(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN a past-due camera the sweep has just found in its scan
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
    THEN the scans no longer return them and nothing is written."""
    fleet(aws, functions("HeartbeatFunction"), healthy=2, past_due=2)
    sweep = functions("OfflineSweepFunction")
    invoke(sweep, SCHEDULED_EVENT)
    with spy.watching() as calls:
        again = invoke(sweep, SCHEDULED_EVENT)

    assert again == {"pastDue": 0, "markedOffline": []}
    assert "UpdateItem" not in spy.operations()
    assert sum(len(call.response["Items"]) for call in calls if call.response) == 0


def test_alarm_landing_between_scan_and_update_wins_over_the_sweep(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN a camera whose last heartbeat is 10 minutes old, found past due by the sweep
    WHEN it pushes an alarm before the sweep's update
    THEN the alarm moved its deadline: the update fails and the camera stays online."""
    aws.register()
    heartbeat_at(aws, functions("HeartbeatFunction"), VUID, seconds_ago=600)
    alarm = functions("AlarmFunction")
    now_ms = int(time.time()) * 1000
    spy.before("UpdateItem", lambda: reply_of(invoke(alarm, alarm_event(time_ms=now_ms))))
    with spy.watching():
        result = invoke(functions("OfflineSweepFunction"), SCHEDULED_EVENT)

    assert result == {"pastDue": 1, "markedOffline": []}
    camera = aws.camera()
    assert camera is not None and camera["status"] == {"S": "online"}
    assert camera["onlineUntil"] == {"N": str(now_ms // 1000 + 180)}


def test_camera_silent_on_heartbeats_but_pushing_alarms_is_not_swept(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN a camera whose last heartbeat is 10 minutes old and whose alarm came 10 s ago
    WHEN the sweep runs
    THEN it is not past due: an alarm is a sign of life."""
    aws.register()
    heartbeat_at(aws, functions("HeartbeatFunction"), VUID, seconds_ago=600)
    alarm_ms = (int(time.time()) - 10) * 1000
    assert (
        reply_of(invoke(functions("AlarmFunction"), alarm_event(time_ms=alarm_ms)))["code"] == "200"
    )

    result = invoke(functions("OfflineSweepFunction"), SCHEDULED_EVENT)

    assert result == {"pastDue": 0, "markedOffline": []}
    assert status(aws, VUID) == "online"


def test_a_shorter_offline_threshold_applies_at_once(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN an online camera with a 600 s threshold, last heard from 120 s ago
    WHEN its threshold is changed to 60 s (``cameras add VUID --offline-after 60``)
    THEN its deadline is lastSeen + 60 at once, and the next sweep marks it offline."""
    aws.register(offline_after=600)
    heartbeat_at(aws, functions("HeartbeatFunction"), VUID, seconds_ago=120)
    last_seen = int(aws.camera()["lastSeen"]["N"])  # type: ignore[index]

    aws.register(offline_after=60)

    assert aws.camera()["onlineUntil"] == {"N": str(last_seen + 60)}  # type: ignore[index]
    result = invoke(functions("OfflineSweepFunction"), SCHEDULED_EVENT)
    assert result["markedOffline"] == [VUID]


def test_a_longer_offline_threshold_applies_at_once(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN an online camera with a 180 s threshold, last heard from 300 s ago (past due)
    WHEN its threshold is changed to 600 s before the sweep runs
    THEN the sweep leaves it online: its deadline is lastSeen + 600."""
    aws.register(offline_after=180)
    heartbeat_at(aws, functions("HeartbeatFunction"), VUID, seconds_ago=300)

    aws.register(offline_after=600)

    result = invoke(functions("OfflineSweepFunction"), SCHEDULED_EVENT)
    assert result == {"pastDue": 0, "markedOffline": []}
    assert status(aws, VUID) == "online"


def test_a_new_threshold_gives_an_offline_or_silent_camera_no_deadline(aws: Aws) -> None:
    """GIVEN a camera never heard from and a camera the sweep marked offline
    WHEN their thresholds change
    THEN neither gets a deadline (it comes with their next sign of life) and the sweep
    keeps ignoring them."""
    registry = CameraRegistry(aws.dynamodb, aws.cameras_table)
    aws.register("VE0000001NEWX", offline_after=180)
    aws.register(offline_after=180)
    aws.dynamodb.update_item(
        TableName=aws.cameras_table,
        Key={"vuid": {"S": VUID}},
        UpdateExpression="SET #s = :off, offlineSince = :t, lastSeen = :t",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":off": {"S": "offline"}, ":t": {"N": "1795600000"}},
    )

    registry.register("VE0000001NEWX", "New", 60, 0, TEST_SECRET)
    registry.register(VUID, "Front door", 60, 0, TEST_SECRET)

    for vuid in ("VE0000001NEWX", VUID):
        camera = aws.camera(vuid)
        assert camera is not None and "onlineUntil" not in camera
        assert camera["offlineAfter"] == {"N": "60"}
    assert CameraFleet(aws.dynamodb, aws.cameras_table).past_due(int(time.time()) + 10_000) == []
