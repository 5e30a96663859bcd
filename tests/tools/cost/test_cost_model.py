"""The cost model behind make bench, vstarcam-push cost and the chart in docs/."""

from __future__ import annotations

from pathlib import Path

from vstarcam_tools.cost import model as costs
from vstarcam_tools.dev.bench import chart


def test_the_heartbeat_floor_is_in_the_estimate_and_a_fleet_shares_the_stack() -> None:
    """GIVEN the goal's profile
    THEN a camera in a fleet of 1,000 costs at least the heartbeat's floor (an HTTP API
    request, a Lambda request and a write unit each minute), and less than one alone,
    whose stack-wide lines (the sweep, the CloudWatch alarm) it shares."""
    one = costs.model({}, costs.Profile(cameras=1))
    fleet = costs.model({}, costs.Profile(cameras=1000))

    floor = 43_200 * (1.00 + 0.20 + 0.625) / 1e6
    assert fleet["heartbeat_floor_per_camera_month"] == round(floor, 5)
    assert floor < fleet["per_camera_month"] < one["per_camera_month"]
    assert fleet["by_service"]["CloudWatch alarms"] == one["by_service"]["CloudWatch alarms"]


def test_a_longer_heartbeat_time_costs_less_and_sms_costs_extra() -> None:
    often = costs.model({}, costs.Profile(cameras=100, heartbeat_time_s=60))
    rarely = costs.model({}, costs.Profile(cameras=100, heartbeat_time_s=300))
    texting = costs.model({}, costs.Profile(cameras=100, sms_per_day=2))

    assert rarely["total"] < often["total"]
    assert texting["by_service"]["SNS SMS"] == round(100 * 2 * 30 * 0.00581, 5)


def test_measured_write_units_replace_the_defaults() -> None:
    measured = {"write_units": {"heartbeat": {"units": 3}}}

    assert costs.model(measured, costs.Profile(cameras=10))["write_units"]["heartbeat"] == 3
    assert costs.model({}, costs.Profile(cameras=10))["write_units"]["heartbeat"] == 1


def test_every_price_says_where_it_comes_from() -> None:
    for name, price in costs.PRICES.items():
        assert price.source and price.unit, name
    summary = costs.summary({})
    assert set(summary) >= {"per_camera_month_1000", "total_1_camera", "total_1000_cameras"}
    assert summary["prices"]["http_api_request"]["value"] == 1.00 / 1e6


def test_the_access_log_line_is_measured_from_the_template() -> None:
    assert 40 < costs.access_log_bytes() < 80


def test_the_chart_is_drawn_as_a_png(tmp_path: Path) -> None:
    path = chart.draw({}, tmp_path / "cost.png")

    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
