"""CamerasCapacity=Provisioned: what a throttled read or write of the Cameras table does.

A heartbeat refused for capacity is answered 503 in the protocol's shape, writes nothing
and is counted; the camera's next heartbeat is the retry. An alarm is never answered 200
unless it is stored: a burst of alarms beyond the table's burst reserve is answered 503,
and what each refused push left behind is either nothing, or the stored alarm that its
retry finds (200, one record).

The capacity is a token bucket in front of moto (``TableCapacity``), as DynamoDB keeps up
to 300 s of unused capacity: a call that finds too few units left is refused with
``ProvisionedThroughputExceededException`` before it reaches the table.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import boto3
import pytest
from botocore.client import BaseClient
from moto import mock_aws
from vstarcam_tools.provision import create_resources
from vstarcam_tools.template import Stack

from tests.conftest import (
    JPEG,
    REGION,
    alarm_event,
    heartbeat_event,
    invoke,
    load_function,
    register_camera,
    reply_of,
)
from tests.integration.conftest import filtered_metric

PROVISIONED = {
    "CamerasCapacity": "Provisioned",
    "CamerasWriteCapacity": "7",
    "CamerasMaxWriteCapacity": "28",
    "CamerasReadCapacity": "3",
}
THROTTLED = "ProvisionedThroughputExceededException"


@pytest.fixture
def provisioned() -> Iterator[Stack]:
    with mock_aws():
        built = Stack(region=REGION, overrides=PROVISIONED)
        create_resources(built, boto3.Session(region_name=REGION))
        yield built


@dataclass
class TableCapacity:
    """The units left in one table's burst reserve; each call takes its own or is refused."""

    table: str
    reads: float
    writes: float
    refused: list[str] = field(default_factory=list)

    def units(self, operation: str, params: dict[str, Any]) -> tuple[float, float]:
        """(read, write) units of a call on this table: a camera item is under 1 KB."""
        if operation == "BatchGetItem":
            request = params["RequestItems"].get(self.table)
            if request is None:
                return 0, 0
            per_item = 1.0 if request.get("ConsistentRead") else 0.5
            return per_item * len(request["Keys"]), 0
        if params.get("TableName") != self.table:
            return 0, 0
        if operation in ("UpdateItem", "PutItem", "DeleteItem"):
            return 0, 1
        if operation == "GetItem":
            return (1.0 if params.get("ConsistentRead") else 0.5), 0
        return 0, 0

    def charge(self, client: Any, operation: str, params: dict[str, Any]) -> None:
        reads, writes = self.units(operation, params)
        if reads > self.reads or writes > self.writes:
            self.refused.append(operation)
            error = {
                "Error": {"Code": THROTTLED, "Message": "The level of configured provisioned "
                          "throughput for the table was exceeded."},
                "ResponseMetadata": {"HTTPStatusCode": 400},
            }  # fmt: skip
            raise client.exceptions.from_code(THROTTLED)(error, operation)
        self.reads -= reads
        self.writes -= writes


@pytest.fixture
def capacity(
    provisioned: Stack, monkeypatch: pytest.MonkeyPatch
) -> Callable[[float, float], TableCapacity]:
    """``capacity(reads, writes)``: from now on, the Cameras table has only these units."""
    send = BaseClient._make_api_call

    def limit(reads: float, writes: float) -> TableCapacity:
        bucket = TableCapacity(provisioned.physical_name("CamerasTable"), reads, writes)

        def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if client.meta.service_model.service_name == "dynamodb":
                bucket.charge(client, operation, params)
            return send(client, operation, params)

        monkeypatch.setattr(BaseClient, "_make_api_call", make_api_call)
        return bucket

    return limit


def cameras(stack: Stack, count: int) -> list[str]:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    vuids = [f"VE{number:07d}PROV" for number in range(count)]
    for vuid in vuids:
        register_camera(dynamodb, stack.physical_name("CamerasTable"), vuid=vuid)
    return vuids


