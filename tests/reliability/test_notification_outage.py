"""An SNS outage delays notifications but loses none and duplicates none.

The notify function is driven by the local stack's event source mapping
emulation (``StreamEventSource``) with the template's settings for each
stream subscription: retries, bisection, partial batch failures and the
dead-letter queue, against in-process moto. Delivered notifications are
read from an SQS queue subscribed to the topic, as a subscriber sees them.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

import boto3
import pytest
from vstarcam_tools.local.streams import MappingConfig, StreamEventSource

from tests.conftest import JPEG, REGION, alarm_event, heartbeat_event, invoke, load_function
from tests.reliability.conftest import Faults

CAMERAS = [f"VE{n:07d}NTFY" for n in range(3)]


class Inbox:
    """An SQS queue subscribed to the alarm topic."""

    def __init__(self, stack: Any) -> None:
        session = boto3.Session(region_name=REGION)
        self.sqs = session.client("sqs")
        self.url = self.sqs.create_queue(QueueName="reliability-inbox")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])
        session.client("sns").subscribe(
            TopicArn=stack.physical_name("AlarmTopic"),
            Protocol="sqs",
            Endpoint=arn["Attributes"]["QueueArn"],
        )

    def received(self) -> list[dict[str, str]]:
        """(event, vuid) of every notification delivered so far (bounded reads)."""
        notes: list[dict[str, str]] = []
        for _ in range(100):
            messages = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                return notes
            for message in messages:
                attributes = json.loads(message["Body"])["MessageAttributes"]
                notes.append({name: value["Value"] for name, value in attributes.items()})
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        raise AssertionError("the inbox did not run dry")


def mapping_for(stack: Any, event_name: str, table: str, notify: Any) -> StreamEventSource:
    """The template's subscription ``event_name`` of the notify function, with no backoff."""
    session = boto3.Session(region_name=REGION)
    properties = stack.functions()["NotifyFunction"].events[event_name]["Properties"]
    return StreamEventSource(
        session.client("dynamodbstreams"),
        stack.get_att(table, "StreamArn"),
        lambda event: invoke(notify, event),
        MappingConfig.from_sam(properties, retry_delay_s=0, max_retry_delay_s=0),
        sqs=session.client("sqs"),
        sns=session.client("sns"),
    )


