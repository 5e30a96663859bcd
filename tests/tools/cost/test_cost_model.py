"""The cost model behind vstarcam-push cost, make bench and the chart in docs/."""

from __future__ import annotations

from dataclasses import replace

import pytest
from vstarcam_tools.cost.inputs import shipped
from vstarcam_tools.cost.model import Profile, choices, model, provisioned_units, summary, usage
from vstarcam_tools.cost.prices import PRICE, PRICES

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
            # The refusals alarm is the stack's only CloudWatch alarm (issue 22).
            assert INPUTS.alarm_metrics_for(profile.overrides) == (1 if alarm else 0)
    assert {"HeartbeatFunction", "AlarmFunction", "NotifyFunction"} <= set(INPUTS.memory_mb)
    assert 40 < INPUTS.access_log_bytes < 80


# -- the stack's choices (issue 22) -------------------------------------------------------

CHOICES = [
    Profile(cameras=1000, camera_endpoint=endpoint, cameras_capacity=capacity)
    for endpoint in ("HttpApi", "FunctionUrl")
    for capacity in ("OnDemand", "Provisioned")
]


def test_the_templates_capacity_defaults_are_the_goal_fleets_units() -> None:
    """The template's CamerasWriteCapacity, CamerasMaxWriteCapacity and CamerasReadCapacity
    defaults are what the model sizes for 1,000 cameras every 60 s: the camera writes a
    second at 90 % use, four times that, and a read unit per 300 cameras."""
    from vstarcam_tools.template import load_template

    units = provisioned_units(INPUTS, Profile(cameras=1000))
    parameters = load_template()["Parameters"]
    for name in ("CamerasWriteCapacity", "CamerasMaxWriteCapacity", "CamerasReadCapacity"):
        assert parameters[name]["Default"] == units[name], name
    assert units["writes_per_second"] == pytest.approx(1000 / 60 + 2 * 1000 * 10 / 86_400, 0.01)
    assert units["CamerasWriteCapacity"] == 19
    assert units["burst_reserve_writes"] == 300 * 19


def test_provisioned_capacity_prices_the_cameras_tables_units_instead_of_its_requests() -> None:
    """On Provisioned, the Cameras table's writes and reads leave the on-demand lines and its
    units are billed by the hour (whether used or not), with the four auto scaling alarms;
    the other tables stay on demand."""
    on_demand = model(INPUTS, Profile(cameras=1000))
    provisioned = model(INPUTS, Profile(cameras=1000, cameras_capacity="Provisioned"))
    units = provisioned["provisioned_units"]

    hourly = 720 * (
        units["CamerasWriteCapacity"] * PRICE["dynamodb_wcu_hour"]
        + units["CamerasReadCapacity"] * PRICE["dynamodb_rcu_hour"]
    )
    assert provisioned["by_service"]["DynamoDB provisioned capacity"] == round(hourly, 5)
    heartbeat_writes = 1000 * 43_200 * PRICE["dynamodb_write_unit"]
    saved = (
        on_demand["by_service"]["DynamoDB writes"] - provisioned["by_service"]["DynamoDB writes"]
    )
    assert saved > heartbeat_writes
    alarms = (
        provisioned["by_service"]["CloudWatch alarms"]
        - on_demand["by_service"]["CloudWatch alarms"]
    )
    assert alarms == pytest.approx(4 * PRICE["cloudwatch_alarm_month"])
    assert on_demand["provisioned_units"] is None


def test_function_urls_take_the_cameras_requests_off_the_api_and_its_access_log() -> None:
    api = model(INPUTS, Profile(cameras=1000))
    urls = model(INPUTS, Profile(cameras=1000, camera_endpoint="FunctionUrl"))

    console_requests = 4 * 10 * 30
    assert urls["by_service"]["API Gateway (HTTP API)"] == round(
        console_requests * PRICE["http_api_request"], 5
    )
    assert urls["by_service"]["Lambda requests"] == api["by_service"]["Lambda requests"]
    assert urls["by_service"]["CloudWatch Logs"] < api["by_service"]["CloudWatch Logs"] / 4


@pytest.mark.parametrize(
    "profile", CHOICES, ids=lambda p: f"{p.camera_endpoint}-{p.cameras_capacity}"
)
def test_a_heartbeat_is_one_write_unit_and_no_read_on_every_choice(profile: Profile) -> None:
    """The heartbeat's own cost on each choice: one Lambda request, one write unit (a unit
    of provisioned capacity, or an on-demand write) and no read; an idle fleet of cameras
    that only send heartbeats reads the table only for the sweep and the console."""
    quiet = replace(profile, alarms_per_day=0)
    used = usage(INPUTS, quiet)
    assert used.camera_writes == used.heartbeats * INPUTS.write_units["heartbeat"]
    assert INPUTS.write_units["heartbeat"] == 1
    assert used.camera_reads == used.sweeps * used.scan_read_units + used.console_views * (
        used.scan_read_units + 50 * 0.5
    )


def test_the_always_free_tiers_are_a_second_column_never_above_the_headline() -> None:
    for profile in [Profile(cameras=1), *CHOICES]:
        estimate = model(INPUTS, profile)
        assert estimate["total_free_tier"] <= estimate["total"]
        for name, value in estimate["by_service_free_tier"].items():
            assert value <= estimate["by_service"][name] + 1e-9, name
    # 19 write units and 4 read units are inside the 25 and 25 that are always free.
    cheapest = model(INPUTS, CHOICES[3])
    assert cheapest["by_service_free_tier"]["DynamoDB provisioned capacity"] == 0


def test_every_choice_is_priced_side_by_side_cheapest_first() -> None:
    rows = choices(INPUTS, Profile(cameras=1000))

    assert [row["total"] for row in rows] == sorted(row["total"] for row in rows)
    assert [row["choice"] for row in rows if row["default"]] == ["HttpApi + OnDemand"]
    cheapest = rows[0]
    assert cheapest["choice"] == "FunctionUrl + Provisioned"
    assert cheapest["parameters"]["CamerasWriteCapacity"] == "19"
    assert "route throttling" in cheapest["gives_up"] and "503" in cheapest["gives_up"]
    # For one camera, the hourly units and their alarms are dearer than on-demand writes.
    one = {row["choice"]: row["total"] for row in choices(INPUTS, Profile(cameras=1))}
    assert one["HttpApi + Provisioned"] > one["HttpApi + OnDemand"]