def alarms(stack: Stack) -> list[dict[str, Any]]:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    return dynamodb.scan(TableName=stack.physical_name("AlarmsTable"))["Items"]


def media_keys(stack: Stack) -> list[str]:
    s3 = boto3.client("s3", region_name=REGION)
    listing = s3.list_objects_v2(Bucket=stack.physical_name("MediaBucket"))
    return [item["Key"] for item in listing.get("Contents", [])]


def camera_item(stack: Stack, vuid: str) -> dict[str, Any]:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    return dynamodb.get_item(
        TableName=stack.physical_name("CamerasTable"), Key={"vuid": {"S": vuid}}
    )["Item"]


def test_the_provisioned_stack_bills_the_cameras_table_by_the_unit_and_the_rest_on_demand(
    provisioned: Stack,
) -> None:
    """GIVEN CamerasCapacity=Provisioned
    WHEN the stack is created
    THEN the Cameras table has the floor's write units and the read units; the Alarms,
    Destinations and Deliveries tables stay on demand (what an alarm stores is never
    throttled by the heartbeats' capacity)."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    table = dynamodb.describe_table(TableName=provisioned.physical_name("CamerasTable"))["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 7
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
    for other in ("AlarmsTable", "DestinationsTable", "DeliveriesTable"):
        described = dynamodb.describe_table(TableName=provisioned.physical_name(other))["Table"]
        assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_a_throttled_heartbeat_is_answered_503_writes_nothing_and_is_counted(
    provisioned: Stack,
    capacity: Callable[[float, float], TableCapacity],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """GIVEN a registered camera and no write unit left in the Cameras table's reserve
    WHEN its heartbeat arrives, and the next one once capacity is back
    THEN the first is answered 503 in the protocol's shape (busy, retry: the camera's next
    heartbeat), the camera item is unchanged, the line is a warning without a traceback
    that the Refusals metric filter counts with reason "throttled"; the next is 200."""
    (vuid,) = cameras(provisioned, 1)
    before = camera_item(provisioned, vuid)
    heartbeat = load_function(provisioned, "HeartbeatFunction", monkeypatch)
    bucket = capacity(10, 0)
    capsys.readouterr()

    response = invoke(heartbeat, heartbeat_event({"vuid": vuid}))

    assert response["statusCode"] == 503
    assert reply_of(response) == {
        "code": "503",
        "message": "the receiver is busy: nothing was stored, please retry",
    }
    assert bucket.refused == ["UpdateItem"]
    assert camera_item(provisioned, vuid) == before
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    assert [(line["level"], line["reason"]) for line in lines] == [("WARNING", "throttled")]
    assert "exception" not in lines[0]
    assert filtered_metric(lines, "HeartbeatLogs", "Refusals") == 1

    bucket.writes = 1
    assert reply_of(invoke(heartbeat, heartbeat_event({"vuid": vuid})))["code"] == "200"
    assert camera_item(provisioned, vuid)["status"] == {"S": "online"}


def test_a_burst_of_alarms_beyond_the_read_reserve_is_answered_503_and_stores_nothing(
    provisioned: Stack,
    capacity: Callable[[float, float], TableCapacity],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN 6 cameras and read units for only 4 alarms in the Cameras table's reserve
    WHEN every camera pushes an alarm at once, and retries once capacity is back
    THEN 4 are stored and answered 200; the other 2 are answered 503 before anything was
    put (no record, no media); their retries store them: 6 alarms, one each."""
    vuids = cameras(provisioned, 6)
    alarm = load_function(provisioned, "AlarmFunction", monkeypatch)
    bucket = capacity(4, 100)
    events = [alarm_event(vuid=vuid, picture=JPEG + bytes([n])) for n, vuid in enumerate(vuids)]

    codes = [reply_of(invoke(alarm, event))["code"] for event in events]

    assert codes == ["200"] * 4 + ["503"] * 2
    assert bucket.refused == ["BatchGetItem", "BatchGetItem"]
    stored = {item["vuid"]["S"] for item in alarms(provisioned)}
    assert stored == set(vuids[:4])
    assert len(media_keys(provisioned)) == 4

    bucket.reads = 10
    assert [reply_of(invoke(alarm, event))["code"] for event in events[4:]] == ["200", "200"]
    assert sorted(item["vuid"]["S"] for item in alarms(provisioned)) == sorted(vuids)
    assert len(media_keys(provisioned)) == 6


