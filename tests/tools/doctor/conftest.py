"""Doctor fixtures: one local stack for the module, the doctor run as the operator runs it,
and what a run may leave behind.

The stack has an email and an SMS subscription (so the no-spam rule is tested
against real filter policies), the plain-HTTP front door (the local stack is
its own), and a low ThrottlingRateLimit so a modest fleet can outgrow it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from vstarcam_push.models.doctor_camera import is_probe

from tests.e2e.localstack import LocalStackProcess, start_local_stack

EMAIL = "owner@example.com"
PHONE = "+14155550100"
THROTTLING_RATE_LIMIT = 2
DOCTOR_TIMEOUT_S = 120
# Local notifications arrive in a second or two; a failing test should not wait a minute.
WAIT_S = "20"
STACK_PARAMETERS = {
    "NotificationEmail": EMAIL,
    "NotificationPhone": PHONE,
    "SmsAlarmTypes": "0x12,0x26",
    "PlainHttpFrontDoor": "true",
    "ThrottlingRateLimit": str(THROTTLING_RATE_LIMIT),
}


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    stack = start_local_stack(
        schedule_rate=None,
        parameter_overrides=STACK_PARAMETERS,
        log_dir=tmp_path_factory.mktemp("doctor-stack-logs"),
    )
    yield stack
    stack.stop()


@dataclass
class DoctorRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def results(self) -> list[dict[str, Any]]:
        return list(json.loads(self.stdout))

    def result(self, check: str) -> dict[str, Any]:
        (found,) = [r for r in self.results if r["check"] == check]
        return found

    def by_status(self, status: str) -> set[str]:
        return {r["check"] for r in self.results if r["status"] == status}


def doctor_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "vstarcam_tools.cli", "doctor", "--wait", WAIT_S, *args]


def run_doctor(local: LocalStackProcess, *args: str) -> DoctorRun:
    """``vstarcam-push doctor --json ARGS`` against the local stack, as a subprocess."""
    completed = subprocess.run(
        doctor_command("--json", *args),
        env=local.aws_environment(),
        capture_output=True,
        text=True,
        timeout=DOCTOR_TIMEOUT_S,
        check=False,
    )
    return DoctorRun(completed.returncode, completed.stdout, completed.stderr)


@dataclass(frozen=True)
class StackState:
    """What the doctor may create, as found in the stack."""

    test_cameras: list[str]
    test_alarms: list[str]
    test_media: list[str]
    queues: list[str]
    subscriptions: list[tuple[str, str]]


MEDIA_SETTLE_S = 30.0


def stack_state(local: LocalStackProcess) -> StackState:
    outputs = local.outputs
    dynamodb, s3, sqs, sns = (local.client(s) for s in ("dynamodb", "s3", "sqs", "sns"))
    cameras = [
        item["vuid"]["S"]
        for item in dynamodb.scan(TableName=outputs.cameras_table)["Items"]
        if is_probe(item["vuid"]["S"])
    ]
    alarms = [
        item["alarmId"]["S"]
        for item in dynamodb.scan(TableName=outputs.alarms_table)["Items"]
        if is_probe(item["vuid"]["S"])
    ]
    media = [
        obj["Key"]
        for obj in s3.list_objects_v2(Bucket=outputs.media_bucket).get("Contents", [])
        if "/DOCTOR" in obj["Key"]
    ]
    queues = [url for url in sqs.list_queues().get("QueueUrls", []) if "vstarcam-doctor-" in url]
    subscriptions = [
        (s["Protocol"], s["Endpoint"])
        for s in sns.list_subscriptions_by_topic(TopicArn=outputs.topic_arn)["Subscriptions"]
    ]
    return StackState(cameras, alarms, media, queues, subscriptions)


def assert_nothing_left(local: LocalStackProcess) -> None:
    state = stack_state(local)
    # Media processing of a test alarm may still be running when the doctor has removed
    # it: it deletes the thumbnail it made once it finds the alarm gone. Give it that long
    # (bounded), so a thumbnail that stays is still caught.
    deadline = time.monotonic() + MEDIA_SETTLE_S
    for _ in range(int(MEDIA_SETTLE_S / 0.25)):
        if not state.test_media or time.monotonic() > deadline:
            break
        time.sleep(0.25)
        state = stack_state(local)
    assert state.test_cameras == []
    assert state.test_alarms == []
    assert state.test_media == []
    assert state.queues == []
    assert sorted(state.subscriptions) == [("email", EMAIL), ("sms", PHONE)]
