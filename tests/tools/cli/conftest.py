"""Fixtures for the CLI and simulator tests: a moto stack whose outputs are published,
alarms stored the way the alarm function stores them, a stand-in receiver, and a CLI runner."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import boto3
import pytest
from moto import mock_aws
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.camera_admission import CameraAdmission
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.media import MediaStore
from vstarcam_push.dal.push_key_secret import secret_parameter
from vstarcam_push.ingest.alarm_intake import AlarmIntake, parse_alarm_push
from vstarcam_push.models.alarm import Alarm
from vstarcam_tools.camera.simulator import load_testdata, unique_picture
from vstarcam_tools.cli.main import main
from vstarcam_tools.outputs import StackOutputs, publish_outputs
from vstarcam_tools.template import Stack

from tests.conftest import PUSH_KEY, REGION, alarm_body, register_camera
from tests.tools.cli.receiver import StandinReceiver

STACK_NAME = "vstarcam-push"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run ``vstarcam-push`` in-process; its exit code and captured output."""

    def run(*argv: str) -> Result:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def no_stack() -> Iterator[None]:
    """In-process moto with nothing in it: a test that should fail before any AWS call
    still cannot reach AWS if it does not."""
    with mock_aws():
        yield


@pytest.fixture
def deployed(stack: Stack) -> StackOutputs:
    """The moto stack with its outputs published as the CloudFormation stack the CLI reads."""
    outputs = stack.outputs()
    publish_outputs(boto3.client("cloudformation", region_name=REGION), STACK_NAME, outputs)
    return StackOutputs.from_dict(outputs)


def stack_secret(stack_name: str = STACK_NAME) -> bytes:
    """The push key secret the CLI keeps in SSM for the stack (made by its first command)."""
    ssm = boto3.client("ssm", region_name=REGION)
    value = ssm.get_parameter(Name=secret_parameter(stack_name), WithDecryption=True)
    return base64.b64decode(value["Parameter"]["Value"])


@pytest.fixture
def registry(deployed: StackOutputs) -> CameraRegistry:
    return CameraRegistry(boto3.client("dynamodb", region_name=REGION), deployed.cameras_table)


@pytest.fixture
def admission(deployed: StackOutputs) -> CameraAdmission:
    """The push paths' camera checks, as the template's defaults configure them."""
    return CameraAdmission(boto3.client("dynamodb", region_name=REGION), deployed.cameras_table)


@pytest.fixture
def store_alarm(deployed: StackOutputs, registry: CameraRegistry) -> Callable[..., Alarm]:
    """Store an alarm push through the alarm function's own intake (registering its camera,
    unnamed, with the tests' push key, if it is not registered)."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    intake = AlarmIntake(
        dynamodb,
        admission=CameraAdmission(dynamodb, deployed.cameras_table),
        alarms=AlarmStore(dynamodb, deployed.alarms_table),
        media=MediaStore(boto3.client("s3", region_name=REGION), deployed.media_bucket),
        retention_days=deployed.retention_days,
        media_link_days=7,  # as the template's alarm function: each alarm has a link token
    )

    def store(
        vuid: str,
        alarm_type: str = "18",
        picture: bytes | None = None,
        video: bytes | None = None,
        received_at_ms: int | None = None,
    ) -> Alarm:
        # By default a distinct real JPEG per alarm, as a camera's live image is.
        if picture is None:
            picture = unique_picture(load_testdata("motion.jpg"), f"{vuid} {time.time_ns()}")
        body, content_type = alarm_body(vuid, alarm_type, picture, video)
        at = received_at_ms if received_at_ms is not None else int(time.time() * 1000)
        if registry.get(vuid.upper()) is None:
            register_camera(dynamodb, registry.table, vuid.upper(), name="")
        return intake.store(parse_alarm_push(body, content_type), at, PUSH_KEY).alarm

    return store


@pytest.fixture
def receiver() -> Iterator[StandinReceiver]:
    with StandinReceiver() as standin:
        yield standin
