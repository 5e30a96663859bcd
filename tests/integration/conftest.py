"""Fixtures for the moto-backed tests of the functions.

- ``aws``: the stack's resources with readers for what was stored and published;
- ``spy``: every AWS call a handler makes (any client), with failure injection;
- ``functions``: load a handler with the environment the template gives it;
- ``pipeline``: the table streams, read from moto after real writes, shaped as
  Lambda delivers them, filtered by the template's ``FilterCriteria`` and fed
  to the notify function;
- ``emf`` / ``logs``: the metrics (EMF on stdout) and JSON log lines.
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient
from moto.core import DEFAULT_ACCOUNT_ID
from moto.events.models import EventPattern
from moto.sns.models import sns_backends
from vstarcam_tools.local.streams import lambda_record
from vstarcam_tools.template import Stack

from tests.conftest import (
    PUSH_KEY,
    REGION,
    VUID,
    invoke,
    load_function,
    register_camera,
    shared_template,
)

# -- what the stack stored and published ------------------------------------


@dataclass(frozen=True)
class Published:
    """One SNS publish as the topic received it."""

    subject: str | None
    message: dict[str, str]
    attributes: dict[str, str]


@dataclass
class Aws:
    stack: Stack
    dynamodb: Any
    s3: Any
    cameras_table: str
    alarms_table: str
    bucket: str
    topic_arn: str

    def register(
        self,
        vuid: str = VUID,
        name: str = "Front door",
        offline_after: int = 180,
        now: int = 0,
        key: str = PUSH_KEY,
    ) -> None:
        """Register a camera as ``vstarcam-push cameras add`` does, with push key ``key``."""
        register_camera(self.dynamodb, self.cameras_table, vuid, name, offline_after, now, key)

    def camera(self, vuid: str = VUID) -> dict[str, Any] | None:
        return self.dynamodb.get_item(
            TableName=self.cameras_table, Key={"vuid": {"S": vuid}}, ConsistentRead=True
        ).get("Item")

    def alarms(self) -> list[dict[str, Any]]:
        return self.dynamodb.scan(TableName=self.alarms_table, ConsistentRead=True)["Items"]

    def media_keys(self) -> list[str]:
        listing = self.s3.list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def media(self, key: str) -> tuple[bytes, str]:
        """An object's bytes and the content type it was stored with."""
        stored = self.s3.get_object(Bucket=self.bucket, Key=key)
        return stored["Body"].read(), stored["ContentType"]

    def published(self) -> list[Published]:
        topic = sns_backends[DEFAULT_ACCOUNT_ID][self.stack.region].topics[self.topic_arn]
        return [
            Published(
                subject=subject,
                message=json.loads(message),
                attributes={name: value["Value"] for name, value in (attributes or {}).items()},
            )
            for _, message, subject, attributes, _ in topic.sent_notifications
        ]


@pytest.fixture
def aws(stack: Stack) -> Aws:
    return Aws(
        stack=stack,
        dynamodb=boto3.client("dynamodb", region_name=REGION),
        s3=boto3.client("s3", region_name=REGION),
        cameras_table=stack.physical_name("CamerasTable"),
        alarms_table=stack.physical_name("AlarmsTable"),
        bucket=stack.physical_name("MediaBucket"),
        topic_arn=stack.physical_name("AlarmTopic"),
    )


