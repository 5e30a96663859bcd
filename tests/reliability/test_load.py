"""A bounded load test: simulated cameras against the local stack over real HTTP for ~20 s."""

from __future__ import annotations

import pytest
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.models.push_keys import new_secret
from vstarcam_tools.camera.simulator import (
    ALARM,
    HEARTBEAT,
    register_cameras,
    run_simulation,
    simulated_vuids,
)

from tests.e2e.localstack import local_stack

CAMERAS = 40
SECONDS = 20.0


@pytest.mark.slow
def test_many_cameras_for_twenty_seconds_get_no_error_and_every_alarm_is_stored_once(
    tmp_path,
) -> None:
    """GIVEN the local stack and 40 registered cameras, each sending a heartbeat every 2 s and
    an alarm push (a unique real JPEG) every 10 s, 8 requests in flight at a time
    WHEN they run for 20 s
    THEN every request is answered 200, and the stack holds exactly one alarm record and
    one picture per alarm answered 200, each record's picture in the bucket."""
    with local_stack(schedule_rate=1, log_dir=tmp_path) as stack:
        vuids = simulated_vuids(CAMERAS)
        push_keys = register_cameras(
            CameraRegistry(stack.client("dynamodb"), stack.outputs.cameras_table),
            vuids,
            180,
            new_secret(),
        ).keys

        summary = run_simulation(
            stack.heartbeat_url,
            stack.alarm_url,
            vuids,
            heartbeat_time=2.0,
            alarms_per_minute=6.0,
            duration=SECONDS,
            concurrency=8,
            push_keys=push_keys,
        )

        alarms = [
            item
            for page in stack.client("dynamodb")
            .get_paginator("scan")
            .paginate(TableName=stack.outputs.alarms_table, ConsistentRead=True)
            for item in page["Items"]
        ]
        keys = {
            item["Key"]
            for page in stack.client("s3")
            .get_paginator("list_objects_v2")
            .paginate(Bucket=stack.outputs.media_bucket)
            for item in page.get("Contents", [])
        }

    assert summary.errors == {}
    assert set(summary.replies[HEARTBEAT]) == {"200"}
    assert set(summary.replies[ALARM]) == {"200"}
    answered = summary.replies[ALARM]["200"]
    assert answered > 0
    assert len(alarms) == answered
    assert len({item["alarmId"]["S"] for item in alarms}) == answered
    # Media processing adds each alarm's thumbnail beside its picture (<key>.thumb.jpg).
    originals = {key for key in keys if not key.endswith(".thumb.jpg")}
    assert {item["pictureKey"]["S"] for item in alarms} == originals
    assert {item["vuid"]["S"] for item in alarms} <= set(vuids)
