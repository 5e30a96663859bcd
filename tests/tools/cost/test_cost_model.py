"""The cost model behind vstarcam-push cost, make bench and the chart in docs/."""

from __future__ import annotations

from dataclasses import replace

from vstarcam_tools.cost.inputs import shipped
from vstarcam_tools.cost.model import Profile, model, summary
from vstarcam_tools.cost.prices import PRICES

from tests.unit.conftest import _no_network  # noqa: F401  (pure: no socket is opened)

INPUTS = shipped()


def test_the_heartbeat_floor_is_in_the_estimate_and_a_fleet_shares_the_stack() -> None:
    """GIVEN the goal's profile
    THEN a camera in a fleet of 1,000 costs at least the heartbeat's floor (an HTTP API
    request, a Lambda request and a write unit each minute), and less than one alone,
    whose stack-wide lines (the sweep, the CloudWatch alarm) it shares."""
    one = model(INPUTS, Profile(cameras=1))
    fleet = model(INPUTS, Profile(cameras=1000))

    floor = 43_200 * (1.00 + 0.20 + 0.625) / 1e6
    assert fleet["heartbeat_floor_per_camera_month"] == round(floor, 5)
    assert floor < fleet["per_camera_month"] < one["per_camera_month"]
    assert fleet["by_service"]["CloudWatch alarms"] == one["by_service"]["CloudWatch alarms"]


def test_a_longer_heartbeat_time_costs_less_and_sms_costs_extra() -> None:
    often = model(INPUTS, Profile(cameras=100, heartbeat_time_s=60))
    rarely = model(INPUTS, Profile(cameras=100, heartbeat_time_s=300))
    texting = model(INPUTS, Profile(cameras=100, sms_per_day=2))

    assert rarely["total"] < often["total"]
    assert texting["by_service"]["SNS SMS"] == round(100 * 2 * 30 * 0.00581, 5)


def test_the_inputs_price_what_they_say() -> None:
    """A heartbeat measured at 3 write units costs three times the writes of one at 1."""
    one_unit = replace(INPUTS, write_units={**INPUTS.write_units, "heartbeat": 1})
    three = replace(INPUTS, write_units={**INPUTS.write_units, "heartbeat": 3})
    quiet = Profile(cameras=10, alarms_per_day=0)

    writes = [model(inputs, quiet)["by_service"]["DynamoDB writes"] for inputs in (one_unit, three)]
    assert writes[1] == 3 * writes[0]
    assert model(three, quiet)["write_units"]["heartbeat"] == 3


def test_every_price_says_where_it_comes_from() -> None:
    for name, price in PRICES.items():
        assert price.source and price.unit, name
    document = summary(INPUTS)
    assert set(document) >= {"per_camera_month_1000", "total_1_camera", "total_1000_cameras"}
    assert document["prices"]["http_api_request"]["value"] == 1.00 / 1e6


def test_the_shipped_inputs_cover_every_switch_and_function_the_model_prices() -> None:
    """The package's inputs.json holds a count for each PushChannels/RefusalsAlarm pair and
    the memory of each function the model names."""
    for channels in (0, 1):
        for alarm in (True, False):
            profile = Profile(push_channels=channels, refusals_alarm=alarm)
            assert INPUTS.alarm_metrics_for(profile.overrides) >= 1
    assert {"HeartbeatFunction", "AlarmFunction", "NotifyFunction"} <= set(INPUTS.memory_mb)
    assert 40 < INPUTS.access_log_bytes < 80