def dead_letters(stack: Any) -> list[dict[str, Any]]:
    """The failure records the operations topic (the subscriptions' on-failure destination,
    which tells the owner) received."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    topic = sns_backends[DEFAULT_ACCOUNT_ID][REGION].topics[stack.refs["OperationsTopic"]]
    return [json.loads(message) for _, message, _, _, _ in topic.sent_notifications]


@pytest.fixture
def setup(stack, faults: Faults, register, monkeypatch) -> dict[str, Any]:
    for vuid in CAMERAS:
        register(vuid)
    return {
        "alarm": load_function(stack, "AlarmFunction", monkeypatch),
        "heartbeat": load_function(stack, "HeartbeatFunction", monkeypatch),
        "notify": load_function(stack, "NotifyFunction", monkeypatch),
        "inbox": Inbox(stack),
    }


def push_alarm(alarm: Any, vuid: str, times: int = 1) -> None:
    event = alarm_event(vuid=vuid, picture=JPEG + vuid.encode())
    for _ in range(times):
        assert json.loads(invoke(alarm, event)["body"])["code"] == "200"


@pytest.mark.parametrize("failed_publishes", [1, 3, 8])
def test_alarms_stored_during_an_sns_outage_are_notified_once_after_it(
    stack, faults: Faults, setup, failed_publishes: int
) -> None:
    """GIVEN three cameras whose alarms are stored (each pushed twice, as a camera retries)
    while SNS fails its next publishes
    WHEN the stream subscription delivers each, retrying failed records
    THEN once SNS answers again every alarm is notified exactly once, nothing is
    dead-lettered, and the failures were really retried."""
    mapping = mapping_for(stack, "NewAlarm", "AlarmsTable", setup["notify"])
    faults.fail("Publish", "server_error", times=failed_publishes)

    retries = 0
    for vuid in CAMERAS:
        push_alarm(setup["alarm"], vuid, times=2)
        stats = mapping.drain()
        retries += stats.retries
        assert stats.dead_lettered == 0

    delivered = Counter(note["vuid"] for note in setup["inbox"].received())
    assert delivered == Counter(dict.fromkeys(CAMERAS, 1))
    assert retries >= 1
    assert faults.failed().count("Publish") == failed_publishes
    assert dead_letters(stack) == []


def test_a_partly_failed_batch_notifies_every_alarm_exactly_once(
    stack, faults: Faults, setup
) -> None:
    """GIVEN a batch of three alarm records whose second publish times out once
    WHEN the subscription delivers it (ReportBatchItemFailures: Lambda resumes the stream
    at the first failed record, the records after it included)
    THEN every alarm is notified exactly once: the third is not published before the
    retry and again in it."""
    mapping = mapping_for(stack, "NewAlarm", "AlarmsTable", setup["notify"])
    faults.fail("Publish", "timeout", skip=1)

    for vuid in CAMERAS:
        push_alarm(setup["alarm"], vuid)
    stats = mapping.drain()

    assert stats.partial_failures == 1
    delivered = Counter(note["vuid"] for note in setup["inbox"].received())
    assert delivered == Counter(dict.fromkeys(CAMERAS, 1))
    assert [operation for operation, _ in faults.calls].count("Publish") == len(CAMERAS) + 1


def test_a_record_that_keeps_failing_is_reported_to_the_operations_topic(
    stack, faults: Faults, setup
) -> None:
    """GIVEN SNS down for longer than the subscription retries (MaximumRetryAttempts)
    WHEN an alarm is stored and the subscription delivers
    THEN nothing is notified, the record's batch is described to the operations topic (the
    subscription's on-failure destination: the owner's email), and the alarm itself stays
    stored."""
    mapping = mapping_for(stack, "NewAlarm", "AlarmsTable", setup["notify"])
    faults.outage("Publish")

    assert json.loads(invoke(setup["alarm"], alarm_event(vuid=CAMERAS[0]))["body"])["code"] == (
        "200"
    )
    stats = mapping.drain()

    assert stats.dead_lettered == 1
    assert stats.retries == mapping.config.max_retry_attempts == 10
    assert setup["inbox"].received() == []
    (letter,) = dead_letters(stack)
    assert letter["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert letter["DDBStreamBatchInfo"]["batchSize"] == 1
    assert letter["DDBStreamBatchInfo"]["streamArn"] == stack.get_att("AlarmsTable", "StreamArn")


def test_offline_and_back_online_during_an_outage_are_each_notified_once(
    stack, faults: Faults, setup, monkeypatch
) -> None:
    """GIVEN a camera that goes offline (the sweep) and comes back (a heartbeat) while SNS
    fails its first publishes
    WHEN the camera-status subscription delivers
    THEN "offline" and "online" are each notified exactly once, in that order."""
    vuid = CAMERAS[0]
    mapping = mapping_for(stack, "CameraStatus", "CamerasTable", setup["notify"])
    sweep = load_function(stack, "OfflineSweepFunction", monkeypatch)
    long_ago = int(time.time() - 3600) * 1000
    assert invoke(setup["heartbeat"], heartbeat_event({"vuid": vuid}, time_ms=long_ago))[
        "statusCode"
    ] == (200)
    faults.fail("Publish", "connection_lost", times=3)

    assert invoke(sweep, {"source": "aws.events"})["markedOffline"] == [vuid]
    assert invoke(setup["heartbeat"], heartbeat_event({"vuid": vuid}))["statusCode"] == 200
    stats = mapping.drain()

    assert [(note["event"], note["vuid"]) for note in setup["inbox"].received()] == [
        ("offline", vuid),
        ("online", vuid),
    ]
    assert stats.dead_lettered == 0
