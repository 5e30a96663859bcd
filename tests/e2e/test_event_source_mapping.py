"""The stream event source mapping emulation, driven in-process against in-process moto.

GIVEN the template's tables (and their streams) in ``mock_aws`` and a mapping
built from the template's own ``DynamoDB`` event WHEN records are written and
the mapping drained THEN the handler sees what Lambda would hand it: filtered,
batched, retried, bisected, and dead-lettered with Lambda's failure record.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from moto.dynamodbstreams.models import dynamodbstreams_backends
from vstarcam_push.dal.camera_admission import CameraAdmission
from vstarcam_push.dal.camera_fleet import CameraFleet
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_tools.local.moto_server import ShardIteratorJanitor
from vstarcam_tools.local.stream_shards import keep_streams
from vstarcam_tools.local.streams import MappingConfig, StreamEventSource
from vstarcam_tools.template import Stack

from tests.conftest import REGION, TEST_SECRET, invoke, load_function

Handler = Callable[[dict[str, Any]], Any]


def _mapping(stack: Stack, event: str, handler: Handler, **overrides: Any) -> StreamEventSource:
    properties = stack.functions()["NotifyFunction"].events[event]["Properties"]
    return StreamEventSource(
        boto3.client("dynamodbstreams", region_name=REGION),
        properties["Stream"],
        handler,
        MappingConfig.from_sam(properties, retry_delay_s=0, **overrides),
        sqs=boto3.client("sqs", region_name=REGION),
        sns=boto3.client("sns", region_name=REGION),
        name=event,
    )


def _put_alarm(stack: Stack, alarm_id: str) -> None:
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=stack.physical_name("AlarmsTable"),
        Item={"vuid": {"S": "VE0005622QHOW"}, "alarmId": {"S": alarm_id}},
    )


def _alarm_ids(event: dict[str, Any]) -> list[str]:
    return [r["dynamodb"]["NewImage"]["alarmId"]["S"] for r in event["Records"]]


def _dead_letters(stack: Stack) -> list[dict[str, Any]]:
    """The failure records the subscriptions' on-failure destination (the operations topic,
    which tells the owner) received."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    topic = sns_backends[DEFAULT_ACCOUNT_ID][REGION].topics[stack.refs["OperationsTopic"]]
    return [json.loads(message) for _, message, _, _, _ in topic.sent_notifications]


class Recorder:
    """A handler that records its events and answers with ``respond(event, call_number)``."""

    def __init__(self, respond: Callable[[dict[str, Any], int], Any] | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self._respond = respond

    def __call__(self, event: dict[str, Any]) -> Any:
        self.events.append(event)
        return self._respond(event, len(self.events)) if self._respond else None


def test_starting_position_latest_skips_what_was_written_before(stack: Stack) -> None:
    _put_alarm(stack, "before")
    handler = Recorder()
    mapping = _mapping(stack, "NewAlarm", handler)
    _put_alarm(stack, "after")

    mapping.drain()

    assert [_alarm_ids(event) for event in handler.events] == [["after"]]


def test_records_are_passed_as_lambda_passes_them(stack: Stack) -> None:
    handler = Recorder()
    mapping = _mapping(stack, "NewAlarm", handler)
    _put_alarm(stack, "shape")

    mapping.drain()

    (record,) = handler.events[0]["Records"]
    assert record["eventName"] == "INSERT" and record["eventSource"] == "aws:dynamodb"
    assert record["eventSourceARN"] == stack.get_att("AlarmsTable", "StreamArn")
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)
    json.dumps(handler.events[0])