def test_alarms_beyond_the_write_reserve_are_stored_answered_503_and_their_retry_200(
    provisioned: Stack,
    capacity: Callable[[float, float], TableCapacity],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN 5 cameras and write units for only 3 camera updates in the reserve
    WHEN every camera pushes an alarm at once (the alarm itself goes to the on-demand Alarms
    table; its camera's lastAlarmAt and rate count to the Cameras table), then retries
    THEN 3 are answered 200; 2 are stored but answered 503 (the camera update was
    refused), and their retries find them stored and answer 200: 5 alarms, never one
    answered 200 unstored, never one stored twice."""
    vuids = cameras(provisioned, 5)
    alarm = load_function(provisioned, "AlarmFunction", monkeypatch)
    bucket = capacity(100, 3)
    events = [alarm_event(vuid=vuid, picture=JPEG + bytes([n])) for n, vuid in enumerate(vuids)]

    replies = [reply_of(invoke(alarm, event)) for event in events]

    assert [reply["code"] for reply in replies] == ["200"] * 3 + ["503"] * 2
    assert "stored" in replies[-1]["message"] and "retry" in replies[-1]["message"]
    assert len(alarms(provisioned)) == 5
    assert bucket.refused == ["UpdateItem", "UpdateItem"]

    bucket.writes = 10
    assert [reply_of(invoke(alarm, event))["code"] for event in events[3:]] == ["200", "200"]
    assert len(alarms(provisioned)) == 5
    assert len(media_keys(provisioned)) == 5
    assert "lastAlarmAt" in camera_item(provisioned, vuids[-1])


# -- the SDK's own retries ---------------------------------------------------------------


class _AlwaysThrottled(BaseHTTPRequestHandler):
    """A DynamoDB endpoint whose every call is refused for capacity."""

    requests: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        type(self).requests.append(self.headers.get("x-amz-target", ""))
        body = json.dumps(
            {"__type": f"com.amazonaws.dynamodb.v20120810#{THROTTLED}", "message": "throttled"}
        ).encode()
        self.send_response(400)
        self.send_header("content-type", "application/x-amz-json-1.0")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_the_heartbeat_retries_a_throttled_write_once_then_answers_503(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN the heartbeat function with the template's environment, and a DynamoDB that
    refuses every write for capacity
    WHEN a heartbeat arrives
    THEN the SDK tries the write twice (AWS_MAX_ATTEMPTS=2, standard retry mode), not the
    default 10 tries over up to 25 s that would outlast the function's 10 s timeout, and
    the camera gets the 503."""
    _AlwaysThrottled.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AlwaysThrottled)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # No wait between the tries (up to 1 s of jitter before the second).
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda *_: 0.0)
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{server.server_port}")
        stack = Stack(region=REGION, overrides=PROVISIONED)
        for table in ("CamerasTable", "AlarmsTable"):  # what the events name; no moto here
            stack.attributes[(table, "StreamArn")] = f"arn:aws:dynamodb:::{table}/stream/1"
        heartbeat = load_function(stack, "HeartbeatFunction", monkeypatch)
        response = invoke(heartbeat, heartbeat_event({"vuid": "VE0005622QHOW"}))
    finally:
        server.shutdown()
        server.server_close()

    assert reply_of(response)["code"] == "503"
    assert _AlwaysThrottled.requests == ["DynamoDB_20120810.UpdateItem"] * 2
