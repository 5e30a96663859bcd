"""The local stack's stand-ins for Lambda's asynchronous invocation and EventBridge
Scheduler's one-time schedules (moto runs neither): what they hand over, when, how often,
and where a failure goes."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import boto3
import pytest
from moto import mock_aws
from vstarcam_tools.local.async_invoke import AsyncConfig, AsyncInvocations, LambdaInvokeRoute
from vstarcam_tools.local.one_time_schedules import OneTimeSchedules, due_at

REGION = "us-east-1"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:stack-deliveryfunction"


@pytest.fixture
def aws() -> Any:
    with mock_aws():
        yield boto3.Session(region_name=REGION)


def test_an_at_expression_is_due_at_its_utc_second() -> None:
    assert due_at("at(2026-12-06T21:00:30)") == 1796590830.0
    assert due_at("rate(5 minutes)") is None


def test_due_schedules_fire_once_oldest_first_and_delete_themselves(aws: Any) -> None:
    scheduler = aws.client("scheduler")
    scheduler.create_schedule_group(Name="retries")
    now = int(time.time())
    for name, when in (("later", now + 60), ("second", now - 5), ("first", now - 10)):
        scheduler.create_schedule(
            Name=name,
            GroupName="retries",
            ScheduleExpression=time.strftime("at(%Y-%m-%dT%H:%M:%S)", time.gmtime(when)),
            FlexibleTimeWindow={"Mode": "OFF"},
            ActionAfterCompletion="DELETE",
            Target={
                "Arn": FUNCTION,
                "RoleArn": "arn:aws:iam::123456789012:role/r",
                "Input": json.dumps({"name": name}),
            },
        )
    handed: list[tuple[str, Any]] = []
    watcher = OneTimeSchedules(
        scheduler, ["retries"], lambda arn, payload: handed.append((arn, payload)) or True
    )

    assert [fired.name for fired in watcher.fire_due(now)] == ["first", "second"]
    assert handed == [(FUNCTION, {"name": "first"}), (FUNCTION, {"name": "second"})]
    assert watcher.fire_due(now) == []
    (left,) = scheduler.list_schedules(GroupName="retries")["Schedules"]
    assert left["Name"] == "later"
    assert [fired.name for fired in watcher.fire_due(now + 61)] == ["later"]


def test_a_watcher_told_to_fire_early_fires_only_what_is_due_within_that_lead(aws: Any) -> None:
    """``local --one-time-schedules-early 29`` (the push e2e test): a retry made for 30 s
    later fires within a poll or two, one made for 15 min later does not."""
    scheduler = aws.client("scheduler")
    scheduler.create_schedule_group(Name="retries")
    now = int(time.time())
    for name, when in (("soon", now + 30), ("much-later", now + 900)):
        scheduler.create_schedule(
            Name=name,
            GroupName="retries",
            ScheduleExpression=time.strftime("at(%Y-%m-%dT%H:%M:%S)", time.gmtime(when)),
            FlexibleTimeWindow={"Mode": "OFF"},
            ActionAfterCompletion="DELETE",
            Target={"Arn": FUNCTION, "RoleArn": "arn:aws:iam::123456789012:role/r"},
        )
    watcher = OneTimeSchedules(scheduler, ["retries"], lambda *_: True, early_s=60)
    assert OneTimeSchedules(scheduler, ["retries"], lambda *_: True).early_s == 0

    watcher._round()

    assert [fired.name for fired in watcher.fired] == ["soon"]
    (left,) = scheduler.list_schedules(GroupName="retries")["Schedules"]
    assert left["Name"] == "much-later"


def test_a_schedule_whose_target_is_gone_goes_to_its_dead_letter_queue(aws: Any) -> None:
    scheduler, sqs = aws.client("scheduler"), aws.client("sqs")
    url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    scheduler.create_schedule_group(Name="retries")
    scheduler.create_schedule(
        Name="orphan",
        GroupName="retries",
        ScheduleExpression="at(2020-01-01T00:00:00)",
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion="DELETE",
        Target={
            "Arn": FUNCTION,
            "RoleArn": "arn:aws:iam::123456789012:role/r",
            "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:123456789012:dlq"},
        },
    )
    OneTimeSchedules(scheduler, ["retries"], lambda *_: False, sqs=sqs).fire_due()
    (letter,) = sqs.receive_message(QueueUrl=url)["Messages"]
    assert json.loads(letter["Body"]) == {
        "schedule": "orphan",
        "reason": "the target does not exist",
    }


def test_a_failing_invocation_is_tried_three_times_then_goes_to_its_on_failure_topic(
    aws: Any,
) -> None:
    sns, sqs = aws.client("sns"), aws.client("sqs")
    topic = sns.create_topic(Name="operations")["TopicArn"]
    inbox = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=inbox_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    runs: list[Any] = []

    def run(function: str, payload: Any) -> tuple[Any, dict[str, Any] | None]:
        runs.append(payload)
        return None, {"errorType": "RuntimeError", "errorMessage": "boom"}

    invocations = AsyncInvocations(
        run, {"Delivery": AsyncConfig(2, topic)}, sns=sns, retry_delays_s=(0.0, 0.0)
    )
    invocations.submit("Delivery", {"deliveryId": "a.b"})
    assert invocations.wait_idle(10)

    assert runs == [{"deliveryId": "a.b"}] * 3
    (message,) = sqs.receive_message(QueueUrl=inbox)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"] == {"deliveryId": "a.b"}
    assert record["responsePayload"]["errorMessage"] == "boom"


def test_a_failing_invocation_goes_to_its_on_failure_function_as_an_invocation() -> None:
    """GIVEN a function whose on-failure destination is another of the stack's functions
    WHEN an invocation of it fails every attempt
    THEN the other function is invoked (asynchronously) with Lambda's record of it."""
    runs: list[tuple[str, Any]] = []

    def run(function: str, payload: Any) -> tuple[Any, dict[str, Any] | None]:
        runs.append((function, payload))
        if function == "Delivery":
            return None, {"errorType": "DeliveryCrashed", "errorMessage": "boom"}
        return {"result": "dead_lettered"}, None

    failed_arn = "arn:aws:lambda:us-east-1:123456789012:function:stack-deliveryfailed"
    invocations = AsyncInvocations(
        run,
        {"Delivery": AsyncConfig(2, failed_arn), "DeliveryFailed": AsyncConfig(2)},
        function_arns={
            "Delivery": "arn:aws:lambda:us-east-1:123456789012:function:stack-delivery",
            "DeliveryFailed": failed_arn,
        },
        retry_delays_s=(0.0, 0.0),
    )
    invocations.submit("Delivery", {"deliveryId": "a.b"})
    assert invocations.wait_idle(10)

    assert [function for function, _ in runs] == ["Delivery"] * 3 + ["DeliveryFailed"]
    record = runs[-1][1]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"] == {"deliveryId": "a.b"}
    assert record["responsePayload"]["errorType"] == "DeliveryCrashed"


