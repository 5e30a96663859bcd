"""The console's "show URLs" with CameraEndpoint=FunctionUrl: the camera functions' own URLs,
the same push key in both, as `vstarcam-push cameras urls` prints them from the outputs."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from vstarcam_push.models.push_keys import is_push_key
from vstarcam_tools.provision import create_resources
from vstarcam_tools.template import Stack

from tests.conftest import REGION, load_function
from tests.console.conftest import Console

FRONT = "VE0005622QHOW"


@pytest.fixture
def url_stack() -> Iterator[Stack]:
    with mock_aws():
        built = Stack(region=REGION, overrides={"CameraEndpoint": "FunctionUrl"})
        create_resources(built, boto3.Session(region_name=REGION))
        yield built


def test_a_cameras_urls_are_the_function_urls_with_its_key(
    url_stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    console = Console(
        module=load_function(url_stack, "ConsoleApiFunction", monkeypatch),
        stack=url_stack,
        dynamodb=boto3.client("dynamodb", region_name=REGION),
        s3=boto3.client("s3", region_name=REGION),
    )
    assert console.call("POST /api/cameras", body={"vuid": FRONT}).status == 201

    reply = console.call("GET /api/cameras/{vuid}/urls", path={"vuid": FRONT})

    assert reply.status == 200
    outputs = url_stack.outputs()
    heartbeat_base, key = reply.body["heartbeatUrl"].rsplit("/", 1)
    assert heartbeat_base == outputs["HeartbeatUrl"]
    assert ".lambda-url." in heartbeat_base
    assert reply.body["alarmUrl"] == f"{outputs['AlarmUrl']}/{key}"
    assert is_push_key(key)
