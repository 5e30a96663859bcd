"""AcceptUnknownCameras=true: a camera that pushes while unknown is listed as pending.

It has no push key, so nothing it sends is accepted: it is refused like any unknown
camera, keeps nothing but its registration, is never notified or swept, and at most
100 wait. ``cameras add`` approves it and issues its key.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from vstarcam_push.dal.camera_admission import CameraAdmission
from vstarcam_push.dal.camera_fleet import CameraFleet
from vstarcam_push.dal.camera_items import PENDING_COUNTER
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.ingest.sweep import sweep_offline
from vstarcam_push.models.camera import MAX_PENDING_CAMERAS
from vstarcam_tools.provision import create_resources
from vstarcam_tools.template import Stack

from tests.conftest import (
    PUSH_KEY,
    REGION,
    TEST_SECRET,
    VUID,
    alarm_event,
    heartbeat_event,
    invoke,
    reply_of,
)
from tests.integration.conftest import Aws, LoadFunction, LogCapture, Pipeline

SUCCESS = {"code": "200", "message": "Success"}
NOW_MS = 1_795_700_000_000


@pytest.fixture
def stack() -> Iterator[Stack]:
    """The stack deployed with AcceptUnknownCameras=true."""
    with mock_aws():
        built = Stack(region=REGION, overrides={"AcceptUnknownCameras": "true"})
        create_resources(built, boto3.Session(region_name=REGION))
        yield built


def registry(aws: Aws) -> CameraRegistry:
    return CameraRegistry(aws.dynamodb, aws.cameras_table)


def pending_count(aws: Aws) -> int:
    item = aws.camera(PENDING_COUNTER)
    return int(item["pendingCameras"]["N"]) if item else 0


def refusal_of_unknown(aws: Aws, functions: LoadFunction, vuid: str) -> dict[str, str]:
    """The 403 a camera that was never heard of gets (AcceptUnknownCameras=false)."""
    heartbeat = functions("HeartbeatFunction", ACCEPT_UNKNOWN_CAMERAS="false")
    return reply_of(invoke(heartbeat, heartbeat_event({"vuid": vuid}, NOW_MS, key=None)))


def test_open_registration_reaches_the_functions(stack: Stack) -> None:
    """GIVEN AcceptUnknownCameras=true
    THEN the heartbeat and alarm functions get ACCEPT_UNKNOWN_CAMERAS=true from the template."""
    functions = stack.functions()
    assert functions["HeartbeatFunction"].environment["ACCEPT_UNKNOWN_CAMERAS"] == "true"
    assert functions["AlarmFunction"].environment["ACCEPT_UNKNOWN_CAMERAS"] == "true"


def test_unknown_camera_heartbeat_is_refused_and_lists_the_camera_as_pending(
    aws: Aws, functions: LoadFunction, logs: LogCapture
) -> None:
    """GIVEN AcceptUnknownCameras=true and no camera registered
    WHEN a new camera sends a heartbeat to the bare /heartbeat
    THEN it gets the same 403 as any unknown camera, and the camera exists as pending with
    nothing but its registration time; the refusal is counted as pending_created."""
    unknown = refusal_of_unknown(aws, functions, "VE0009999ZZZZ")
    heartbeat = functions("HeartbeatFunction")
    logs.attach("heartbeat")
    response = invoke(heartbeat, heartbeat_event({"vuid": VUID}, NOW_MS, None))

    assert reply_of(response) == {
        "code": "403",
        "message": unknown["message"].replace("VE0009999ZZZZ", VUID),
    }
    assert aws.camera() == {
        "vuid": {"S": VUID},
        "status": {"S": "pending"},
        "registeredAt": {"N": str(NOW_MS // 1000)},
    }
    assert pending_count(aws) == 1
    # The reason of the refusal's log line, which the metric filters count.
    assert [line.get("reason") for line in logs.lines()] == ["pending_created"]


def test_unknown_camera_alarm_is_refused_stores_nothing_and_lists_the_camera_as_pending(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    """GIVEN AcceptUnknownCameras=true and no camera registered
    WHEN a new camera pushes an alarm (with any key, or none)
    THEN it gets 403, no alarm, no media and no notification, and the camera is pending."""
    alarm = functions("AlarmFunction")
    assert reply_of(invoke(alarm, alarm_event(NOW_MS, key=None)))["code"] == "403"
    assert reply_of(invoke(alarm, alarm_event(NOW_MS, key=PUSH_KEY)))["code"] == "403"

    assert aws.alarms() == [] and aws.media_keys() == []
    camera = aws.camera()
    assert camera is not None and camera["status"] == {"S": "pending"}
    assert pending_count(aws) == 1
    pipeline.flush()
    assert aws.published() == []


def test_a_pending_camera_keeps_nothing_but_its_registration(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN a pending camera
    WHEN it keeps sending heartbeats and alarms, on any route
    THEN each is refused with 403 and its item and the pending count do not change."""
    heartbeat, alarm = functions("HeartbeatFunction"), functions("AlarmFunction")
    invoke(heartbeat, heartbeat_event({"vuid": VUID}, NOW_MS, key=None))
    before = aws.camera()

    later = NOW_MS + 60_000
    for response in (
        invoke(heartbeat, heartbeat_event({"vuid": VUID}, later, key=None)),
        invoke(heartbeat, heartbeat_event({"vuid": VUID}, later, key=PUSH_KEY)),
        invoke(alarm, alarm_event(later, key=None)),
    ):
        assert reply_of(response)["code"] == "403"
    assert aws.camera() == before
    assert pending_count(aws) == 1


