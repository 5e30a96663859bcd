"""What the cost model needs to know of the stack and of its measured requests.

The model prices a fleet from two kinds of facts: the stack's shape, read from
template.yaml (each function's memory, the CloudWatch alarms' billed metrics for each
switch, the access log line's size), and what ``make bench`` measured (each function's
warm CPU time, each request's write units, the items' sizes). ``make bench`` derives them
(``vstarcam_tools.dev.bench.cost_inputs``) and writes them here as ``inputs.json``,
shipped with the package, so ``vstarcam-push cost`` needs neither a checkout nor the
benchmarks: the model reads this file only, and a test fails when it no longer matches
the template and benchmarks/results.json.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any

INPUTS_FILE = "inputs.json"


def switches_key(overrides: dict[str, str]) -> str:
    """``PushChannels=true,RefusalsAlarm=false``: the stack parameters a count is for."""
    return ",".join(f"{name}={value}" for name, value in sorted(overrides.items()))


@dataclass(frozen=True)
class Inputs:
    """The stack's shape (from the template) and its requests' measured costs (make bench)."""

    # Each function's MemorySize in MB, by logical id.
    memory_mb: dict[str, int]
    # The CloudWatch alarm metrics billed, by the switches the stack is deployed with
    # (``switches_key``): one per alarm on a metric, one per metric a metric-math alarm reads.
    alarm_metrics: dict[str, int]
    # One HTTP API access log line in the template's format, with a typical camera's values.
    access_log_bytes: int
    # A warm invocation's CPU time per function (heartbeat, alarm, notify, offline_sweep, media).
    warm_cpu_ms: dict[str, float]
    # Write units per request (heartbeat, alarm, notify, media_record_update).
    write_units: dict[str, float]
    # Item sizes in bytes (camera, alarm).
    item_bytes: dict[str, float]

    def alarm_metrics_for(self, overrides: dict[str, str]) -> int:
        return self.alarm_metrics[switches_key(overrides)]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Inputs:
        return cls(**{name: document[name] for name in cls.__dataclass_fields__})


def shipped() -> Inputs:
    """The inputs ``make bench`` last wrote into the package (``inputs.json``)."""
    text = resources.files(__package__).joinpath(INPUTS_FILE).read_text(encoding="utf-8")
    return Inputs.from_json(json.loads(text))
