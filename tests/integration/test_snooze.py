"""Snooze in moto: the registry's writes, and the real alarm, sweep and notify handlers with
the template's stream filters and a push destination.

What is proved: a snooze (the camera's own or its site's) is part of the camera item, is
written only for a registered camera, and holds SNS and every push destination while the
alarms are stored; turning it off, or its end, notifies again."""

from __future__ import annotations

import time
from typing import Any

from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.notification_claims import NotificationClaims
from vstarcam_push.models.alarm import alarm_id_for
from vstarcam_push.models.alarm_types import AlarmType
from vstarcam_push.models.camera import SNOOZE_UNTIL_ON, Camera, Snooze

from tests.conftest import JPEG, VUID
from tests.integration.conftest import Aws, LoadFunction, LogCapture, Pipeline
from tests.integration.test_push_delivery import Camera as PushingCamera
from tests.integration.test_push_delivery import Push, fakes, push  # noqa: F401 (fixtures)
from tests.push_fakes import FakeNtfy

OTHER = "VE0005623ABCD"
NOW = 1_795_700_000


def registry(aws: Aws) -> CameraRegistry:
    return CameraRegistry(aws.dynamodb, aws.cameras_table)


def camera(aws: Aws, vuid: str = VUID) -> Camera:
    item = aws.camera(vuid)
    assert item is not None
    return Camera.from_item(item)


def vuids(cameras: list[Camera]) -> list[str]:
    return [camera.vuid for camera in cameras]


# -- the registry ------------------------------------------------------------------------


def test_a_snooze_is_stored_on_the_camera_and_turned_off(aws: Aws) -> None:
    aws.register()
    cameras = registry(aws)

    assert cameras.snooze(VUID, NOW + 3600)
    assert aws.camera()["snoozedUntil"] == {"N": str(NOW + 3600)}  # type: ignore[index]
    assert camera(aws).snoozed(NOW) and cameras.get(VUID).snoozed_until == NOW + 3600  # type: ignore[union-attr]

    assert cameras.snooze(VUID, None)
    assert "snoozedUntil" not in (aws.camera() or {})
    assert not camera(aws).snoozed(NOW)


def test_snoozing_an_unknown_or_pending_camera_creates_nothing(aws: Aws) -> None:
    cameras = registry(aws)
    assert not cameras.snooze(VUID, NOW + 60)
    assert aws.camera() is None
    assert not cameras.snooze("#pending", NOW + 60)
    aws.dynamodb.put_item(
        TableName=aws.cameras_table,
        Item={"vuid": {"S": OTHER}, "status": {"S": "pending"}, "registeredAt": {"N": "1"}},
    )
    assert not cameras.snooze(OTHER, NOW + 60)
    assert "snoozedUntil" not in (aws.camera(OTHER) or {})


def test_a_snooze_for_a_camera_of_a_site_holds_only_while_it_is_in_that_site(
    aws: Aws,
) -> None:
    """A viewer's right to a camera was checked on its site: moved since, not written."""
    aws.register()
    cameras = registry(aws)
    assert cameras.snooze(VUID, NOW + 60, site="")
    cameras.set_site(VUID, "Garden")
    assert not cameras.snooze(VUID, NOW + 120, site="")
    assert not cameras.snooze(VUID, NOW + 120, site="House")
    assert camera(aws).snoozed_until == NOW + 60
    assert cameras.snooze(VUID, None, site="Garden")
    assert not camera(aws).snoozed(NOW)


def test_a_site_snooze_holds_each_camera_of_the_site_and_no_other(aws: Aws) -> None:
    aws.register()
    aws.register(OTHER, "Gate")
    aws.register("VE0005624WXYZ", "Hall")
    cameras = registry(aws)
    cameras.set_site(VUID, "Garden")
    cameras.set_site(OTHER, "Garden")
    cameras.set_site("VE0005624WXYZ", "House")

    assert vuids(cameras.snooze_site("Garden", NOW + 600)) == sorted([VUID, OTHER])
    assert camera(aws).snooze(NOW) == Snooze(NOW + 600, "Garden")
    assert camera(aws, OTHER).snoozed(NOW)
    assert not camera(aws, "VE0005624WXYZ").snoozed(NOW)

    # The camera's own snooze and its site's are apart: the later holds.
    assert cameras.snooze(OTHER, SNOOZE_UNTIL_ON)
    assert vuids(cameras.snooze_site("Garden", None)) == sorted([VUID, OTHER])
    assert not camera(aws).snoozed(NOW)
    assert camera(aws, OTHER).snooze(NOW) == Snooze(SNOOZE_UNTIL_ON, "")


