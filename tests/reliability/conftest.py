"""Reliability fixtures: AWS faults injected under the handlers, and a reader of what was stored.

``faults`` hooks boto3's default session, from which the handlers make
their clients when they are imported: every call they make passes through
botocore's ``before-call`` event, where a planned fault answers instead of
moto (a 5xx or throttling ``ClientError``, or a read timeout), with no retry
sleeps, since the answer replaces the whole call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_tools.template import Stack

from tests.conftest import REGION, register_camera

FAULT_KINDS = ("server_error", "throttled", "timeout", "connection_lost")


@dataclass
class Fault:
    operation: str
    kind: str
    skip: int = 0
    times: int | None = 1  # None: until cleared


@dataclass
class Faults:
    """Planned failures of the calls the handlers make; ``calls`` records every attempt."""

    planned: list[Fault] = field(default_factory=list)
    calls: list[tuple[str, bool]] = field(default_factory=list)
    down: set[str] = field(default_factory=set)

    def fail(self, operation: str, kind: str, skip: int = 0, times: int | None = 1) -> None:
        """Fail ``operation`` ``times`` times (None: until cleared) after ``skip`` that pass."""
        self.planned.append(Fault(operation, kind, skip, times))

    def outage(self, operation: str) -> None:
        """Every ``operation`` fails with a server error until :meth:`recover`."""
        self.down.add(operation)

    def recover(self) -> None:
        self.down.clear()
        self.planned.clear()

    def failed(self) -> list[str]:
        return [operation for operation, ok in self.calls if not ok]

    def hook(self, event_name: str, **_: Any) -> Any:
        operation = event_name.rsplit(".", 1)[-1]
        kind = "server_error" if operation in self.down else self._take(operation)
        self.calls.append((operation, kind is None))
        return None if kind is None else _answer(event_name.split(".")[1], operation, kind)

    def _take(self, operation: str) -> str | None:
        for fault in self.planned:
            if fault.operation != operation:
                continue
            if fault.skip:
                fault.skip -= 1
                return None
            if fault.times is not None:
                fault.times -= 1
                if fault.times == 0:
                    self.planned.remove(fault)
            return fault.kind
        return None


def _answer(service: str, operation: str, kind: str) -> tuple[AWSResponse, dict[str, Any]]:
    if kind == "timeout":
        raise ReadTimeoutError(endpoint_url=f"https://{service}.{REGION}.amazonaws.com/")
    if kind == "connection_lost":
        raise EndpointConnectionError(endpoint_url=f"https://{service}.{REGION}.amazonaws.com/")
    if kind == "throttled":
        code = "SlowDown" if service == "s3" else "ThrottlingException"
        status = 503 if service == "s3" else 400
    else:
        code, status = "InternalError", 500
    error = {"Code": code, "Message": f"injected {kind} on {operation}"}
    return AWSResponse("https://injected.invalid/", status, {}, None), {
        "Error": error,
        "ResponseMetadata": {"HTTPStatusCode": status},
    }


@pytest.fixture
def faults() -> Iterator[Faults]:
    """Injected faults for every client made from boto3's default session from now on."""
    plan = Faults()
    boto3.setup_default_session(region_name=REGION)
    boto3.DEFAULT_SESSION.events.register("before-call", plan.hook)  # type: ignore[union-attr]
    yield plan
    boto3.DEFAULT_SESSION = None


@dataclass
class Stored:
    """What the stack holds, read with clients that no fault touches."""

    stack: Stack
    dynamodb: Any
    s3: Any

    @property
    def cameras(self) -> CameraRegistry:
        return CameraRegistry(self.dynamodb, self.stack.physical_name("CamerasTable"))

    def alarms(self) -> list[dict[str, Any]]:
        table = self.stack.physical_name("AlarmsTable")
        return self.dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]

    def media_keys(self) -> set[str]:
        listing = self.s3.list_objects_v2(Bucket=self.stack.physical_name("MediaBucket"))
        return {item["Key"] for item in listing.get("Contents", [])}

    def keys_of(self, alarm: dict[str, Any]) -> set[str]:
        return {alarm[name]["S"] for name in ("pictureKey", "videoKey") if name in alarm}

    def dangling(self) -> list[str]:
        """Media keys that an alarm record names but the bucket does not hold."""
        present = self.media_keys()
        return sorted(key for alarm in self.alarms() for key in self.keys_of(alarm) - present)


@pytest.fixture
def stored(stack: Stack) -> Stored:
    session = boto3.Session(region_name=REGION)
    return Stored(stack, session.client("dynamodb"), session.client("s3"))


@pytest.fixture
def register(stored: Stored) -> Callable[..., None]:
    """Register a camera as ``cameras add`` does, with the tests' push key."""

    def register(vuid: str, offline_after: int = 180, now: int = 0) -> None:
        register_camera(
            stored.dynamodb, stored.cameras.table, vuid, f"Camera {vuid[-4:]}", offline_after, now
        )

    return register


@pytest.fixture
def atomic_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    """One DynamoDB operation at a time in moto, for tests racing threads: a condition and
    its write are one step, as in DynamoDB (moto's backend is not thread-safe).

    The whole request is the step, not only the backend's call: moto's ``update_item``
    reply deep-copies the live item after the backend returns it, and a write racing that
    copy made it fail ("dictionary changed size during iteration") on a busy machine."""
    lock = threading.RLock()
    operations = ("put_item", "get_item", "batch_get_item", "query", "scan")
    for owner, names in (
        (DynamoDBBackend, (*operations, "update_item", "delete_item")),
        (DynamoHandler, ("call_action",)),
    ):
        for name in names:
            original = getattr(owner, name)

            @wraps(original)
            def atomic(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
                with lock:
                    return __original(self, *args, **kwargs)

            monkeypatch.setattr(owner, name, atomic)
