"""End-to-end fixtures: one local stack per test module, a subscriber to its topic, cameras."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.media import MediaStore

from tests.conftest import register_camera
from tests.e2e.helpers import RETENTION_DAYS, new_vuid
from tests.e2e.localstack import LocalStackProcess, SnsInbox, start_local_stack


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    """The local stack, started once per module: free ports, offline sweep every second."""
    stack = start_local_stack(
        schedule_rate=1,
        parameter_overrides={"RetentionDays": str(RETENTION_DAYS)},
        log_dir=tmp_path_factory.mktemp("local-stack-logs"),
    )
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def inbox(local: LocalStackProcess) -> SnsInbox:
    return SnsInbox(local)


@pytest.fixture(scope="module")
def registry(local: LocalStackProcess) -> CameraRegistry:
    return CameraRegistry(local.client("dynamodb"), local.outputs.cameras_table)


@pytest.fixture(scope="module")
def alarms(local: LocalStackProcess) -> AlarmStore:
    return AlarmStore(local.client("dynamodb"), local.outputs.alarms_table)


@pytest.fixture(scope="module")
def media(local: LocalStackProcess) -> MediaStore:
    return MediaStore(local.client("s3"), local.outputs.media_bucket)


@pytest.fixture(scope="module")
def register(local: LocalStackProcess, registry: CameraRegistry) -> Callable[..., str]:
    """Register a new camera (as ``vstarcam-push cameras add`` does) with the tests' push key;
    returns its vuid."""

    def register(name: str = "", offline_after: int = 180) -> str:
        vuid = new_vuid()
        register_camera(registry._db, registry.table, vuid, name, offline_after, int(time.time()))
        return vuid

    return register
