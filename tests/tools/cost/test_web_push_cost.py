"""What web push adds to the cost model, per 1,000 alarms and device (cost/web_push.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from vstarcam_tools.cost.web_push import MEASURED, per_thousand_alarms

from tests.unit.conftest import _no_network  # noqa: F401  (pure: no socket is opened)


def test_one_device_adds_under_a_cent_per_thousand_alarms_and_scales_with_devices() -> None:
    one, three = per_thousand_alarms(), per_thousand_alarms(devices=3)
    assert 0.005 < one["total"] < 0.01
    assert one["by_part"]["Push services"] == 0.0
    assert abs(three["total"] - 3 * one["total"]) < 0.0001
    assert one["counts"]["bytes_out_per_push"] == (
        MEASURED["encrypted_bytes"] + MEASURED["header_bytes"] + 1_000
    )


def test_the_cost_command_reports_it() -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "vstarcam_tools.cli", "cost", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(ran.stdout)["web_push_per_1000_alarms"] == per_thousand_alarms()
