"""Cold start: a fresh interpreter's first request, beside the bare boto3 floor.

For each function, one in-process run against the moto server records the
clients it makes and the AWS calls it makes (``CallLog``); those counts are
the ``aws_calls`` section. Then, alternately, a fresh interpreter imports
the handler and handles the same event (``ms``), and a fresh interpreter
imports boto3, makes the same clients and replays the same calls
(``floor_ms``). The moto server is reset and seeded the same way before every
run, so both meet the same state and every call succeeds the same way.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import itertools
import json
import pickle
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3

from vstarcam_tools.dev.bench.aws import DUMMY_ENVIRONMENT, MotoServer, environment
from vstarcam_tools.dev.bench.calls import CallLog
from vstarcam_tools.dev.bench.runtime import child_command
from vstarcam_tools.dev.bench.scenarios import SCENARIOS, Scenario, now
from vstarcam_tools.events import LambdaContext
from vstarcam_tools.template import Stack

CHILD = Path(__file__).with_name("_cold_child.py")
_module_ids = itertools.count()


@dataclass
class Recording:
    clients: list[str]
    calls: list[tuple[str, str, dict[str, Any], bool]]
    counts: dict[str, int]


def function_environment(stack: Stack, scenario: Scenario, endpoint: str) -> dict[str, str]:
    return {
        **stack.functions()[scenario.logical_id].environment,
        **DUMMY_ENVIRONMENT,
        "AWS_ENDPOINT_URL": endpoint,
    }


def prepare(server: MotoServer, scenario: Scenario) -> tuple[Stack, int]:
    """A fresh stack seeded for the scenario, and the moment it was seeded."""
    stack = server.fresh_stack()
    moment = now()
    with environment({"AWS_ENDPOINT_URL": server.url}):
        scenario.seed(stack, server.session().client("dynamodb"), moment)
    return stack, moment


def load_handler(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_bench_app_{next(_module_ids)}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def record(
    server: MotoServer, scenario: Scenario
) -> tuple[Recording, dict[str, Any], list[dict[str, Any]]]:
    """Run the handler in this process with botocore hooks on: its clients and its calls."""
    stack, moment = prepare(server, scenario)
    event = scenario.event(stack, moment)
    log = CallLog()
    with (
        environment(function_environment(stack, scenario, server.url)),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        boto3.setup_default_session()
        log.attach(boto3.DEFAULT_SESSION)
        module = load_handler(stack.functions()[scenario.logical_id].module_file)
        log.calls.clear()
        response = module.lambda_handler(event, LambdaContext())
    boto3.DEFAULT_SESSION = None
    if not scenario.succeeded(response):
        raise RuntimeError(f"{scenario.name}: the recorded request failed: {response}")
    recording = Recording(
        clients=list(log.clients),
        calls=[(call.service, call.operation, call.params, call.presign) for call in log.calls],
        counts=log.counts(),
    )
    return recording, event, scenario.warm_events(stack, moment)


def _run_child(
    command: list[str], mode: str, target: str, payload: Path, env: dict[str, str], *extra: Path
) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        finished = subprocess.run(
            [*command, str(CHILD), mode, target, str(payload), out.name, *map(str, extra)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
        if finished.returncode != 0:
            raise RuntimeError(f"cold {mode} run failed:\n{finished.stderr}")
        return json.loads(Path(out.name).read_text())


def measure(
    server: MotoServer, scenario: Scenario, runs: int, command: list[str], extra: dict[str, str]
) -> tuple[dict[str, Any], Recording]:
    recording, event, warm_events = record(server, scenario)
    with tempfile.TemporaryDirectory() as scratch:
        event_file = Path(scratch, "event.json")
        event_file.write_text(json.dumps(event))
        warm_file = Path(scratch, "warm.json")
        warm_file.write_text(json.dumps(warm_events))
        calls_file = Path(scratch, "calls.pickle")
        calls_file.write_bytes(
            pickle.dumps((recording.clients, recording.calls, scenario.floor_imports))
        )
        handler_ms: list[float] = []
        floor_ms: list[float] = []
        init_ms: list[float] = []
        handler_cpu: list[float] = []
        floor_cpu: list[float] = []
        warm_ms: list[float] = []
        warm_cpu: list[float] = []
        for _ in range(runs):
            # Alternating the two keeps slow drifts of the machine out of the ratio.
            stack, _ = prepare(server, scenario)
            env = {
                "PATH": "/usr/bin:/bin",
                **extra,
                **function_environment(stack, scenario, server.url),
            }
            module_file = str(stack.functions()[scenario.logical_id].module_file)
            handled = _run_child(command, "handler", module_file, event_file, env, warm_file)
            if not scenario.succeeded(handled["response"]):
                raise RuntimeError(f"{scenario.name}: cold request failed: {handled['response']}")
            for ms, cpu_ms, response in handled["warm"]:
                if not scenario.warm_succeeded(response):
                    raise RuntimeError(f"{scenario.name}: warm request failed: {response}")
                warm_ms.append(ms)
                warm_cpu.append(cpu_ms)
            handler_ms.append(handled["ms"])
            init_ms.append(handled["init_ms"])
            handler_cpu.append(handled["cpu_ms"])
            prepare(server, scenario)
            floored = _run_child(command, "floor", "-", calls_file, env)
            floor_ms.append(floored["ms"])
            floor_cpu.append(floored["cpu_ms"])
    ms, floor = statistics.median(handler_ms), statistics.median(floor_ms)
    return {
        "ms": round(ms, 1),
        "floor_ms": round(floor, 1),
        "ratio": round(ms / floor, 3),
        "init_ms": round(statistics.median(init_ms), 1),
        "cpu_ms": round(statistics.median(handler_cpu), 1),
        "floor_cpu_ms": round(statistics.median(floor_cpu), 1),
        "warm_ms": round(statistics.median(warm_ms), 2),
        "warm_cpu_ms": round(statistics.median(warm_cpu), 2),
        "runs": runs,
    }, recording


def run(server: MotoServer, runs: int) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The ``cold_start`` and ``aws_calls`` sections, and the import path the children had."""
    command, extra, site = child_command()
    cold_start: dict[str, Any] = {}
    aws_calls: dict[str, Any] = {}
    for scenario in SCENARIOS:
        cold_start[scenario.name], recording = measure(server, scenario, runs, command, extra)
        aws_calls[scenario.name] = recording.counts
    return cold_start, aws_calls, site
