"""AcceptUnknownCameras=true: any camera is registered by its first heartbeat or alarm."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from vstarcam_tools.provision import create_resources
from vstarcam_tools.template import Stack

from tests.conftest import REGION, VUID, alarm_event, heartbeat_event, invoke, reply_of
from tests.integration.conftest import Aws, AwsSpy, LoadFunction, Pipeline

SUCCESS = {"code": "200", "message": "Success"}


@pytest.fixture
def stack() -> Iterator[Stack]:
    """The stack deployed with AcceptUnknownCameras=true."""
    with mock_aws():
        built = Stack(region=REGION, overrides={"AcceptUnknownCameras": "true"})
        create_resources(built, boto3.Session(region_name=REGION))
        yield built


def test_open_registration_reaches_the_functions(stack: Stack) -> None:
    """GIVEN AcceptUnknownCameras=true
    THEN the heartbeat and alarm functions get ACCEPT_UNKNOWN_CAMERAS=true from the template."""
    functions = stack.functions()
    assert functions["HeartbeatFunction"].environment["ACCEPT_UNKNOWN_CAMERAS"] == "true"
    assert functions["AlarmFunction"].environment["ACCEPT_UNKNOWN_CAMERAS"] == "true"


def test_unknown_camera_heartbeat_is_accepted_and_creates_the_camera(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN AcceptUnknownCameras=true and no camera registered
    WHEN a new camera sends a heartbeat at time t
    THEN it gets Success and exists: online, registeredAt t, deadline t + OfflineAfterSeconds."""
    now_ms = 1_795_700_000_000
    response = invoke(functions("HeartbeatFunction"), heartbeat_event({"vuid": VUID}, now_ms))

    assert reply_of(response) == SUCCESS
    camera = aws.camera()
    assert camera is not None
    assert camera["status"] == {"S": "online"}
    assert camera["registeredAt"] == {"N": str(now_ms // 1000)}
    assert camera["onlineUntil"] == {"N": str(now_ms // 1000 + 180)}


def test_unknown_camera_alarm_is_stored_and_creates_the_camera(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN AcceptUnknownCameras=true and no camera registered
    WHEN a new camera pushes an alarm
    THEN it gets Success, the alarm and picture are stored, and the camera exists with
    registeredAt and lastAlarmAt."""
    now_ms = 1_795_700_000_000
    response = invoke(functions("AlarmFunction"), alarm_event(now_ms))

    assert reply_of(response) == SUCCESS
    assert len(aws.alarms()) == 1
    assert len(aws.media_keys()) == 1
    camera = aws.camera()
    assert camera is not None
    assert camera["registeredAt"] == camera["lastAlarmAt"] == {"N": str(now_ms // 1000)}


def test_a_new_cameras_first_alarm_is_notified_even_if_its_camera_update_fails(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, spy: AwsSpy
) -> None:
    """GIVEN AcceptUnknownCameras=true and a new camera
    WHEN its first alarm is stored but the camera update after it fails (answered 500), and
    the camera retries it
    THEN the camera existed before the alarm, so the alarm is notified, once."""
    alarm = functions("AlarmFunction")
    event = alarm_event(1_795_700_000_000)
    spy.fail("UpdateItem", skip=1)  # the enrolment passes; the lastAlarmAt update fails
    with spy.watching():
        failed = invoke(alarm, event)

    assert reply_of(failed)["code"] == "500"
    assert aws.camera() is not None and len(aws.alarms()) == 1
    pipeline.flush()
    assert reply_of(invoke(alarm, event)) == SUCCESS  # the retry: already stored
    pipeline.flush()
    assert [message.attributes["event"] for message in aws.published()] == ["alarm"]


def test_open_registration_keeps_an_existing_registration(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN AcceptUnknownCameras=true and a camera registered a while ago as "Front door"
    WHEN it sends a heartbeat
    THEN it is answered Success, and its name and registeredAt are kept."""
    aws.register(now=1_700_000_000)
    response = invoke(functions("HeartbeatFunction"), heartbeat_event({"vuid": VUID}))

    assert reply_of(response) == SUCCESS

    camera = aws.camera()
    assert camera is not None
    assert camera["name"] == {"S": "Front door"}
    assert camera["registeredAt"] == {"N": "1700000000"}


def test_open_registration_still_refuses_bad_input(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN AcceptUnknownCameras=true
    WHEN a heartbeat carries an invalid vuid
    THEN it is still refused with 400 and no camera is created."""
    response = invoke(functions("HeartbeatFunction"), heartbeat_event({"vuid": "../etc"}))

    assert reply_of(response)["code"] == "400"
    assert aws.dynamodb.scan(TableName=aws.cameras_table)["Items"] == []
