"""Shared fixtures: dummy AWS credentials, the stack built in moto from template.yaml,
handlers loaded by file path with the environment the template gives them, and
real-shaped HTTP API v2 events."""

from __future__ import annotations

import contextlib
import copy
import copyreg
import functools
import importlib.util
import itertools
import json
import logging
import os
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import botocore.session
import moto.cognitoidp.models
import pytest
from joserfc import jwk
from moto import mock_aws
from moto.core.base_backend import BackendDict
from moto.core.models import MockAWS
from moto.dynamodb.models.table import StreamShard
from requests_toolbelt import MultipartEncoder
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.models.push_keys import key_hash
from vstarcam_push.runtime.logs import WIRE_LOGGERS
from vstarcam_tools.dev.permissions import Call, Checker, Recorder, platform_calls
from vstarcam_tools.events import LambdaContext, http_event
from vstarcam_tools.provision import create_resources
from vstarcam_tools.template import Stack, load_template

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

# Every AWS call a function makes in any test is checked against that function's role as
# `sam deploy` creates it (vstarcam_tools.dev.permissions): moto does not enforce IAM.
PERMISSIONS = Checker()
Recorder(PERMISSIONS).install()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An xdist worker hands the calls it recorded to the controller (for the summary)."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["permission_calls"] = json.dumps([asdict(call) for call in PERMISSIONS.calls])


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """The controller gathers the workers' recorded calls (checked already, in the worker)."""
    recorded = getattr(node, "workeroutput", {}).get("permission_calls")
    if recorded:
        PERMISSIONS.calls.extend(Call(**item) for item in json.loads(recorded))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """After a run that exercised every function (make test): the permissions of their
    roles that no recorded call, nor Lambda for their event sources, used."""
    exercised = {call.function for call in PERMISSIONS.calls}
    if not exercised:
        return
    roles = PERMISSIONS.roles
    # The functions that have AWS calls of their own to make (the console page has none).
    callers = {
        function
        for function in roles.functions
        for s in roles.statements(function)
        if s.effect == "Allow" and not s.source.startswith("managed ")
    }
    if not callers <= exercised:
        return
    unused = PERMISSIONS.unused(platform_calls())
    terminalreporter.section("permissions no recorded call used")
    for function, grants in unused.items():
        for grant in grants:
            terminalreporter.write_line(f"{function}: {grant}")
    if not unused:
        terminalreporter.write_line("none: every permission of every role was used")


@pytest.fixture(autouse=True)
def _calls_within_the_functions_roles() -> Iterator[None]:
    """Fails the test in which a function made a call its deployed role does not allow,
    naming the function, the call and the statement template.yaml would need."""
    before = len(PERMISSIONS.violations)
    yield
    found = PERMISSIONS.violations[before:]
    if found:
        messages = list(dict.fromkeys(violation.message() for violation in found))
        pytest.fail("\n\n".join(messages), pytrace=False)


# Fixtures wider than a test but narrower than a session (a module's local stack, browser or
# moto stack), and the ``slow`` mark (a server or a build).
_SHARED_SCOPES = {"class", "module", "package"}


def _is_heavy(item: pytest.Item) -> bool:
    if item.get_closest_marker("slow") is not None:
        return True
    info = getattr(item, "_fixtureinfo", None)
    return info is not None and any(
        definitions[-1].scope in _SHARED_SCOPES
        for definitions in info.name2fixturedefs.values()
        if definitions
    )


# What the longest modules took in ``make test`` (seconds of test time, 2 workers,
# 2026-12-06; the browser modules 2026-12-07, sharing a stack: docs/testing.md). Only an
# order: the workers take the longest first, so that no long module is left to run alone
# at the end (a module missing here, or renamed, just counts as _HEAVY_S when heavy, 0 when
# not).
_MEASURED_S = {
    "tests/tools/doctor/test_doctor_local.py": 57,
    "tests/browser/test_screenshots.py": 34,
    "tests/browser/test_app.py": 34,
    "tests/e2e/test_local_stack.py": 41,
    "tests/browser/test_console.py": 20,
    "tests/reliability/test_load.py": 32,
    "tests/browser/test_day.py": 12,
    "tests/browser/test_web_push.py": 17,
    "tests/browser/test_roles.py": 9,
    "tests/browser/test_snooze.py": 8,
    "tests/browser/test_local_emulator_guard.py": 12,
    "tests/browser/test_mfa.py": 9,
    "tests/integration/test_web_push.py": 21,
    "tests/e2e/test_local_state.py": 20,
    "tests/e2e/test_push_local.py": 20,
    "tests/reliability/test_fuzz.py": 20,
    "tests/console/test_console_api.py": 17,
    "tests/e2e/test_local_stack_lifecycle.py": 17,
    "tests/tools/camera/test_end_to_end.py": 16,
    "tests/tools/doctor/test_doctor_switches.py": 15,
    "tests/tools/camera/test_configure_cli.py": 14,
    "tests/e2e/test_web_push_local.py": 13,
    "tests/test_template.py": 13,
    "tests/tools/cli/test_simulator.py": 12,
    "tests/test_build.py": 11,
}
_HEAVY_S = 10
# The modules handed out before all others (tests/browser/conftest.py: their shared stack).
_SHARING_A_STACK = "tests/browser/"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In an xdist worker (``make test``: ``-n auto --dist loadfile``), the long modules come
    first, longest first (_MEASURED_S; then any other module that starts a local stack, a
    browser or a build, or shares a module-scoped fixture), so the long ones start at once
    and the many short moto tests fill in around them rather than one long module running
    alone at the end. The browser modules (all long) come before every other: they share one
    local stack per worker, which is stopped when the worker moves on to another folder, so
    each worker starts it once. Each module still runs whole, in its own order, on one worker
    (loadfile), so its module fixtures are made once. Plain ``pytest`` keeps the collection
    order."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return
    heavy = {item.nodeid.split("::", 1)[0] for item in items if _is_heavy(item)}

    def order(item: pytest.Item) -> tuple[bool, int]:
        module = item.nodeid.split("::", 1)[0]
        return (
            not module.startswith(_SHARING_A_STACK),
            -_MEASURED_S.get(module, _HEAVY_S if module in heavy else 0),
        )

    items.sort(key=order)


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


