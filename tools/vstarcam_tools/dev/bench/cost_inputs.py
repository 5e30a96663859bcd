"""The cost model's inputs, derived from template.yaml and benchmarks/results.json.

``make bench`` calls ``derive`` after measuring and writes the result into the cost
package (``vstarcam_tools/cost/inputs.json``), which ``vstarcam-push cost`` reads from an
installed package. After a change of the template (a memory size, an alarm, the access
log format) without a new bench run, ``python -m vstarcam_tools.dev.bench.cost_inputs``
writes it again from the stored results; a test fails until it matches.
"""

from __future__ import annotations

import json
from itertools import product
from pathlib import Path
from typing import Any

from vstarcam_tools.cost import inputs as cost_inputs
from vstarcam_tools.cost.inputs import Inputs, switches_key
from vstarcam_tools.cost.model import Profile
from vstarcam_tools.template import PROJECT_ROOT, Stack, load_template

RESULTS = PROJECT_ROOT / "benchmarks" / "results.json"
INPUTS = Path(cost_inputs.__file__).with_name(cost_inputs.INPUTS_FILE)

# Used when benchmarks/results.json lacks a measurement (e.g. before the first make bench).
DEFAULT_WRITE_UNITS = {"heartbeat": 1, "alarm": 5, "notify": 1, "media_record_update": 3}
DEFAULT_WARM_CPU_MS = {
    "heartbeat": 1.7,
    "alarm": 8.6,
    "notify": 4.8,
    "offline_sweep": 5.4,
    "media": 1.9,
}
DEFAULT_ITEM_BYTES = {"camera": 300.0, "alarm": 400.0}


def memory_sizes() -> dict[str, int]:
    """Each function's MemorySize in MB, from the template (its own, or the Globals one)."""
    template = load_template()
    default = int(template["Globals"]["Function"]["MemorySize"])
    return {
        logical_id: int(resource["Properties"].get("MemorySize", default))
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def cloudwatch_alarm_metrics(overrides: dict[str, str] | None = None) -> int:
    """The alarm metrics the stack's CloudWatch alarms are billed for: one per alarm on a
    metric, one per metric a metric-math alarm reads (its expressions are free)."""
    stack = Stack(overrides=overrides or {})
    count = 0
    for resource in stack.resources("AWS::CloudWatch::Alarm").values():
        metrics = resource["Properties"].get("Metrics")
        count += sum("MetricStat" in metric for metric in metrics) if metrics else 1
    return count


def access_log_bytes() -> int:
    """One access log line in the template's format, with a typical camera's values."""
    api = load_template()["Resources"]["HttpApi"]["Properties"]
    line = api["AccessLogSettings"]["Format"]
    values = {
        "$context.requestId": "O4zP8jLdoAMEV2w=",
        "$context.identity.sourceIp": "203.0.113.195",
        "$context.routeKey": "POST /heartbeat",
        "$context.status": "200",
        "$context.integrationErrorMessage": "-",
    }
    for variable, value in values.items():
        line = line.replace(variable, value)
    if "$context" in line:
        raise ValueError(f"the access log format has a variable the model does not know: {line}")
    return len(line.encode())


def _measured(results: dict[str, Any]) -> dict[str, Any]:
    cold = results.get("cold_start", {})
    warm = {
        name: cold.get(name, {}).get("warm_cpu_ms", ms) for name, ms in DEFAULT_WARM_CPU_MS.items()
    }
    units = results.get("write_units", {})
    write = {
        "heartbeat": units.get("heartbeat", {}).get("units", DEFAULT_WRITE_UNITS["heartbeat"]),
        "alarm": units.get("alarm", {}).get("units", DEFAULT_WRITE_UNITS["alarm"]),
        "notify": units.get("notify_cooldown_claim", {}).get(
            "units", DEFAULT_WRITE_UNITS["notify"]
        ),
        "media_record_update": units.get("media_record_update", {}).get(
            "units", DEFAULT_WRITE_UNITS["media_record_update"]
        ),
    }
    sweep = units.get("sweep_1000_cameras", {})
    items = {
        "camera": sweep.get("camera_item_bytes", DEFAULT_ITEM_BYTES["camera"]),
        "alarm": units.get("alarm", {}).get("alarm_item_bytes", DEFAULT_ITEM_BYTES["alarm"]),
    }
    return {"warm_cpu_ms": warm, "write_units": write, "item_bytes": items}


def derive(results: dict[str, Any]) -> Inputs:
    """The model's inputs: the template's shape, and the bench's measurements (``results``)
    where it has them, the defaults above where not."""
    measured = _measured(results)
    switches = [
        Profile(push_channels=channels, refusals_alarm=alarm).overrides
        for channels, alarm in product((1, 0), (True, False))
    ]
    return Inputs(
        memory_mb=memory_sizes(),
        alarm_metrics={
            switches_key(overrides): cloudwatch_alarm_metrics(overrides) for overrides in switches
        },
        access_log_bytes=access_log_bytes(),
        warm_cpu_ms=measured["warm_cpu_ms"],
        write_units=measured["write_units"],
        item_bytes=measured["item_bytes"],
    )


def load_results(path: Path = RESULTS) -> dict[str, Any]:
    """The bench's measurements, or none (the defaults) when there is no file."""
    return json.loads(path.read_text()) if path.exists() else {}


def write(inputs: Inputs, path: Path = INPUTS) -> Path:
    path.write_text(json.dumps(inputs.to_json(), indent=2) + "\n")
    return path


def main() -> int:
    """Write the cost package's inputs.json from the template and the stored results."""
    print(f"written {write(derive(load_results())).relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
