"""The cost model's inputs as make bench derives them (vstarcam_tools.dev.bench.cost_inputs),
and the chart it draws from them."""

from __future__ import annotations

from pathlib import Path

from vstarcam_tools.cost.inputs import shipped
from vstarcam_tools.dev.bench import chart
from vstarcam_tools.dev.bench.cost_inputs import (
    access_log_bytes,
    cloudwatch_alarm_metrics,
    derive,
    load_results,
)

from tests.unit.conftest import _no_network  # noqa: F401  (no socket is opened)


def test_the_shipped_inputs_are_the_template_and_the_stored_results() -> None:
    """GIVEN template.yaml and benchmarks/results.json
    THEN the cost package's inputs.json (what `vstarcam-push cost` reads when installed)
    is what they give: a changed memory size, alarm or log format shows here."""
    assert shipped() == derive(load_results()), (
        "tools/vstarcam_tools/cost/inputs.json is out of date: run "
        "`python -m vstarcam_tools.dev.bench.cost_inputs` (or make bench)"
    )


def test_measured_write_units_replace_the_defaults() -> None:
    measured = {"write_units": {"heartbeat": {"units": 3}}}

    assert derive(measured).write_units["heartbeat"] == 3
    assert derive({}).write_units["heartbeat"] == 1


def test_the_access_log_line_is_measured_from_the_template() -> None:
    assert 40 < access_log_bytes() < 80


def test_the_refusals_alarm_reads_one_metric() -> None:
    """The refusals alarm, one billed metric, on either CameraEndpoint: the stack's only
    CloudWatch alarm (failures tell the operations topic directly, issue 22)."""
    with_it = cloudwatch_alarm_metrics({"RefusalsAlarm": "true"})
    without = cloudwatch_alarm_metrics({"RefusalsAlarm": "false"})
    with_urls = cloudwatch_alarm_metrics({"RefusalsAlarm": "true", "CameraEndpoint": "FunctionUrl"})

    assert (with_it, without, with_urls) == (1, 0, 1)


def test_the_chart_is_drawn_as_a_png(tmp_path: Path) -> None:
    path = chart.draw(derive({}), tmp_path / "cost.png")

    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