def test_turning_one_camera_on_clears_its_sites_snooze_on_it(aws: Aws) -> None:
    aws.register()
    aws.register(OTHER, "Gate")
    cameras = registry(aws)
    for vuid in (VUID, OTHER):
        cameras.set_site(vuid, "Garden")
    cameras.snooze_site("Garden", NOW + 600)

    assert cameras.snooze(VUID, None)

    assert not camera(aws).snoozed(NOW)
    assert camera(aws, OTHER).snoozed(NOW)


def test_a_camera_moved_out_of_a_snoozed_site_leaves_its_snooze_behind(aws: Aws) -> None:
    aws.register()
    cameras = registry(aws)
    cameras.set_site(VUID, "Garden")
    cameras.snooze_site("Garden", NOW + 600)

    cameras.set_site(VUID, "Garden")  # the same site again: still snoozed
    assert camera(aws).snoozed(NOW)
    cameras.set_site(VUID, "House")
    assert not camera(aws).snoozed(NOW)
    cameras.snooze_site("Garden", NOW + 600)
    cameras.set_site(VUID, "")
    assert "siteSnoozedUntil" not in (aws.camera() or {})


def test_the_claim_of_a_snoozed_camera_is_refused_and_takes_no_slot(aws: Aws) -> None:
    aws.register()
    registry(aws).snooze(VUID, NOW + 60)
    claims = NotificationClaims(aws.dynamodb, aws.cameras_table)
    motion = AlarmType(0x12)

    claim = claims.claim_notification(VUID, motion, alarm_id_for(VUID, motion, "a" * 64), NOW, 300)

    assert not claim and claim.reason == "snoozed" and claim.until == NOW + 60
    assert "cool_0x12" not in (aws.camera() or {})
    # After the snooze, the first alarm is notified (no cooldown started by a held one).
    assert claims.claim_notification(
        VUID, motion, alarm_id_for(VUID, motion, "b" * 64), NOW + 61, 300
    )


# -- the pipeline: SNS and the push destinations ------------------------------------------


def test_a_snoozed_cameras_alarms_are_stored_and_reach_no_channel(
    aws: Aws,
    functions: LoadFunction,
    pipeline: Pipeline,
    push: Push,  # noqa: F811
    fakes: Any,  # noqa: F811
    logs: LogCapture,
) -> None:
    """GIVEN a push destination and a camera snoozed for an hour
    WHEN the camera pushes a motion and a smoke alarm
    THEN both are stored, SNS publishes nothing, nothing is queued for the destination, and
    each is one "held" line; turned back on, the next alarm reaches SNS and the destination."""
    ntfy = fakes(FakeNtfy())
    push.add("lan-ntfy", "ntfy", {"url": ntfy.url})
    aws.register()
    registry(aws).snooze(VUID, int(time.time()) + 3600)
    pushing = PushingCamera(functions)
    logs.attach("notify")

    pushing.alarm()
    pushing.alarm(alarm_type="38")
    pipeline.flush()
    push.deliver()

    assert len(aws.alarms()) == 2
    assert aws.published() == [] and ntfy.received == [] and push.queued() == 0
    held = [line for line in logs.lines() if line.get("reason") == "snoozed"]
    assert [line["alarm_type"] for line in held] == ["0x12", "0x26"]
    assert all(line["message"] == "notification held: the camera is snoozed" for line in held)

    registry(aws).snooze(VUID, None)
    pushing.alarm(picture=JPEG + b"\x01")
    pipeline.flush()
    push.deliver()
    assert len(aws.published()) == 1 and len(ntfy.received) == 1


def test_a_snoozed_sites_cameras_go_offline_and_back_silently(
    aws: Aws,
    functions: LoadFunction,
    pipeline: Pipeline,
    push: Push,  # noqa: F811
    fakes: Any,  # noqa: F811
) -> None:
    """GIVEN a camera whose site is snoozed until turned back on
    WHEN it goes offline and comes back, and pushes an alarm
    THEN SNS and the destination get nothing, and the alarm is stored."""
    ntfy = fakes(FakeNtfy())
    push.add("lan-ntfy", "ntfy", {"url": ntfy.url})
    aws.register()
    registry(aws).set_site(VUID, "Garden")
    assert vuids(registry(aws).snooze_site("Garden", SNOOZE_UNTIL_ON)) == [VUID]
    pushing = PushingCamera(functions)

    pushing.go_offline()
    assert len(pipeline.flush()) == 1
    pushing.heartbeat()
    pushing.alarm()
    assert len(pipeline.flush()) == 2
    push.deliver()

    assert len(aws.alarms()) == 1
    assert aws.published() == [] and ntfy.received == [] and push.queued() == 0