LoadFunction = Callable[..., ModuleType]
Emf = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def functions(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> LoadFunction:
    """``functions("AlarmFunction")``: the handler module, freshly imported."""

    def load(logical_id: str, **environment: str) -> ModuleType:
        return load_function(stack, logical_id, monkeypatch, **environment)

    return load


# -- AWS calls: counting and failing ------------------------------------------


@dataclass
class AwsCall:
    service: str
    operation: str
    params: dict[str, Any]
    response: dict[str, Any] | None  # None when the call failed


@dataclass
class AwsSpy:
    """Sees every botocore call, whichever client makes it, while ``watching``."""

    calls: list[AwsCall] = field(default_factory=list)
    active: bool = False
    _failures: list[tuple[str, str, int]] = field(default_factory=list)
    _before: list[tuple[str, Callable[[], None]]] = field(default_factory=list)
    _replaced: list[tuple[str, Callable[..., Any]]] = field(default_factory=list)

    @contextmanager
    def watching(self) -> Iterator[list[AwsCall]]:
        self.calls = []
        self.active = True
        try:
            yield self.calls
        finally:
            self.active = False

    def fail(self, operation: str, code: str = "InternalServerError", skip: int = 0) -> None:
        """Make the next ``operation`` (after ``skip`` successful ones) raise ``code``."""
        self._failures.append((operation, code, skip))

    def replace(self, operation: str, call: Callable[..., Any]) -> None:
        """Send the next ``operation`` through ``call(client, operation, params, send)``."""
        self._replaced.append((operation, call))

    def before(self, operation: str, action: Callable[[], None]) -> None:
        """Run ``action`` once, just before the next ``operation`` is sent."""
        self._before.append((operation, action))

    def operations(self, service: str | None = None) -> list[str]:
        return [call.operation for call in self.calls if service in (None, call.service)]

    def _intercept(self, client: Any, operation: str, params: dict[str, Any], send: Any) -> Any:
        service = client.meta.service_model.service_name
        for index, (name, action) in enumerate(self._before):
            if name == operation:
                del self._before[index]
                action()
                break
        for index, (name, code, skip) in enumerate(self._failures):
            if name != operation:
                continue
            if skip:
                self._failures[index] = (name, code, skip - 1)
                break
            del self._failures[index]
            self.calls.append(AwsCall(service, operation, params, None))
            # A 5xx leaves the outcome unknown; any other code is a refusal (a 4xx).
            status = 500 if code.startswith("Internal") else 400
            error = {
                "Error": {"Code": code, "Message": f"injected {code}"},
                "ResponseMetadata": {"HTTPStatusCode": status},
            }
            raise client.exceptions.from_code(code)(error, operation)
        call = AwsCall(service, operation, params, None)
        self.calls.append(call)
        for index, (name, replacement) in enumerate(self._replaced):
            if name == operation:
                del self._replaced[index]
                call.response = replacement(client, operation, params, send)
                return call.response
        call.response = send(client, operation, params)
        return call.response


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> AwsSpy:
    watcher = AwsSpy()
    send = BaseClient._make_api_call

    def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if not watcher.active:
            return send(client, operation, params)
        return watcher._intercept(client, operation, params, send)

    monkeypatch.setattr(BaseClient, "_make_api_call", make_api_call)
    return watcher


# -- the table streams, as Lambda delivers them --------------------------------


class StreamReader:
    """Reads a table's stream from moto and returns the records not read before."""

    def __init__(self, streams: Any, arn: str) -> None:
        self._streams = streams
        self.arn = arn
        self._seen: set[str] = set()

    def read(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        shards = self._streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        for shard in shards:
            iterator = self._streams.get_shard_iterator(
                StreamArn=self.arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            for record in self._streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]:
                sequence = record["dynamodb"]["SequenceNumber"]
                if sequence not in self._seen:
                    self._seen.add(sequence)
                    records.append(lambda_record(record, self.arn))
        return records


@dataclass(frozen=True)
class StreamSubscription:
    """One of the notify function's DynamoDB event sources in the template."""

    event: str
    stream_arn: str
    patterns: list[str]

    def selects(self, record: dict[str, Any]) -> bool:
        """Lambda's filter: a record is delivered if any pattern matches it (Lambda's event
        filtering uses EventBridge's pattern syntax; moto ships a matcher for it)."""
        return any(EventPattern.load(pattern).matches_event(record) for pattern in self.patterns)


def stream_subscriptions(stack: Stack) -> dict[str, StreamSubscription]:
    subscriptions = {}
    for name, event in stack.functions()["NotifyFunction"].events.items():
        if event["Type"] != "DynamoDB":
            continue
        properties = event["Properties"]
        subscriptions[name] = StreamSubscription(
            event=name,
            stream_arn=properties["Stream"],
            patterns=[item["Pattern"] for item in properties["FilterCriteria"]["Filters"]],
        )
    return subscriptions


@dataclass
class Pipeline:
    """Stream records -> the template's filters -> the notify function."""

    notify: ModuleType
    subscriptions: dict[str, StreamSubscription]
    readers: dict[str, StreamReader]

    def read(self) -> dict[str, list[dict[str, Any]]]:
        """Every new record of each subscribed stream, filtered or not."""
        return {name: reader.read() for name, reader in self.readers.items()}

    def selected(self) -> list[dict[str, Any]]:
        """The new records Lambda would deliver to the notify function."""
        return [
            record
            for name, records in self.read().items()
            for record in records
            if self.subscriptions[name].selects(record)
        ]

    def deliver(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        return invoke(self.notify, {"Records": records})

    def flush(self) -> list[dict[str, Any]]:
        """Deliver the selected new records one batch at a time; returns what was delivered."""
        records = self.selected()
        if records:
            response = self.deliver(records)
            assert response == {"batchItemFailures": []}
        return records


@pytest.fixture
def pipeline(stack: Stack, functions: LoadFunction) -> Pipeline:
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    subscriptions = stream_subscriptions(stack)
    return Pipeline(
        notify=functions("NotifyFunction"),
        subscriptions=subscriptions,
        readers={
            name: StreamReader(streams, subscription.stream_arn)
            for name, subscription in subscriptions.items()
        },
    )


# -- observability ------------------------------------------------------------


def emf_blobs(stdout: str) -> list[dict[str, Any]]:
    """The CloudWatch embedded-metric-format documents printed on stdout."""
    blobs = []
    for line in stdout.splitlines():
        if line.startswith('{"_aws"'):
            blobs.append(json.loads(line))
    return blobs


def metric_filter_counts(
    line: dict[str, Any], log_group: str = "HeartbeatLogs"
) -> dict[str, dict[str, str]]:
    """What the template's metric filters on a log group make of one line: metric name ->
    dimensions, for the filters whose pattern matches (the value is in ``_value``)."""
    counted: dict[str, dict[str, str]] = {}
    # The default parameters' filters (not CameraEndpoint=FunctionUrl's).
    default_stack = Stack(template=shared_template())
    for resource in shared_template()["Resources"].values():
        if resource["Type"] != "AWS::Logs::MetricFilter":
            continue
        if not default_stack.condition(resource.get("Condition")):
            continue
        properties = resource["Properties"]
        if properties["LogGroupName"] != {"Ref": log_group}:
            continue
        # The patterns used here are all '{ $.field = value }', value either * or "text".
        match = re.fullmatch(r'\{ \$\.(\w+) = (\*|"[^"]*") \}', properties["FilterPattern"])
        assert match, properties["FilterPattern"]
        field, value = match.groups()
        if field not in line or (value != "*" and line[field] != value.strip('"')):
            continue
        (transformation,) = properties["MetricTransformations"]
        assert transformation["MetricNamespace"] == "VStarcamPush"
        counted[transformation["MetricName"]] = {
            dimension["Key"]: line[dimension["Value"].removeprefix("$.")]
            for dimension in transformation.get("Dimensions", [])
        }
        value = transformation["MetricValue"]
        if value != "1":
            counted[transformation["MetricName"]]["_value"] = line[value.removeprefix("$.")]
    return counted


def filtered_metric(lines: list[dict[str, Any]], log_group: str, name: str) -> float:
    """The sum of what the template's metric filters on ``log_group`` make of ``name``
    from these log lines (what CloudWatch would publish)."""
    total = 0.0
    for line in lines:
        counted = metric_filter_counts(line, log_group).get(name)
        if counted is not None:
            total += float(counted.get("_value", 1))
    return total


def metric(blobs: list[dict[str, Any]], name: str, **dimensions: str) -> float:
    """The sum of a metric's values over the blobs with exactly these extra dimensions."""
    total = 0.0
    for blob in blobs:
        declared = {
            metric["Name"]
            for directive in blob["_aws"]["CloudWatchMetrics"]
            for metric in directive["Metrics"]
        }
        if name not in declared:
            continue
        if any(blob.get(key) != value for key, value in dimensions.items()):
            continue
        values = blob[name]
        total += sum(values) if isinstance(values, list) else values
    return total


@pytest.fixture
def emf(capsys: pytest.CaptureFixture[str]) -> Emf:
    """``emf()``: the metric blobs printed since the last call."""
    return lambda: emf_blobs(capsys.readouterr().out)


class LogCapture:
    """The JSON lines a function's Powertools logger writes.

    Powertools binds its stream handler to the ``sys.stdout`` of the first
    import of a service's logger, which in a test session is an earlier
    test's capture, so the handler's stream is pointed here instead.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self._buffer = io.StringIO()

    def attach(self, service: str) -> None:
        for handler in logging.getLogger(service).handlers:
            # The function's own handler only, not a pytest capture handler (a subclass).
            if type(handler) is logging.StreamHandler:
                self._monkeypatch.setattr(handler, "stream", self._buffer)

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self._buffer.getvalue().splitlines() if line]


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> LogCapture:
    return LogCapture(monkeypatch)


# -- the push delivery path: asynchronous invocations and one-time schedules ------------


class DeliveryPath:
    """Lambda's asynchronous invocations of the delivery function and Scheduler's one-time
    schedules, in process: the notifier's ``Invoke`` (``InvocationType=Event``) is queued
    here instead of reaching moto (which cannot run a function), and :meth:`run` invokes
    the real delivery handler with each, fires the schedules it created when they are due
    (moto stores them, never fires them: ``vstarcam_tools.local.one_time_schedules``), and
    tries a failed invocation twice more, as Lambda does, before counting it failed."""

    def __init__(
        self, stack: Stack, delivery: ModuleType, on_failure: ModuleType | None = None
    ) -> None:
        from vstarcam_tools.local.one_time_schedules import OneTimeSchedules

        self.stack = stack
        self.delivery = delivery
        # The function the template names as the delivery function's on-failure
        # destination (DeliveryFailedFunction), loaded.
        self.on_failure = on_failure
        self.pending: list[Any] = []
        self.handed_over: list[Any] = []
        self.failed: list[tuple[Any, Exception]] = []
        # Lambda's records of the invocations that failed every attempt, as the template's
        # on-failure destination got them.
        self.failure_records: list[dict[str, Any]] = []
        self.schedules = OneTimeSchedules(
            boto3.client("scheduler", region_name=REGION),
            [stack.physical_name("DeliverySchedules")],
            self._hand_over,
        )

    def attach(self, lambda_client: Any) -> None:
        """Answer the client's ``Invoke`` here (after botocore checked and recorded the call,
        so the permissions check sees it), as Lambda's asynchronous queue takes it."""
        lambda_client.meta.events.register("before-call.lambda.Invoke", self._invoked)

    def _invoked(self, params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
        headers = params.get("headers", {})
        assert headers.get("X-Amz-Invocation-Type") == "Event", "the notifier never waits"
        document = json.loads(params["body"])
        self.handed_over.append(document)
        self.pending.append(document)
        return AWSResponse("https://lambda", 202, {}, None), {"StatusCode": 202}

    def _hand_over(self, target_arn: str, payload: Any) -> bool:
        self.pending.append(payload)
        return True

    def waiting(self) -> list[dict[str, Any]]:
        """The schedules waiting to fire (a retry each)."""
        scheduler = self.schedules._scheduler
        found = []
        for group in self.schedules.groups:
            for summary in scheduler.list_schedules(GroupName=group)["Schedules"]:
                found.append(scheduler.get_schedule(GroupName=group, Name=summary["Name"]))
        return found

    def run(self, rounds: int = 20, ahead_s: float = 0.0) -> int:
        """Invoke what is handed over, fire the schedules due by now + ``ahead_s``, and again,
        until nothing is left or ``rounds`` passes ran; returns the invocations made."""
        made = 0
        for _ in range(rounds):
            if not self.pending:
                self.schedules.fire_due(time.time() + ahead_s)
            if not self.pending:
                break
            batch, self.pending = self.pending, []
            for payload in batch:
                made += 1
                self._invoke(payload)
        return made

    def _invoke(self, payload: Any) -> None:
        error: Exception | None = None
        for _ in range(3):  # Lambda's first try and its two retries
            try:
                invoke(self.delivery, payload)
                return
            except Exception as failure:
                error = failure
        assert error is not None
        self.failed.append((payload, error))
        self._on_failure(payload, error)

    def _on_failure(self, payload: Any, error: Exception) -> None:
        """The invocation's record to the delivery function's on-failure destination (the
        template's ``EventInvokeConfig``), with the error document Lambda's Python runtime
        makes: the message, the type, and the traceback's frames (its code lines)."""
        from vstarcam_tools.local.async_invoke import failure_record

        config = self.stack.properties("DeliveryFunction")["EventInvokeConfig"]
        destination = config["DestinationConfig"]["OnFailure"]
        frames = traceback.format_list(traceback.extract_tb(error.__traceback__))
        document = {
            "errorMessage": str(error),
            "errorType": type(error).__name__,
            "stackTrace": frames,
        }
        arn = f"arn:aws:lambda:{REGION}:123456789012:function:" + self.stack.physical_name(
            "DeliveryFunction"
        )
        record = failure_record(arn, "r-failed", payload, document, 3)
        self.failure_records.append(record)
        if destination["Type"] == "SNS":
            sns = boto3.client("sns", region_name=REGION)
            sns.publish(TopicArn=destination["Destination"], Message=json.dumps(record))
            return
        assert destination["Type"] == "Lambda", destination
        expected = f"arn:aws:lambda:{REGION}:123456789012:function:"
        assert destination["Destination"] == expected + self.stack.physical_name(
            "DeliveryFailedFunction"
        )
        if self.on_failure is not None:
            invoke(self.on_failure, record)
