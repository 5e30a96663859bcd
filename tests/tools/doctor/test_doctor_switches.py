"""The doctor against a stack deployed with a feature switched off (``PushChannels=false``):
what is not in the stack is skipped with the reason, never failed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.localstack import LocalStackProcess, start_local_stack
from tests.tools.doctor.conftest import STACK_PARAMETERS, assert_nothing_left, run_doctor


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    stack = start_local_stack(
        schedule_rate=None,
        parameter_overrides={**STACK_PARAMETERS, "PushChannels": "false"},
        log_dir=tmp_path_factory.mktemp("doctor-switches-logs"),
    )
    yield stack
    stack.stop()


def test_a_stack_without_push_channels_skips_them_and_still_passes(
    local: LocalStackProcess,
) -> None:
    """GIVEN a local stack deployed with PushChannels=false (no delivery function)
    WHEN doctor runs, with --channels too
    THEN the push channels check is skipped as not in this stack, nothing fails, the exit
    status is 0 and nothing of the run is left."""
    assert local.outputs.raw["PushChannels"] == "false"
    for args in ((), ("--channels",)):
        run = run_doctor(local, *args)

        assert run.returncode == 0, run.stdout + run.stderr
        assert run.by_status("failed") == set()
        result = run.result("push channels")
        assert result["status"] == "skipped"
        assert result["detail"] == "not in this stack: it has no push channels"
        assert run.result("heartbeat")["status"] == "ok"
    assert_nothing_left(local)
