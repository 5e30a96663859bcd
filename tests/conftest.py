"""Shared fixtures: dummy AWS credentials, the stack built in moto from template.yaml,
handlers loaded by file path with the environment the template gives them, and
real-shaped HTTP API v2 events."""

from __future__ import annotations

import importlib.util
import itertools
import json
import logging
import os
import sys
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws
from requests_toolbelt import MultipartEncoder
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.models.push_keys import key_hash
from vstarcam_push.runtime.logs import WIRE_LOGGERS
from vstarcam_tools.events import LambdaContext, http_event
from vstarcam_tools.provision import create_resources
from vstarcam_tools.template import Stack

REGION = "us-east-1"
VUID = "VE0005622QHOW"
# The push key the test fixtures give registered cameras (22 URL-safe characters),
# and one of the same shape that no camera has.
PUSH_KEY = "TestPushKey0123456789A"
WRONG_KEY = "WrongPushKey0123456789"
# The stack secret keys are derived from in tests (the CLI keeps the real one in SSM).
TEST_SECRET = bytes(range(32))
# Starts with the JPEG and PNG magic numbers the receiver sniffs; the rest is
# filler (real pictures are in tools/vstarcam_tools/camera/testdata for end-to-end tests).
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 4 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(512)

# The vendor document's alarm table, written out here (not imported from the code
# under test) so the tests hold the code to the protocol.
VENDOR_ALARM_TYPES = {
    0x12: "Motion detection alarm",
    0x14: "Doorbell button alarm",
    0x26: "Smoke alarm",
    0x27: "Absence detection alarm",
    0x28: "Baby crying detection alarm",
    0x29: "Humanoid detection alarm",
    0x6D: "Fire detection alarm",
    0x6E: "Smoke detection alarm",
}

_module_ids = itertools.count()


@pytest.fixture(autouse=True)
def _wire_loggers_as_they_were() -> Iterator[None]:
    """Each function sets the AWS SDK's and urllib3's loggers to INFO when it is loaded
    (runtime/logs.py); a test that loads one must not change what a later test logs."""
    saved = {name: logging.getLogger(name).level for name in WIRE_LOGGERS}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture(autouse=True)
def _offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials, a fixed region, and no way to reach a real account or endpoint."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name.startswith("POWERTOOLS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("SAM_CLI_TELEMETRY", "0")


@pytest.fixture
def stack() -> Iterator[Stack]:
    """The template's tables, bucket, topic and queue, created in in-process moto."""
    with mock_aws():
        built = Stack(region=REGION)
        create_resources(built, boto3.Session(region_name=REGION))
        yield built


def register_camera(
    dynamodb: Any,
    table: str,
    vuid: str = VUID,
    name: str = "Front door",
    offline_after: int = 180,
    now: int = 0,
    key: str = PUSH_KEY,
) -> None:
    """Register a camera as ``vstarcam-push cameras add`` does, then give it the fixed push
    key ``key``, so that tests build its events without knowing the key it was issued."""
    CameraRegistry(dynamodb, table).register(vuid, name, offline_after, now, TEST_SECRET)
    dynamodb.update_item(
        TableName=table,
        Key={"vuid": {"S": vuid}},
        UpdateExpression="SET pushKeyHash = :hash",
        ExpressionAttributeValues={":hash": {"B": key_hash(key)}},
    )


def load_function(
    stack: Stack, logical_id: str, monkeypatch: pytest.MonkeyPatch, **overrides: str
) -> ModuleType:
    """Import a function's handler module fresh, with the environment the template sets."""
    spec_ = stack.functions()[logical_id]
    for name, value in {**spec_.environment, **overrides}.items():
        monkeypatch.setenv(name, value)
    name = f"_function_{logical_id}_{next(_module_ids)}"
    spec = importlib.util.spec_from_file_location(name, spec_.module_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def invoke(module: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    return module.lambda_handler(event, LambdaContext(aws_request_id=str(uuid.uuid4())))


def heartbeat_event(
    document: Any, time_ms: int | None = None, key: str | None = PUSH_KEY
) -> dict[str, Any]:
    """A heartbeat as cameras send it: JSON, which HTTP API passes as text, on the camera's
    keyed route (``key=None``: the bare ``/heartbeat``)."""
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return http_event(
        "/heartbeat",
        body,
        "application/json; charset=UTF-8",
        base64_encoded=False,
        time_ms=time_ms,
        push_key=key,
    )


def alarm_body(
    vuid: str | None = VUID,
    alarm_type: str | None = "18",
    picture: bytes | None = JPEG,
    video: bytes | None = None,
) -> tuple[bytes, str]:
    """A multipart alarm push body and its Content-Type, as a camera builds it."""
    fields: list[tuple[str, Any]] = []
    if vuid is not None:
        fields.append(("vuid", vuid))
    if alarm_type is not None:
        fields.append(("type", alarm_type))
    if picture is not None:
        fields.append(("picture", ("alarm.jpg", picture, "image/jpeg")))
    if video is not None:
        fields.append(("video", ("alarm.mp4", video, "video/mp4")))
    encoder = MultipartEncoder(fields=fields)
    return encoder.to_string(), encoder.content_type


def alarm_event(
    time_ms: int | None = None, key: str | None = PUSH_KEY, **fields: Any
) -> dict[str, Any]:
    """An alarm push on the camera's keyed route (``key=None``: the bare ``/alarm``)."""
    body, content_type = alarm_body(**fields)
    return http_event("/alarm", body, content_type, time_ms=time_ms, push_key=key)


def reply_of(response: dict[str, Any]) -> dict[str, str]:
    """The wire reply, checked to be exactly ``{"code", "message"}`` with matching status."""
    document = json.loads(response["body"])
    assert set(document) == {"code", "message"}
    assert document["code"] == str(response["statusCode"])
    assert isinstance(document["message"], str) and document["message"]
    return document
