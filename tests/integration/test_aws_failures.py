"""An AWS failure is answered ``{"code":"500", ...}`` (``"503"`` when the call was throttled),
never Success, and never leaves an alarm record that points at missing media."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import MP4, VUID, alarm_event, heartbeat_event, invoke, reply_of
from tests.integration.conftest import Aws, AwsSpy, LoadFunction

SUCCESS = {"code": "200", "message": "Success"}


def assert_retry_later(response: dict, status: int = 500) -> None:
    reply = reply_of(response)
    assert response["statusCode"] == status
    assert reply["code"] == str(status)
    assert "retry" in reply["message"]


def test_heartbeat_when_dynamodb_fails_answers_500(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN a registered camera and DynamoDB failing the heartbeat's write
    WHEN the heartbeat arrives
    THEN the reply is 500 with a message (so the camera retries), not Success."""
    aws.register()
    heartbeat = functions("HeartbeatFunction")
    spy.fail("UpdateItem", "InternalServerError")
    with spy.watching():
        response = invoke(heartbeat, heartbeat_event({"vuid": VUID}))

    assert_retry_later(response)
    camera = aws.camera()
    assert camera is not None and "status" not in camera


@pytest.mark.parametrize(
    ("operation", "code", "status"),
    [
        ("BatchGetItem", "InternalServerError", 500),
        ("PutObject", "InternalError", 500),
        ("PutItem", "ValidationException", 500),
        ("PutItem", "ProvisionedThroughputExceededException", 503),
    ],
    ids=["lookup", "picture-put", "record-put-refused", "record-put-throttled"],
)
def test_alarm_when_a_store_step_fails_answers_500_and_leaves_nothing(
    aws: Aws, functions: LoadFunction, spy: AwsSpy, operation: str, code: str, status: int
) -> None:
    """GIVEN a registered camera and one AWS step of storing the alarm failing (the record's
    put refused outright, so surely not written)
    WHEN the alarm is pushed
    THEN the reply is 500 (503 when throttled: busy, retry) and there is neither a record
    nor any media left behind."""
    aws.register()
    alarm = functions("AlarmFunction")
    before = aws.camera()
    spy.fail(operation, code)
    with spy.watching():
        response = invoke(alarm, alarm_event())

    assert_retry_later(response, status)
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
    spy.fail("PutItem", "ProvisionedThroughputExceededException")
    with spy.watching():
        response = invoke(alarm, alarm_event(video=MP4))

    assert_retry_later(response, 503)
    assert spy.operations("s3").count("DeleteObject") == 2
    assert aws.media_keys() == []


def test_record_put_failing_with_an_unknown_outcome_keeps_the_media_for_the_lifecycle(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN DynamoDB answering the alarm record's put with a 5xx (the write may or may not
    have been applied)
    WHEN the alarm is pushed, and then retried
    THEN the first reply is 500 after a consistent read found no record, and the media are
    not removed (a write still in flight could name them); the retry stores one record
    whose media are in the bucket."""
    aws.register()
    alarm = functions("AlarmFunction")
    spy.fail("PutItem", "InternalServerError")
    with spy.watching():
        first = invoke(alarm, alarm_event(video=MP4))

    assert_retry_later(first)
    # The intake's own refusal (counted as storage_failed), not the catch-all's.
    assert reply_of(first)["message"] == "the alarm could not be stored, please retry"
    assert spy.operations() == ["BatchGetItem", "PutObject", "PutObject", "PutItem", "GetItem"]
    assert spy.calls[-1].params["ConsistentRead"] is True
    orphans = aws.media_keys()
    assert len(orphans) == 2 and aws.alarms() == []

    assert reply_of(invoke(alarm, alarm_event(video=MP4))) == SUCCESS
    (record,) = aws.alarms()
    kept = {record["pictureKey"]["S"], record["videoKey"]["S"]}
    assert set(aws.media_keys()) == kept | set(orphans)
    assert kept.isdisjoint(orphans)


def test_record_put_answered_5xx_after_it_was_written_is_a_stored_alarm(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN DynamoDB writing the alarm record but its reply lost (answered 5xx)
    WHEN the alarm is pushed
    THEN the consistent read finds this request's record: the reply is Success, the
    camera's lastAlarmAt is set and the record's media are in the bucket."""
    aws.register()
    alarm = functions("AlarmFunction")

    def lose_the_reply(client, operation, params, send):  # type: ignore[no-untyped-def]
        send(client, operation, params)
        error = {
            "Error": {"Code": "InternalServerError", "Message": "reply lost"},
            "ResponseMetadata": {"HTTPStatusCode": 500},
        }
        raise client.exceptions.from_code("InternalServerError")(error, operation)

    spy.replace("PutItem", lose_the_reply)
    with spy.watching():
        response = invoke(alarm, alarm_event(video=MP4))

    assert reply_of(response) == SUCCESS
    (record,) = aws.alarms()
    assert aws.media_keys() == sorted([record["pictureKey"]["S"], record["videoKey"]["S"]])
    camera = aws.camera()
    assert camera is not None and "lastAlarmAt" in camera


def test_record_put_whose_first_try_wrote_and_whose_retry_was_refused_keeps_its_media(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN the alarm record's put written by a first try whose reply was lost, so that
    botocore's retry of it fails its condition (the record exists: this request's own)
    WHEN the alarm is pushed
    THEN the reply is Success and the media the record names are not removed."""
    aws.register()
    alarm = functions("AlarmFunction")

    def written_then_retried(client, operation, params, send):  # type: ignore[no-untyped-def]
        send(client, operation, params)
        return send(client, operation, params)

    spy.replace("PutItem", written_then_retried)
    with spy.watching():
        response = invoke(alarm, alarm_event(video=MP4))

    assert reply_of(response) == SUCCESS
    assert "DeleteObject" not in spy.operations()
    (record,) = aws.alarms()
    assert aws.media_keys() == sorted([record["pictureKey"]["S"], record["videoKey"]["S"]])


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


def test_alarm_read_whose_keys_come_back_unprocessed_asks_again(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN DynamoDB answering the alarm's one read with every key unprocessed (throttled)
    WHEN a registered camera pushes an alarm
    THEN the read is asked again and the alarm stored: an unprocessed camera key is not an
    unknown camera."""
    aws.register()
    alarm = functions("AlarmFunction")

    def nothing_processed(client: Any, operation: str, params: dict[str, Any], send: Any) -> Any:
        return {"Responses": {}, "UnprocessedKeys": params["RequestItems"]}

    spy.replace("BatchGetItem", nothing_processed)
    with spy.watching():
        response = invoke(alarm, alarm_event())

    assert reply_of(response) == SUCCESS
    assert spy.operations().count("BatchGetItem") == 2
    assert len(aws.alarms()) == 1