# -- speed: what every test would otherwise parse again --------------------------------


@pytest.fixture(autouse=True, scope="session")
def _service_models_read_once() -> Iterator[None]:
    """All boto3 sessions share one botocore loader, so service models are parsed once.

    moto gives every test a fresh default session, the stack fixture makes its own, and each
    handler imported makes clients: parsing the models again for each was most of a moto
    test's time. Loaded models are read-only to botocore (one session's clients already
    share them)."""
    loaders: dict[str | None, Any] = {}
    create = botocore.session.create_loader

    def shared_loader(search_path: str | None = None) -> Any:
        if search_path not in loaders:
            loaders[search_path] = create(search_path)
        return loaders[search_path]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", shared_loader)
        yield


@pytest.fixture(autouse=True, scope="session")
def _moto_user_pool_key_read_once() -> Iterator[None]:
    """moto signs every user pool's tokens with the one RSA key it ships, and checking that
    key as it is imported took a tenth of each stack's creation: it is imported once.
    Nothing changes a key once imported (joserfc keys are read-only)."""
    imported: dict[str, Any] = {}

    def import_key(value: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not isinstance(value, dict):
            return jwk.RSAKey.import_key(value, *args, **kwargs)
        text = json.dumps(value, sort_keys=True)
        if text not in imported:
            imported[text] = jwk.RSAKey.import_key(value)
        return imported[text]

    shim = SimpleNamespace(RSAKey=SimpleNamespace(import_key=import_key))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(moto.cognitoidp.models, "jwk", shim)
        yield


@pytest.fixture(autouse=True, scope="session")
def _stream_history_copied_by_reference() -> Iterator[None]:
    """moto's ``transact_write_items`` deep-copies every table it touches, to roll back on a
    cancellation, and a table's stream shard holds every record it ever wrote: each
    transaction copied the whole history again, so a test's later transactions grew slower
    and slower (most of the fuzz's time). A copied shard now gets a new list of the same
    records: a rolled-back transaction still takes its records away (the list is the copy's),
    and the records before it, which nothing changes once written, are not copied."""

    def copy_shard(shard: StreamShard, memo: dict[int, Any]) -> StreamShard:
        copied = copy.copy(shard)
        memo[id(shard)] = copied
        copied.table = copy.deepcopy(shard.table, memo)
        copied.items = list(shard.items)
        return copied

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(StreamShard, "__deepcopy__", copy_shard, raising=False)
        yield


@functools.cache
def shared_template() -> dict[str, Any]:
    """template.yaml, parsed once per session: read it, never change it (copy it first)."""
    return load_template()


@contextlib.contextmanager
def _fresh_locks() -> Iterator[None]:
    """While it lasts, a deep copy of a lock (or of a condition or event, which wrap one)
    is a new, unheld one: moto's queues and objects each carry one."""
    kinds: dict[Any, Any] = {
        type(threading.Lock()): threading.Lock,
        type(threading.RLock()): threading.RLock,
        threading.Condition: threading.Condition,
        threading.Event: threading.Event,
    }
    saved = {kind: copyreg.dispatch_table.get(kind) for kind in kinds}
    for kind, make in kinds.items():
        copyreg.dispatch_table[kind] = functools.partial(lambda make, _: (make, ()), make)
    try:
        yield
    finally:
        for kind, before in saved.items():
            if before is None:
                del copyreg.dispatch_table[kind]
            else:
                copyreg.dispatch_table[kind] = before


@dataclass
class _PristineStack:
    """moto's state right after ``create_resources`` made the template's resources, kept
    outside moto. Each test gets its own deep copy of it: nothing one test writes can reach
    another, and no test pays the two dozen API calls of creating the stack again."""

    stack: Stack
    backends: list[tuple[BackendDict[Any], dict[str, Any]]]

    @classmethod
    def capture(cls, stack: Stack) -> _PristineStack:
        with _fresh_locks():
            return cls(
                copy.deepcopy(stack),
                [(backend, copy.deepcopy(dict(backend))) for backend in BackendDict._instances],
            )

    def restore(self) -> Stack:
        """Put a copy into moto, which ``mock_aws`` has just emptied; returns the stack."""
        with _fresh_locks():
            for backend, accounts in self.backends:
                backend.update(copy.deepcopy(accounts))
                if backend not in BackendDict._instances:
                    BackendDict._instances.append(backend)
            return copy.deepcopy(self.stack)


_pristine: list[_PristineStack] = []


@pytest.fixture
def stack() -> Iterator[Stack]:
    """The template's tables, bucket, topics, queues and user pool in in-process moto, as
    ``create_resources`` makes them, fresh for each test.

    The first test of a session (of each xdist worker) creates them; the others get a copy
    of moto's state as it stood then (milliseconds instead of a third of a second)."""
    with mock_aws():
        if _pristine and MockAWS._nested_count == 1:
            yield _pristine[0].restore()
            return
        built = Stack(region=REGION, template=copy.deepcopy(shared_template()))
        create_resources(built, boto3.Session(region_name=REGION))
        if not _pristine and MockAWS._nested_count == 1:
            _pristine.append(_PristineStack.capture(built))
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
