"""A removed camera stays removed: nothing that was in flight when it was removed brings
it back as a phantom item (an alarm's camera update, the notifier's cooldown claim)."""

from __future__ import annotations

from vstarcam_push.dal.camera_registry import CameraRegistry

from tests.conftest import VUID, alarm_event, invoke, reply_of
from tests.integration.conftest import Aws, AwsSpy, LoadFunction, Pipeline

SUCCESS = {"code": "200", "message": "Success"}


def test_a_camera_removed_while_its_alarm_is_stored_is_not_recreated(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN a registered camera whose alarm push passed the registration check
    WHEN the camera is removed just before the alarm record is written
    THEN the alarm is answered 200 and stored (it arrived while the camera was registered),
    and the camera's update after it fails its condition: the camera stays removed."""
    aws.register()
    alarm = functions("AlarmFunction")
    spy.before("PutItem", lambda: CameraRegistry(aws.dynamodb, aws.cameras_table).remove(VUID))

    with spy.watching():
        response = invoke(alarm, alarm_event())

    assert reply_of(response) == SUCCESS
    assert spy.operations("dynamodb")[-1] == "UpdateItem"
    assert aws.camera() is None
    assert len(aws.alarms()) == 1


def test_a_camera_removed_before_its_alarm_is_notified_is_not_recreated(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    """GIVEN an alarm stored for a registered camera, its stream record not yet handled
    WHEN the camera is removed and the notifier then handles the alarm
    THEN the notifier's cooldown claim on the camera item fails its condition: no camera
    item comes back (not even one holding only a cooldown slot) and nothing is sent."""
    aws.register()
    assert reply_of(invoke(functions("AlarmFunction"), alarm_event())) == SUCCESS
    CameraRegistry(aws.dynamodb, aws.cameras_table).remove(VUID)

    delivered = pipeline.flush()

    assert [record["eventName"] for record in delivered] == ["INSERT"]
    assert aws.camera() is None
    assert aws.published() == []


def test_a_removed_camera_is_not_recreated_by_its_next_alarm(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN a camera that was registered, then removed
    WHEN it pushes an alarm
    THEN the push is refused as an unknown camera with 403, and no item or media appear."""
    aws.register()
    CameraRegistry(aws.dynamodb, aws.cameras_table).remove(VUID)

    response = invoke(functions("AlarmFunction"), alarm_event())

    assert response["statusCode"] == 403
    assert aws.camera() is None
    assert aws.alarms() == [] and aws.media_keys() == []
