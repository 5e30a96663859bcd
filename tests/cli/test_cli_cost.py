"""``vstarcam-push cost``: the cost model for the fleet an installer describes, no AWS call."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from vstarcam_tools.bench import costs

from tests.cli.conftest import Result


def test_cost_prints_the_estimate_by_service_and_per_camera(
    cli: Callable[..., Result], no_stack: None
) -> None:
    result = cli("cost", "--cameras", "1000")

    assert result.code == 0 and result.err == ""
    assert result.out.startswith("1,000 cameras, a heartbeat every 60 s, 10 alarms a day")
    assert "| API Gateway (HTTP API) |" in result.out
    assert "| DynamoDB writes |" in result.out
    estimate = costs.model(costs.load_results(), costs.Profile(cameras=1000))
    assert f"**${estimate['total']:,.2f}**" in result.out


def test_cost_json_gives_the_numbers_the_bench_uses(
    cli: Callable[..., Result], no_stack: None
) -> None:
    result = cli(
        "cost", "--cameras", "250", "--heartbeat-time", "300", "--sms-per-day", "1", "--json"
    )

    document = json.loads(result.out)
    profile = costs.Profile(cameras=250, heartbeat_time_s=300, sms_per_day=1)
    assert document["total"] == costs.model(costs.load_results(), profile)["total"]
    assert document["profile"]["heartbeat_time_s"] == 300
    assert document["by_service"]["SNS SMS"] > 0
    assert document["prices"]["dynamodb_write_unit"]["source"]


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--cameras", "0"], "0 must be at least 1"),
        (["--heartbeat-time", "5"], "5 must be at least 10 seconds"),
        (["--alarms-per-day", "-1"], "-1 must be at least 0"),
        (["--picture-kb", "x"], "'x' is not a number of KB"),
    ],
)
def test_cost_refuses_impossible_profiles_in_one_line(
    cli: Callable[..., Result], argv: list[str], fragment: str
) -> None:
    result = cli("cost", *argv)

    assert result.code == 2
    assert fragment in result.err
    assert "Traceback" not in result.err