def camera_goes_offline(stack: Stack, heartbeats: tuple[int, ...]) -> None:
    """A camera registered at 1000 (60 s threshold), online with these heartbeats, then
    marked offline by the sweep at 2000."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    table = stack.physical_name("CamerasTable")
    registration = CameraRegistry(dynamodb, table).register(
        "VE0005622QHOW", "Door", 60, 1000, TEST_SECRET
    )
    admission = CameraAdmission(dynamodb, table, offline_after=60)
    for now in heartbeats:
        admission.heartbeat("VE0005622QHOW", now, key=registration.push_key)
    assert CameraFleet(dynamodb, table).mark_offline("VE0005622QHOW", now=2000)


def test_filter_criteria_keep_heartbeats_from_the_notifier(stack: Stack) -> None:
    """Only a change of status passes the CameraStatus filters; registration and the
    heartbeats of an online camera never invoke the function."""
    handler = Recorder()
    mapping = _mapping(stack, "CameraStatus", handler)
    camera_goes_offline(stack, heartbeats=(1000, 1030))

    result = mapping.drain()

    # moto writes two INSERT records for an UpdateItem that creates an item: count loosely.
    assert result.read >= 4 and result.filtered_out == result.read - 1
    assert result.invocations == 1
    (record,) = handler.events[0]["Records"]
    assert record["dynamodb"]["OldImage"]["status"] == {"S": "online"}
    assert record["dynamodb"]["NewImage"]["status"] == {"S": "offline"}


def test_batches_hold_at_most_batch_size_records_in_order(stack: Stack) -> None:
    handler = Recorder()
    mapping = _mapping(stack, "NewAlarm", handler)
    written = [f"a{i:02d}" for i in range(23)]
    for alarm_id in written:
        _put_alarm(stack, alarm_id)

    result = mapping.drain()

    assert [len(event["Records"]) for event in handler.events] == [10, 10, 3]
    assert [i for event in handler.events for i in _alarm_ids(event)] == written
    assert result.delivered == 23


def test_partial_failure_retries_from_the_lowest_failed_record(stack: Stack) -> None:
    def respond(event: dict[str, Any], call: int) -> dict[str, Any]:
        records = event["Records"]
        if call > 1:
            return {"batchItemFailures": []}
        failed = [records[3], records[1]]
        return {
            "batchItemFailures": [
                {"itemIdentifier": record["dynamodb"]["SequenceNumber"]} for record in failed
            ]
        }

    handler = Recorder(respond)
    mapping = _mapping(stack, "NewAlarm", handler)
    for i in range(5):
        _put_alarm(stack, f"p{i}")

    result = mapping.drain()

    assert [_alarm_ids(event) for event in handler.events] == [
        ["p0", "p1", "p2", "p3", "p4"],
        ["p1", "p2", "p3", "p4"],
    ]
    assert result.retries == 1 and result.delivered == 5 and result.dead_lettered == 0


def test_failure_the_mapping_cannot_place_retries_the_whole_batch(stack: Stack) -> None:
    def respond(event: dict[str, Any], call: int) -> dict[str, Any]:
        unknown = [{"itemIdentifier": "not-a-sequence-number"}]
        return {"batchItemFailures": unknown if call == 1 else []}

    handler = Recorder(respond)
    mapping = _mapping(stack, "NewAlarm", handler)
    _put_alarm(stack, "x0")
    _put_alarm(stack, "x1")

    mapping.drain()

    assert [_alarm_ids(event) for event in handler.events] == [["x0", "x1"], ["x0", "x1"]]


def test_function_error_bisects_and_only_the_poison_record_is_dead_lettered(stack: Stack) -> None:
    def respond(event: dict[str, Any], call: int) -> None:
        if "poison" in _alarm_ids(event):
            raise RuntimeError("cannot handle this one")

    handler = Recorder(respond)
    mapping = _mapping(stack, "NewAlarm", handler, max_retry_attempts=2)
    for alarm_id in ("ok0", "ok1", "poison", "ok3"):
        _put_alarm(stack, alarm_id)

    result = mapping.drain()

    delivered = [_alarm_ids(e) for e in handler.events if "poison" not in _alarm_ids(e)]
    assert sorted(i for ids in delivered for i in ids) == ["ok0", "ok1", "ok3"]
    assert [_alarm_ids(e) for e in handler.events].count(["poison"]) == 3  # 1 try + 2 retries
    assert result.dead_lettered == 1
    (letter,) = _dead_letters(stack)
    info = letter["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"]
    assert info["streamArn"] == stack.get_att("AlarmsTable", "StreamArn")
    assert letter["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert letter["requestContext"]["approximateInvokeCount"] == 3
    assert letter["responseContext"]["functionError"] == "Unhandled"


def test_records_past_their_maximum_age_are_dead_lettered_without_an_invocation(
    stack: Stack,
) -> None:
    handler = Recorder()
    mapping = _mapping(stack, "NewAlarm", handler, max_record_age_s=0)
    _put_alarm(stack, "stale")
    # Creation times are whole seconds: after 1.1 s the record is surely over 0 s old.
    time.sleep(1.1)

    result = mapping.drain()

    assert handler.events == [] and result.dead_lettered == 1
    (letter,) = _dead_letters(stack)
    assert letter["requestContext"]["condition"] == "RecordAgeExceeded"


def test_background_polling_delivers_without_drain(stack: Stack) -> None:
    delivered = threading.Event()
    handler = Recorder(lambda event, call: delivered.set())
    mapping = _mapping(stack, "NewAlarm", handler, batching_window_s=0)
    mapping.start()
    try:
        _put_alarm(stack, "background")

        assert delivered.wait(10)
    finally:
        mapping.stop()
    assert _alarm_ids(handler.events[0]) == ["background"]


def test_real_notifier_whose_sns_keeps_failing_ends_in_the_dead_letter_queue(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Powertools' batch processor turns a batch whose every record failed into a function
    error; after the retries the record is dead-lettered."""
    notify = load_function(stack, "NotifyFunction", monkeypatch)
    sns = boto3.client("sns", region_name=REGION)
    sns.delete_topic(TopicArn=stack.get_att("AlarmTopic", "TopicArn"))
    handler = Recorder(lambda event, call: invoke(notify, event))
    mapping = _mapping(stack, "CameraStatus", handler, max_retry_attempts=2)
    camera_goes_offline(stack, heartbeats=(1000,))

    result = mapping.drain()

    assert result.invocations == 3 and result.function_errors == 3
    (letter,) = _dead_letters(stack)
    assert letter["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert letter["responseContext"]["functionError"] == "Unhandled"


def test_janitor_expires_old_shard_iterators_but_never_the_mappings_own(stack: Stack) -> None:
    handler = Recorder()
    mapping = _mapping(stack, "NewAlarm", handler)
    for _ in range(3):
        mapping.drain()
    iterators = dynamodbstreams_backends[stack.account][REGION].shard_iterators
    janitor = ShardIteratorJanitor(stack.account, REGION, keep=lambda: mapping.shard_iterators)
    assert len(iterators) > 1

    before = len(iterators)

    assert janitor.sweep(now=0) == 0
    assert janitor.sweep(now=901) == before - 1

    assert set(iterators) == mapping.shard_iterators
    _put_alarm(stack, "after-sweep")
    assert mapping.drain().delivered == 1


# -- whatever moto does to a table, its stream goes on ---------------------------------------


def test_a_failed_transaction_does_not_cut_the_stream_off(stack: Stack) -> None:
    """GIVEN a mapping reading the Alarms stream WHEN a transaction writes one alarm and then
    fails a condition (moto puts back a deep copy of the table, with a copy of its shard)
    THEN the mapping still receives what is written afterwards, and never the rolled-back
    write (AWS writes no stream record for it)."""
    from moto.dynamodb.models import dynamodb_backends

    keep_streams(dynamodb_backends[stack.account][REGION])
    handler = Recorder()
    mapping = _mapping(stack, "NewAlarm", handler)
    _put_alarm(stack, "before")
    db = boto3.client("dynamodb", region_name=REGION)
    table = stack.physical_name("AlarmsTable")
    with pytest.raises(db.exceptions.TransactionCanceledException):
        db.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": _alarm_key("rolled-back")}},
                {
                    "Put": {
                        "TableName": table,
                        "Item": _alarm_key("before"),
                        "ConditionExpression": "attribute_not_exists(alarmId)",
                    }
                },
            ]
        )
    _put_alarm(stack, "after")

    mapping.drain()

    assert [_alarm_ids(event) for event in handler.events] == [["before", "after"]]
    assert "Item" not in db.get_item(TableName=table, Key=_alarm_key("rolled-back"))


def _alarm_key(alarm_id: str) -> dict[str, Any]:
    return {"vuid": {"S": "VE0005622QHOW"}, "alarmId": {"S": alarm_id}}
