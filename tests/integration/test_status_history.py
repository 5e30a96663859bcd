"""The day view's history: each offline and back-online change, written by the notify
function from the Cameras stream it already receives, kept like alarms (TTL after
RetentionDays), and nothing more on the heartbeat's path.

Real handlers against moto: the sweep and the heartbeat write the camera item, the
stream records are read from moto, filtered by the template and delivered to the
notify function as Lambda delivers them."""

from __future__ import annotations

import copy
import time

import boto3
import pytest
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.status_history import StatusHistory
from vstarcam_push.models.camera import SNOOZE_UNTIL_ON
from vstarcam_push.models.status_history import StatusChange
from vstarcam_push.runtime.batches import BatchFailed

from tests.conftest import REGION, VUID, heartbeat_event, invoke, reply_of
from tests.integration.conftest import Aws, AwsSpy, LoadFunction, Pipeline
from tests.integration.test_notify import Camera


def history_table(aws: Aws) -> str:
    return aws.stack.physical_name("StatusHistoryTable")


def stored(aws: Aws) -> list[dict]:
    items = aws.dynamodb.scan(TableName=history_table(aws), ConsistentRead=True)["Items"]
    return sorted(items, key=lambda item: item["changeId"]["S"])


def test_going_offline_and_back_online_each_write_one_change(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, spy: AwsSpy
) -> None:
    """GIVEN a registered camera that goes silent, is marked offline by the sweep, and
    sends a heartbeat again
    WHEN each change reaches the notify function
    THEN one PutItem each: the offline change at offlineSince with the last sign of life,
    the online one at the heartbeat with the outage's start; TTL RetentionDays later."""
    camera = Camera(aws, functions)
    aws.register()
    camera.heartbeat()
    pipeline.flush()  # a new camera's first heartbeat: no change to keep
    assert stored(aws) == []

    camera.go_offline()
    with spy.watching() as calls:
        pipeline.flush()
    puts = [c for c in calls if c.operation == "PutItem"]
    assert [c.params["TableName"] for c in puts] == [history_table(aws)]
    item = aws.camera()
    assert item is not None
    offline_since, last_seen = int(item["offlineSince"]["N"]), int(item["lastSeen"]["N"])

    camera.heartbeat()
    pipeline.flush()
    item = aws.camera()
    assert item is not None
    back_at = int(item["lastSeen"]["N"])

    offline, online = stored(aws)
    retention = int(aws.stack.parameters["RetentionDays"]) * 86_400
    assert offline == {
        "vuid": {"S": VUID},
        "changeId": {"S": f"{offline_since:011d}#offline"},
        "status": {"S": "offline"},
        "at": {"N": str(offline_since)},
        "lastSeen": {"N": str(last_seen)},
        "expiresAt": {"N": str(offline_since + retention)},
    }
    assert online == {
        "vuid": {"S": VUID},
        "changeId": {"S": f"{back_at:011d}#online"},
        "status": {"S": "online"},
        "at": {"N": str(back_at)},
        "offlineSince": {"N": str(offline_since)},
        "expiresAt": {"N": str(back_at + retention)},
    }
    # The table's TTL is the attribute written.
    ttl = aws.dynamodb.describe_time_to_live(TableName=history_table(aws))
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expiresAt"
    assert ttl["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"


def test_a_redelivered_stream_record_writes_the_same_item(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    """GIVEN the record of a camera going offline, delivered and then delivered again (a
    retried batch: Lambda's streams are at-least-once)
    THEN the history holds one change, unchanged."""
    camera = Camera(aws, functions)
    aws.register()
    camera.heartbeat()
    pipeline.flush()
    camera.go_offline()
    records = pipeline.flush()
    first = stored(aws)

    assert pipeline.deliver(copy.deepcopy(records)) == {"batchItemFailures": []}
    assert stored(aws) == first and len(first) == 1


def test_a_change_is_kept_even_when_the_notification_fails(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, spy: AwsSpy
) -> None:
    """GIVEN SNS failing when a camera goes offline
    THEN the invocation fails (Lambda retries the batch) with the change already kept,
    and the retry writes that same change again and sends the notification once."""
    camera = Camera(aws, functions)
    aws.register()
    camera.heartbeat()
    pipeline.flush()
    camera.go_offline()
    records = pipeline.selected()
    spy.fail("Publish")
    with spy.watching(), pytest.raises(BatchFailed):
        pipeline.deliver(records)
    kept = stored(aws)
    assert [item["status"]["S"] for item in kept] == ["offline"]

    assert pipeline.deliver(records) == {"batchItemFailures": []}
    assert stored(aws) == kept
    assert len(aws.published()) == 1


def test_a_heartbeat_stays_one_write_and_no_read(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN an online camera, and an offline one
    WHEN each sends a heartbeat
    THEN the heartbeat function makes its one conditional UpdateItem of the camera item,
    nothing else (no read, nothing written to the history): the change is the stream's."""
    heartbeat = functions("HeartbeatFunction")
    aws.register()
    for state in ("never seen", "online"):
        with spy.watching() as calls:
            reply = reply_of(invoke(heartbeat, heartbeat_event({"vuid": VUID})))
        assert reply["code"] == "200", state
        assert [(c.service, c.operation) for c in calls] == [("dynamodb", "UpdateItem")]
        assert calls[0].params["TableName"] == aws.cameras_table
    # Offline (as the sweep leaves it), then the heartbeat that brings it back.
    aws.dynamodb.update_item(
        TableName=aws.cameras_table,
        Key={"vuid": {"S": VUID}},
        UpdateExpression="SET #s = :off, offlineSince = :now REMOVE onlineUntil",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":off": {"S": "offline"}, ":now": {"N": str(int(time.time()))}},
    )
    with spy.watching() as calls:
        reply = reply_of(invoke(heartbeat, heartbeat_event({"vuid": VUID})))
    assert reply["code"] == "200"
    assert [(c.service, c.operation) for c in calls] == [("dynamodb", "UpdateItem")]
    assert stored(aws) == []


def test_the_camera_functions_have_no_grant_on_the_history(aws: Aws) -> None:
    """The heartbeat, alarm and sweep functions neither know the table nor may touch it:
    only the notify function writes it, only the console API reads it."""
    functions = aws.stack.functions()
    for name in ("HeartbeatFunction", "AlarmFunction", "OfflineSweepFunction"):
        assert "STATUS_HISTORY_TABLE" not in functions[name].environment, name
    assert set(functions["NotifyFunction"].environment) >= {
        "STATUS_HISTORY_TABLE",
        "RETENTION_DAYS",
    }
    assert "STATUS_HISTORY_TABLE" in functions["ConsoleApiFunction"].environment


def test_a_day_of_history_is_one_query_from_the_days_end(aws: Aws) -> None:
    """GIVEN a camera's changes over three days
    WHEN one day's span is read
    THEN one Query gives the changes inside it and the last one before it."""
    history = StatusHistory(
        boto3.client("dynamodb", region_name=REGION), history_table(aws), retention_days=30
    )
    day = 86_400
    base = 1_765_000_000 - 1_765_000_000 % day
    changes = [
        StatusChange(VUID, "offline", base - day + 100),
        StatusChange(VUID, "online", base - day + 200, offline_since=base - day + 100),
        StatusChange(VUID, "offline", base - 50),
        StatusChange(VUID, "online", base + 3600, offline_since=base - 50),
        StatusChange(VUID, "offline", base + day + 10),
    ]
    for change in changes:
        history.record(change)
    span = history.span(VUID, base * 1000, (base + day) * 1000)
    assert span.before == changes[2]
    assert span.changes == [changes[3]]
    assert history.span("VE0000000NONE", base * 1000, (base + day) * 1000).before is None


def test_a_flapping_cameras_day_is_read_page_by_page_and_whole(aws: Aws, spy: AwsSpy) -> None:
    """GIVEN 60 changes inside one day (a camera flapping every 24 minutes) and one before
    WHEN the day is read
    THEN every change comes back in order, with the one before, in pages of 25 (3 Queries)."""
    history = StatusHistory(
        boto3.client("dynamodb", region_name=REGION), history_table(aws), retention_days=30
    )
    day = 86_400
    base = 1_765_000_000 - 1_765_000_000 % day
    before = StatusChange(VUID, "online", base - 7200)
    history.record(before)
    inside = [
        StatusChange(VUID, "offline" if n % 2 == 0 else "online", base + 60 + n * 1440)
        for n in range(60)
    ]
    for change in inside:
        history.record(change)
    with spy.watching() as calls:
        span = history.span(VUID, base * 1000, (base + day) * 1000)
    assert span.before == before and span.changes == inside and span.complete
    assert [c.operation for c in calls] == ["Query"] * 3
    assert all(c.params["Limit"] == 25 for c in calls)


def test_a_snoozed_cameras_changes_are_kept_though_nobody_is_told(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    """GIVEN a camera snoozed until turned back on
    WHEN it goes offline and comes back
    THEN no notification is sent, and the day view's history has both changes."""
    camera = Camera(aws, functions)
    aws.register()
    camera.heartbeat()
    pipeline.flush()
    assert CameraRegistry(aws.dynamodb, aws.cameras_table).snooze(VUID, SNOOZE_UNTIL_ON)
    pipeline.flush()  # the snooze's own write: no change of status
    camera.go_offline()
    pipeline.flush()
    camera.heartbeat()
    pipeline.flush()
    assert aws.published() == []
    assert [item["status"]["S"] for item in stored(aws)] == ["offline", "online"]