def test_the_lambda_api_invoke_of_a_local_function_is_answered_here() -> None:
    """An Event invocation answers 202 at once and runs in the background; RequestResponse
    answers the payload; another function's goes on to moto."""
    ran: list[Any] = []
    invocations = AsyncInvocations(
        lambda function, payload: (ran.append((function, payload)), (None, None))[1],
        {"DeliveryFunction": AsyncConfig()},
    )
    passed: list[str] = []

    def moto(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        passed.append(environ["PATH_INFO"])
        start_response("404 Not Found", [])
        return [b""]

    route = LambdaInvokeRoute(
        moto,
        invocations,
        {"stack-deliveryfunction": "DeliveryFunction"},
        lambda function, payload: ({"echo": payload}, None),
    )

    def call(name: str, kind: str) -> tuple[str, bytes]:
        body = json.dumps({"deliveryId": "x"}).encode()
        status: list[str] = []
        answer = route(
            {
                "PATH_INFO": f"/2015-03-31/functions/{name}/invocations",
                "REQUEST_METHOD": "POST",
                "CONTENT_LENGTH": str(len(body)),
                "wsgi.input": io.BytesIO(body),
                "HTTP_X_AMZ_INVOCATION_TYPE": kind,
            },
            lambda code, headers: status.append(code),
        )
        return status[0], b"".join(answer)

    assert call("stack-deliveryfunction", "Event") == ("202 Accepted", b"")
    assert invocations.wait_idle(10)
    assert ran == [("DeliveryFunction", {"deliveryId": "x"})]
    assert call(FUNCTION.replace(":", "%3A"), "RequestResponse") == (
        "200 OK",
        b'{"echo": {"deliveryId": "x"}}',
    )
    assert call("another-function", "Event")[0] == "404 Not Found"
    assert passed == ["/2015-03-31/functions/another-function/invocations"]
