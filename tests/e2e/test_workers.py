"""Execution environments: one function's worker processes, isolated like Lambda's.

GIVEN a function whose handler reports its process and environment WHEN it is
invoked through a :class:`FunctionPool` THEN it runs in its own process with
only its own environment, is reused warm, and timeouts and import errors
fail the invocation as Lambda fails it.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from pathlib import Path

import pytest
from vstarcam_tools.local.workers import FunctionPool, pool_size
from vstarcam_tools.template import FunctionSpec

HANDLER = """
import os
import time

LOADED_WITH = os.environ.get("TABLE")


def lambda_handler(event, context):
    deadline = time.monotonic() + 30
    while event.get("wait_for") and not os.path.exists(event["wait_for"]):
        if time.monotonic() > deadline:
            raise TimeoutError("the test never opened the gate")
        time.sleep(0.01)
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {
        "pid": os.getpid(),
        "table": LOADED_WITH,
        "leaked": os.environ.get("E2E_PARENT_ONLY"),
        "function": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"),
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }
"""


def _spec(code_dir: Path, source: str = HANDLER, timeout_s: int = 5) -> FunctionSpec:
    code_dir.mkdir(parents=True, exist_ok=True)
    (code_dir / "app.py").write_text(source)
    return FunctionSpec(
        logical_id="ProbeFunction",
        name="e2e-probefunction",
        code_dir=code_dir,
        handler="app.lambda_handler",
        environment={},
        memory_mb=128,
        timeout_s=timeout_s,
        events={},
    )


def _pool(spec: FunctionSpec, table: str, tmp_path: Path, **options: int) -> FunctionPool:
    environment = {"TABLE": table, "AWS_LAMBDA_FUNCTION_NAME": spec.name}
    return FunctionPool(spec, environment, log_file=tmp_path / f"{table}.log", **options)


def test_each_function_runs_in_its_own_process_with_only_its_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("E2E_PARENT_ONLY", "must not reach a function")
    spec = _spec(tmp_path / "code")
    cameras, alarms = _pool(spec, "cameras", tmp_path), _pool(spec, "alarms", tmp_path)
    try:
        first = cameras.invoke({})
        other = alarms.invoke({})
    finally:
        cameras.close()
        alarms.close()

    assert first.error is None and other.error is None
    assert first.payload["table"] == "cameras" and other.payload["table"] == "alarms"
    assert first.payload["pid"] not in (os.getpid(), other.payload["pid"])
    assert first.payload["leaked"] is None
    assert first.payload["function"] == "e2e-probefunction"
    assert 0 < first.payload["remaining_ms"] <= 5000
    assert first.payload["request_id"] == first.request_id


def test_a_worker_is_reused_warm_after_its_cold_start(tmp_path: Path) -> None:
    pool = _pool(_spec(tmp_path / "code"), "cameras", tmp_path)
    try:
        cold, warm = pool.invoke({}), pool.invoke({})
    finally:
        pool.close()

    assert cold.cold_start and not warm.cold_start
    assert cold.payload["pid"] == warm.payload["pid"]
    assert "REPORT RequestId: " in (tmp_path / "cameras.log").read_text()


def test_concurrent_invocations_get_their_own_workers_up_to_the_limit(tmp_path: Path) -> None:
    """Two invocations held open at once run in two workers; a third waits for one."""
    pool = _pool(_spec(tmp_path / "code"), "cameras", tmp_path, max_workers=2)
    gate = tmp_path / "gate"
    results = []

    def call(event: dict[str, str]) -> None:
        results.append(pool.invoke(event))

    held = [threading.Thread(target=call, args=({"wait_for": str(gate)},)) for _ in range(2)]
    third = threading.Thread(target=call, args=({},))
    try:
        for thread in held:
            thread.start()
        deadline = time.monotonic() + 30
        while pool.workers < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        third.start()
        gate.touch()
        for thread in [*held, third]:
            thread.join(60)
    finally:
        pool.close()

    assert len(results) == 3 and all(r.error is None for r in results)
    assert len({r.payload["pid"] for r in results}) == 2
    assert pool.workers == 0


def test_handler_exception_is_a_function_error_and_the_worker_stays(tmp_path: Path) -> None:
    pool = _pool(_spec(tmp_path / "code"), "cameras", tmp_path)
    try:
        failed, after = pool.invoke({"fail": True}), pool.invoke({})
    finally:
        pool.close()

    assert failed.error is not None
    assert failed.error["errorType"] == "ValueError"
    assert failed.error["errorMessage"] == "asked to fail"
    assert not after.cold_start and after.error is None


def test_timeout_kills_the_worker_like_lambda(tmp_path: Path) -> None:
    pool = _pool(_spec(tmp_path / "code", timeout_s=1), "cameras", tmp_path)
    try:
        timed_out = pool.invoke({"sleep": 30})
        after = pool.invoke({})
    finally:
        pool.close()

    assert timed_out.error is not None
    assert timed_out.error["errorMessage"] == "Task timed out after 1.00 seconds"
    assert after.error is None and after.cold_start


def test_handler_module_that_fails_to_import_fails_every_invocation(tmp_path: Path) -> None:
    spec = _spec(tmp_path / "code", source="import no_such_module_anywhere\n")
    pool = _pool(spec, "cameras", tmp_path)
    try:
        first, second = pool.invoke({}), pool.invoke({})
    finally:
        pool.close()

    for invocation in (first, second):
        assert invocation.error is not None
        assert invocation.error["errorType"] == "Runtime.ImportModuleError"
        assert "no_such_module_anywhere" in invocation.error["errorMessage"]
    assert pool.workers == 0


NOTICES = """
import json


def lambda_handler(event, context):
    for text in event.get("say", []):
        print(json.dumps({"level": "INFO", "message": "m", "notice": text}))
    print(json.dumps({"level": "INFO", "message": "no notice here"}))
    print("not JSON, \\"notice\\" in it")
    if event.get("fail"):
        raise ValueError("asked to fail")
    return "done"
"""


def test_an_invocation_returns_what_its_log_lines_say_for_people(tmp_path: Path) -> None:
    """GIVEN a handler whose JSON log lines carry a ``notice`` (a line for people)
    WHEN it is invoked, also when it then fails
    THEN the invocation returns that invocation's notices in order (for the local stack's
    terminal), and every line still goes to the function's log."""
    pool = _pool(_spec(tmp_path / "code", source=NOTICES), "cameras", tmp_path)
    try:
        said = pool.invoke({"say": ["HELD  one", "PUSH  two"]})
        silent = pool.invoke({})
        failed = pool.invoke({"say": ["PUSH  three"], "fail": True})
    finally:
        pool.close()

    assert said.payload == "done" and said.notices == ("HELD  one", "PUSH  two")
    assert silent.notices == ()
    assert failed.error is not None and failed.notices == ("PUSH  three",)
    log = (tmp_path / "cameras.log").read_text()
    assert log.count('"notice": "') == 3 and log.count("no notice here") == 3


def test_a_reserved_concurrency_caps_the_functions_workers(tmp_path: Path) -> None:
    """ReservedConcurrentExecutions (DeliveryConcurrency) caps a function's workers as it
    caps the function in Lambda; without one the local stack's --concurrency holds."""
    spec = _spec(tmp_path / "code")
    assert pool_size(spec, 4) == 4
    assert pool_size(dataclasses.replace(spec, reserved_concurrency=2), 4) == 2
    assert pool_size(dataclasses.replace(spec, reserved_concurrency=9), 4) == 4