def test_a_pending_camera_is_never_swept_or_notified(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    """GIVEN a pending camera, long silent
    WHEN the offline sweep runs and the streams are delivered
    THEN it is not marked offline and nobody is told anything."""
    invoke(functions("HeartbeatFunction"), heartbeat_event({"vuid": VUID}, NOW_MS, key=None))

    result = sweep_offline(
        CameraFleet(aws.dynamodb, aws.cameras_table), now=NOW_MS // 1000 + 86_400
    )

    assert result.marked_offline == []
    pipeline.flush()
    assert aws.published() == []


def test_at_most_100_cameras_wait_as_pending(
    aws: Aws, functions: LoadFunction, logs: LogCapture
) -> None:
    """GIVEN AcceptUnknownCameras=true and 100 pending cameras
    WHEN one more unknown vuid sends a heartbeat
    THEN it is refused with the same 403 and not stored: junk vuids cannot grow the table;
    the refusal is counted as pending_full."""
    heartbeat = functions("HeartbeatFunction")
    for number in range(MAX_PENDING_CAMERAS):
        event = heartbeat_event({"vuid": f"JUNK{number:07d}"}, NOW_MS, key=None)
        assert reply_of(invoke(heartbeat, event))["code"] == "403"
    assert pending_count(aws) == MAX_PENDING_CAMERAS
    logs.attach("heartbeat")

    response = invoke(heartbeat, heartbeat_event({"vuid": VUID}, NOW_MS, key=None))

    assert reply_of(response)["code"] == "403"
    assert aws.camera() is None
    assert pending_count(aws) == MAX_PENDING_CAMERAS
    assert [line.get("reason") for line in logs.lines()] == ["pending_full"]
    cameras = CameraFleet(aws.dynamodb, aws.cameras_table).list()
    assert len(cameras) == MAX_PENDING_CAMERAS
    assert all(camera.status == "pending" for camera in cameras)


def test_cameras_add_approves_a_pending_camera_and_issues_its_key(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN a pending camera
    WHEN it is added (``cameras add``)
    THEN it is registered with a new push key, no longer pending, out of the pending count,
    and its heartbeats on its keyed URL are accepted."""
    heartbeat = functions("HeartbeatFunction")
    invoke(heartbeat, heartbeat_event({"vuid": VUID}, NOW_MS, key=None))

    registration = registry(aws).register(VUID, "Porch", 180, NOW_MS // 1000 + 5, TEST_SECRET)

    assert registration.approved and not registration.created
    assert registration.push_key is not None
    camera = aws.camera()
    assert camera is not None and "status" not in camera
    assert camera["name"] == {"S": "Porch"}
    assert camera["registeredAt"] == {"N": str(NOW_MS // 1000)}
    assert pending_count(aws) == 0
    event = heartbeat_event({"vuid": VUID}, NOW_MS + 60_000, key=registration.push_key)
    assert reply_of(invoke(heartbeat, event)) == SUCCESS


def test_removing_a_pending_camera_frees_its_place(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN a pending camera
    WHEN it is removed (``cameras remove``)
    THEN it is gone and the pending count is back to 0."""
    invoke(functions("HeartbeatFunction"), heartbeat_event({"vuid": VUID}, NOW_MS, key=None))

    assert registry(aws).remove(VUID) is True

    assert aws.camera() is None
    assert pending_count(aws) == 0


def test_open_registration_keeps_an_existing_registration(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN AcceptUnknownCameras=true and a camera registered a while ago as "Front door"
    WHEN it sends a heartbeat on its keyed URL, and one on the bare URL
    THEN the first is accepted, the second refused (RequirePushKey=true), and its name and
    registeredAt are kept: a registered camera never becomes pending."""
    aws.register(now=1_700_000_000)
    heartbeat = functions("HeartbeatFunction")

    assert reply_of(invoke(heartbeat, heartbeat_event({"vuid": VUID}))) == SUCCESS
    bare = invoke(heartbeat, heartbeat_event({"vuid": VUID}, key=None))
    assert reply_of(bare)["code"] == "403"

    camera = aws.camera()
    assert camera is not None
    assert camera["name"] == {"S": "Front door"}
    assert camera["registeredAt"] == {"N": "1700000000"}
    assert camera["status"] == {"S": "online"}
    assert pending_count(aws) == 0


def test_open_registration_still_refuses_bad_input(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN AcceptUnknownCameras=true
    WHEN a heartbeat carries an invalid vuid
    THEN it is still refused with 400 and no camera is created."""
    response = invoke(functions("HeartbeatFunction"), heartbeat_event({"vuid": "../etc"}, key=None))

    assert reply_of(response)["code"] == "400"
    assert aws.dynamodb.scan(TableName=aws.cameras_table)["Items"] == []


def test_two_pushes_racing_to_enroll_one_camera_count_it_once_and_say_why(aws: Aws) -> None:
    """GIVEN an unknown camera whose two first pushes both read "absent" (a race)
    WHEN both enroll it
    THEN the second learns why from the transaction's cancellation reasons: the camera is
    already pending (or registered), not that the pending list is full."""
    cameras = CameraAdmission(aws.dynamodb, aws.cameras_table)

    assert cameras.enroll(VUID, 1_000) == "created"
    assert cameras.enroll(VUID, 1_001) == "camera"
    assert pending_count(aws) == 1
    aws.register("OKB0379853SNLJ")
    assert cameras.enroll("OKB0379853SNLJ", 1_002) == "exists"
    assert pending_count(aws) == 1
