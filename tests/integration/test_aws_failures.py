"""An AWS failure is answered ``{"code":"500", ...}``, never Success, and never leaves an alarm
record that points at missing media."""

from __future__ import annotations

import pytest

from tests.conftest import MP4, VUID, alarm_event, heartbeat_event, invoke, reply_of
from tests.integration.conftest import Aws, AwsSpy, LoadFunction

SUCCESS = {"code": "200", "message": "Success"}


def assert_retry_later(response: dict) -> None:
    reply = reply_of(response)
    assert response["statusCode"] == 500
    assert reply["code"] == "500"
    assert "retry" in reply["message"]


def test_heartbeat_when_dynamodb_fails_answers_500(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN a registered camera and DynamoDB failing the heartbeat's write
    WHEN the heartbeat arrives
    THEN the reply is 500 with a message (so the camera retries), not Success."""
    aws.register()
    heartbeat = functions("HeartbeatFunction")
    spy.fail("UpdateItem", "ProvisionedThroughputExceededException")
    with spy.watching():
        response = invoke(heartbeat, heartbeat_event({"vuid": VUID}))

    assert_retry_later(response)
    camera = aws.camera()
    assert camera is not None and "status" not in camera


@pytest.mark.parametrize(
    "operation",
    ["BatchGetItem", "PutObject", "PutItem"],
    ids=["lookup", "picture-put", "record-put"],
)
def test_alarm_when_a_store_step_fails_answers_500_and_leaves_nothing(
    aws: Aws, functions: LoadFunction, spy: AwsSpy, operation: str
) -> None:
    """GIVEN a registered camera and one AWS step of storing the alarm failing
    WHEN the alarm is pushed
    THEN the reply is 500 and there is neither a record nor any media left behind."""
    aws.register()
    alarm = functions("AlarmFunction")
    before = aws.camera()
    spy.fail(operation)
    with spy.watching():
        response = invoke(alarm, alarm_event())

    assert_retry_later(response)
    assert aws.alarms() == []
    assert aws.media_keys() == []
    assert aws.camera() == before


def test_video_put_failing_after_the_picture_removes_the_picture(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN an alarm with a video, and S3 failing the video put after the picture was put
    WHEN the alarm is pushed
    THEN the reply is 500, the picture this request put is removed, and no record exists."""
    aws.register()
    alarm = functions("AlarmFunction")
    spy.fail("PutObject", skip=1)
    with spy.watching():
        response = invoke(alarm, alarm_event(video=MP4))

    assert_retry_later(response)
    assert spy.operations("s3") == ["PutObject", "PutObject", "DeleteObject"]
    assert aws.media_keys() == []
    assert aws.alarms() == []


def test_record_put_failing_removes_both_picture_and_video(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN an alarm with a video, and DynamoDB failing the alarm record's put
    WHEN the alarm is pushed
    THEN the reply is 500 and both media objects are removed."""
    aws.register()
    alarm = functions("AlarmFunction")
    spy.fail("PutItem")
    with spy.watching():
        response = invoke(alarm, alarm_event(video=MP4))

    assert_retry_later(response)
    assert spy.operations("s3").count("DeleteObject") == 2
    assert aws.media_keys() == []


def test_camera_update_failing_after_the_record_answers_500_and_the_retry_succeeds(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN the alarm stored but the camera's lastAlarmAt update failing
    WHEN the camera gets 500 and retries the same alarm
    THEN the first reply is 500 (never Success on a failure), the stored record still points at
    media that exists, and the retry answers Success without storing a second alarm."""
    aws.register()
    alarm = functions("AlarmFunction")
    spy.fail("UpdateItem")
    with spy.watching():
        first = invoke(alarm, alarm_event())
    assert_retry_later(first)
    (record,) = aws.alarms()
    assert aws.media_keys() == [record["pictureKey"]["S"]]

    retry = invoke(alarm, alarm_event())

    assert reply_of(retry) == SUCCESS
    assert len(aws.alarms()) == 1
    camera = aws.camera()
    assert camera is not None and "lastAlarmAt" in camera


def test_media_cleanup_failing_still_answers_500_and_stores_no_record(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN the record put failing and the cleanup delete failing too
    WHEN the alarm is pushed
    THEN the reply is still 500 and no record exists (the orphan picture is left to the
    bucket's lifecycle expiry)."""
    aws.register()
    alarm = functions("AlarmFunction")
    spy.fail("PutItem")
    spy.fail("DeleteObject")
    with spy.watching():
        response = invoke(alarm, alarm_event())

    assert_retry_later(response)
    assert aws.alarms() == []


def test_unexpected_failure_answers_500_in_the_wire_shape(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN a failure that is not an AWS error (a bug, a library exception)
    WHEN a heartbeat hits it
    THEN the reply is still {"code":"500","message":...}, never API Gateway's own error body."""
    aws.register()
    heartbeat = functions("HeartbeatFunction")

    def broken() -> None:
        raise RuntimeError("boom")

    spy.before("UpdateItem", broken)
    with spy.watching():
        response = invoke(heartbeat, heartbeat_event({"vuid": VUID}))

    assert_retry_later(response)
    assert "boom" not in response["body"]
