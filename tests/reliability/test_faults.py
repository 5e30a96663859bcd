"""Faults on the request path: every AWS call of an alarm push failing in every way.

An alarm is answered 200 only when it is stored; a failure is answered code
"500" in the wire shape ("503" when a call was throttled), so the camera retries;
no alarm record ever points at media that is not in the bucket; and the camera's
retry stores the alarm exactly once.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.conftest import (
    JPEG,
    MP4,
    VUID,
    alarm_event,
    heartbeat_event,
    invoke,
    load_function,
    reply_of,
)
from tests.reliability.conftest import FAULT_KINDS, Faults, Stored

# A ClientError and a BotoCoreError: the two ways a call fails in botocore. Throttling and
# lost connections take the same paths; the random test below uses all four kinds.
MATRIX_KINDS = ("server_error", "timeout")
# An alarm push with a video makes these calls, in this order.
ALARM_CALLS = [
    ("BatchGetItem", 0),
    ("PutObject", 0),  # the picture
    ("PutObject", 1),  # the video
    ("PutItem", 0),  # the alarm record
    ("UpdateItem", 0),  # the camera's lastAlarmAt
]


def assert_answered_500(response: dict[str, Any], status: int = 500) -> None:
    reply = reply_of(response)
    assert response["statusCode"] == status
    assert reply["code"] == str(status)
    assert "retry" in reply["message"]


def assert_stored_once(stored: Stored) -> dict[str, Any]:
    """One alarm record, its media in the bucket and no other object."""
    alarms = stored.alarms()
    assert len(alarms) == 1
    assert stored.media_keys() == stored.keys_of(alarms[0])
    return alarms[0]


def test_alarm_push_makes_the_calls_the_fault_matrix_covers(
    stack, faults: Faults, stored: Stored, register, monkeypatch
) -> None:
    """GIVEN no fault
    WHEN an alarm with a video is pushed
    THEN its AWS calls are exactly the ones the fault matrix below fails, in that order."""
    register(VUID)
    alarm = load_function(stack, "AlarmFunction", monkeypatch)

    response = invoke(alarm, alarm_event(video=MP4))

    assert reply_of(response) == {"code": "200", "message": "Success"}
    assert [operation for operation, _ in faults.calls] == [
        "BatchGetItem",
        "PutObject",
        "PutObject",
        "PutItem",
        "UpdateItem",
    ]
    assert_stored_once(stored)


@pytest.mark.parametrize("kind", MATRIX_KINDS)
@pytest.mark.parametrize(
    ("operation", "skip"),
    ALARM_CALLS,
    ids=["lookup", "picture-put", "video-put", "record-put", "camera-update"],
)
def test_any_alarm_call_failing_answers_500_and_the_retry_stores_it_once(
    stack, faults: Faults, stored: Stored, register, monkeypatch, operation, skip, kind
) -> None:
    """GIVEN a registered camera and one call of the alarm path failing (a 5xx answer or a
    read timeout)
    WHEN the alarm is pushed, and then pushed again as the camera retries
    THEN the first answer is "500" with no record pointing at missing media, and the retry
    is answered 200 with exactly one record and exactly its media in the bucket (besides,
    when the record's write had an unknown outcome, the first try's media, left to the
    lifecycle rule because a write still in flight could name them)."""
    register(VUID)
    alarm = load_function(stack, "AlarmFunction", monkeypatch)
    event = alarm_event(video=MP4)
    faults.fail(operation, kind, skip=skip)

    first = invoke(alarm, event)

    assert_answered_500(first)
    assert faults.failed() == [operation]
    assert stored.dangling() == []
    orphans = set()
    if operation == "PutItem":
        assert stored.alarms() == []
        orphans = stored.media_keys()
        assert len(orphans) == 2
        assert faults.calls[-1] == ("GetItem", True)
    elif operation != "UpdateItem":
        # Failed before the record was written: nothing is kept, media included.
        assert stored.alarms() == []
        assert stored.media_keys() == set()

    retry = invoke(alarm, event)

    assert reply_of(retry) == {"code": "200", "message": "Success"}
    alarms = stored.alarms()
    assert len(alarms) == 1
    assert stored.media_keys() == stored.keys_of(alarms[0]) | orphans
    assert alarms[0]["pictureSize"]["N"] == str(len(JPEG))


@pytest.mark.parametrize("kind", MATRIX_KINDS)
def test_record_put_and_media_cleanup_both_failing_still_stores_no_record(
    stack, faults: Faults, stored: Stored, register, monkeypatch, kind
) -> None:
    """GIVEN the alarm record's write refused (throttled), and the removal of the media put
    before it failing too
    WHEN the alarm is pushed
    THEN the answer is "503" (throttled: busy, retry) and no record exists (the orphan media
    is left to the bucket's lifecycle rule); the retry stores one record whose media are in
    the bucket."""
    register(VUID)
    alarm = load_function(stack, "AlarmFunction", monkeypatch)
    event = alarm_event(video=MP4)
    faults.fail("PutItem", "throttled")
    faults.fail("DeleteObject", kind, times=2)

    assert_answered_500(invoke(alarm, event), status=503)
    assert stored.alarms() == []
    assert faults.failed() == ["PutItem", "DeleteObject", "DeleteObject"]

    assert reply_of(invoke(alarm, event))["code"] == "200"
    alarms = stored.alarms()
    assert len(alarms) == 1
    assert stored.dangling() == []


@pytest.mark.parametrize("kind", MATRIX_KINDS)
def test_heartbeat_write_failing_answers_500_and_changes_nothing(
    stack, faults: Faults, stored: Stored, register, monkeypatch, kind
) -> None:
    """GIVEN a registered camera and its heartbeat's write failing
    WHEN the heartbeat arrives, and the next one after the store recovered
    THEN the first is answered "500" and the camera is unchanged; the next marks it online."""
    register(VUID)
    heartbeat = load_function(stack, "HeartbeatFunction", monkeypatch)
    before = stored.cameras.get(VUID)
    faults.fail("UpdateItem", kind)

    assert_answered_500(invoke(heartbeat, heartbeat_event({"vuid": VUID})))
    assert stored.cameras.get(VUID) == before

    assert reply_of(invoke(heartbeat, heartbeat_event({"vuid": VUID})))["code"] == "200"
    camera = stored.cameras.get(VUID)
    assert camera is not None and camera.status == "online"


def test_random_faults_over_many_pushes_never_leave_a_record_without_media(
    stack, faults: Faults, stored: Stored, register, monkeypatch
) -> None:
    """GIVEN cameras pushing 24 alarms, each with a random call failing in a random way
    (or none), each retried until answered 200 (at most 3 tries)
    WHEN every push is done
    THEN after every single answer no record points at missing media, every alarm is
    stored exactly once, and the bucket holds exactly the stored alarms' media."""
    chooser = random.Random(5)
    cameras = [f"VE{n:07d}RLBT" for n in range(4)]
    for vuid in cameras:
        register(vuid)
    alarm = load_function(stack, "AlarmFunction", monkeypatch)
    calls = [*ALARM_CALLS, ("DeleteObject", 0)]
    fired = 0

    for number in range(24):
        vuid = cameras[number % len(cameras)]
        picture = JPEG + number.to_bytes(2, "big")
        event = alarm_event(vuid=vuid, picture=picture, video=MP4 if number % 3 == 0 else None)
        for _ in range(3):
            planned = kind = None
            if chooser.random() < 0.6:
                operation, skip = chooser.choice(calls)
                planned, kind = operation, chooser.choice(FAULT_KINDS)
                faults.fail(operation, kind, skip=skip)
            attempts = len(faults.calls)
            reply = reply_of(invoke(alarm, event))
            # Still planned: its call was not made (no video, no clean-up, or the alarm was
            # found stored), so it could not fire.
            unused = bool(faults.planned)
            faults.recover()
            failed_now = [op for op, ok in faults.calls[attempts:] if not ok]
            # The planned fault fired exactly when its call was made, and then the answer
            # is 500 (503 for a throttled call); without a fault that fired, it is 200.
            assert failed_now == ([planned] if planned and not unused else [])
            failed_code = "503" if kind == "throttled" else "500"
            assert reply["code"] == (failed_code if failed_now else "200"), (planned, failed_now)
            fired += len(failed_now)
            assert stored.dangling() == []
            if reply["code"] == "200":
                break
        else:
            assert reply_of(invoke(alarm, event))["code"] == "200"

    # The seed plans faults that fire on about a third of the tries.
    assert fired >= 10
    alarms = stored.alarms()
    assert len(alarms) == 24
    assert len({alarm["alarmId"]["S"] for alarm in alarms}) == 24
    referenced = set().union(*(stored.keys_of(alarm) for alarm in alarms))
    # Orphans are possible where a cleanup delete was failed on purpose, or where the
    # record's write had an unknown outcome.
    assert referenced <= stored.media_keys()
