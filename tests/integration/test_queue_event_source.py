"""Lambda's SQS event source, as the local stack and the tests emulate it against moto:
batches, records shaped as Lambda passes them, deletion of what succeeded, and the
visibility timeout and redrive policy deciding what comes back."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from vstarcam_tools.local.queues import QueueEventSource, SqsMappingConfig
from vstarcam_tools.template import Stack

from tests.conftest import REGION


@pytest.fixture
def queue(stack: Stack) -> tuple[Any, str]:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="events", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return sqs, arn["QueueArn"]


def send(sqs: Any, arn: str, *bodies: str) -> None:
    url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[1])["QueueUrl"]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)


def test_records_are_shaped_as_lambda_passes_them_and_successes_are_deleted(queue) -> None:
    sqs, arn = queue
    seen: list[dict[str, Any]] = []

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        seen.extend(event["Records"])
        return {"batchItemFailures": []}

    source = QueueEventSource(sqs, arn, handler, SqsMappingConfig(report_batch_item_failures=True))
    send(sqs, arn, "one", "two")
    stats = source.drain(rounds=5)

    assert sorted(record["body"] for record in seen) == ["one", "two"]
    record = seen[0]
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
    assert record["awsRegion"] == REGION and record["receiptHandle"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert stats.deleted == 2 and source.drain(rounds=5).received == 0


def test_reported_failures_come_back_and_the_others_do_not(queue) -> None:
    sqs, arn = queue
    received: list[str] = []

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        received.extend(record["body"] for record in event["Records"])
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "bad"]
        return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}

    source = QueueEventSource(sqs, arn, handler, SqsMappingConfig(report_batch_item_failures=True))
    send(sqs, arn, "good", "bad")
    source.drain(rounds=3)

    assert received.count("good") == 1 and received.count("bad") == 3


@pytest.mark.parametrize(
    "response", [RuntimeError("function error"), {"batchItemFailures": [{"itemIdentifier": "x"}]}]
)
def test_a_function_error_or_an_unknown_identifier_keeps_the_whole_batch(
    queue, response: Any
) -> None:
    sqs, arn = queue
    calls: list[int] = []

    def handler(event: dict[str, Any]) -> Any:
        calls.append(len(event["Records"]))
        if isinstance(response, Exception):
            raise response
        return response

    source = QueueEventSource(sqs, arn, handler, SqsMappingConfig(report_batch_item_failures=True))
    send(sqs, arn, "a", "b")
    stats = source.drain(rounds=2)
    assert stats.deleted == 0 and stats.returned == sum(calls) >= 4


def test_batch_size_is_at_most_ten() -> None:
    properties = {"BatchSize": 10, "FunctionResponseTypes": ["ReportBatchItemFailures"]}
    config = SqsMappingConfig.from_sam(properties)
    assert config == SqsMappingConfig(batch_size=10, report_batch_item_failures=True)
    assert SqsMappingConfig.from_sam({"BatchSize": 100}).batch_size == 10
