"""``vstarcam-push cost``: the cost model for the fleet an installer describes, no AWS call."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from vstarcam_tools.cost.inputs import shipped
from vstarcam_tools.cost.model import Profile, model

from tests.tools.cli.conftest import Result


def test_cost_prints_the_estimate_by_service_and_per_camera(
    cli: Callable[..., Result], no_stack: None
) -> None:
    result = cli("cost", "--cameras", "1000")

    assert result.code == 0 and result.err == ""
    assert result.out.startswith("1,000 cameras, a heartbeat every 60 s, 10 alarms a day")
    assert "| API Gateway (HTTP API) |" in result.out
    assert "| DynamoDB writes |" in result.out
    estimate = model(shipped(), Profile(cameras=1000))
    assert f"**${estimate['total']:,.2f}**" in result.out


def test_cost_json_gives_the_numbers_the_bench_uses(
    cli: Callable[..., Result], no_stack: None
) -> None:
    result = cli(
        "cost", "--cameras", "250", "--heartbeat-time", "300", "--sms-per-day", "1", "--json"
    )

    document = json.loads(result.out)
    profile = Profile(cameras=250, heartbeat_time_s=300, sms_per_day=1)
    assert document["total"] == model(shipped(), profile)["total"]
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


def test_push_channels_cost_nothing_idle_and_the_refusals_alarm_is_the_only_alarm(
    cli: Callable[..., Result], no_stack: None
) -> None:
    """GIVEN a one-camera stack with the defaults, and one deployed with PushChannels=false
    and RefusalsAlarm=false
    THEN nothing polls a queue (the SQS line is the old queue's drain, one short receive
    every 5 minutes, under a cent) and the CloudWatch alarms line is the refusals alarm's
    one metric ($0.10), or nothing; the email-only stack has neither."""
    default = model(shipped(), Profile(cameras=1))["by_service"]
    bare = model(shipped(), Profile(cameras=1, push_channels=0, refusals_alarm=False))
    drain = "SQS (the old delivery queue's drain)"
    assert default[drain] == pytest.approx(288 * 30 * 0.40 / 1e6, abs=1e-5)
    assert default["EventBridge Scheduler (push retries)"] == 0
    assert bare["by_service"][drain] == 0
    assert default["CloudWatch alarms"] == pytest.approx(0.10)
    assert bare["by_service"]["CloudWatch alarms"] == 0
    assert shipped().alarm_metrics_for({"PushChannels": "true", "RefusalsAlarm": "false"}) == 0

    result = cli("cost", "--push-channels", "0", "--no-refusals-alarm", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["by_service"][drain] == 0


def test_an_alarm_reads_the_camera_consistently_twice_and_its_record_consistently_once() -> None:
    """The model's reads per alarm follow the code: the alarm's BatchGetItem (the camera
    consistently, 1 unit, its own record 0.5), the notifier's consistent GetItem (1), media
    processing's consistent GetItem (1), the Destinations Scan (0.5) with push channels; the
    one channel's delivery reads its destination and the alarm's media link (0.5 each)."""
    quiet = Profile(cameras=1000, alarms_per_day=0)
    busy = Profile(cameras=1000, alarms_per_day=10)
    reads = {
        profile: model(shipped(), profile)["by_service"]["DynamoDB reads"]
        for profile in (quiet, busy)
    }
    per_alarm = (reads[busy] - reads[quiet]) / 300_000 / (0.125 / 1e6)
    # 4 units in the alarm path, 0.5 + 0.5 for the one channel's GetItems.
    assert per_alarm == pytest.approx(5.0, abs=0.01)


def test_cost_shows_the_default_and_each_cheaper_choice_with_what_it_gives_up(
    cli: Callable[..., Result], no_stack: None
) -> None:
    """GIVEN a fleet of 1,000 cameras
    WHEN `vstarcam-push cost` runs
    THEN it prints the default stack by service with the always-free tiers as a second
    column, then every choice cheaper than the default with its price, what it gives up
    and the parameters to deploy it with (the provisioned units sized for the fleet)."""
    result = cli("cost", "--cameras", "1000", "--heartbeat-time", "60")

    assert result.code == 0, result.err
    out = result.out
    assert "| service | 1,000 cameras | per camera | with always-free tiers |" in out
    assert "With CameraEndpoint=HttpApi, CamerasCapacity=OnDemand:" in out
    for choice in ("FunctionUrl + Provisioned", "FunctionUrl + OnDemand", "HttpApi + Provisioned"):
        assert f"| {choice} | $" in out
        assert f"- {choice}: gives up " in out
    assert "| **HttpApi + OnDemand** (default) |" in out
    assert (
        "sam deploy --parameter-overrides CameraEndpoint=FunctionUrl "
        "CamerasCapacity=Provisioned CamerasWriteCapacity=19 CamerasMaxWriteCapacity=76 "
        "CamerasReadCapacity=4"
    ) in out
    # Cheapest first; the headline figures are without free tiers.
    assert out.index("| FunctionUrl + Provisioned |") < out.index("| FunctionUrl + OnDemand |")
    default = model(shipped(), Profile(cameras=1000))
    assert f"**${default['total']:,.2f}**" in out


def test_for_one_camera_the_provisioned_choices_are_dearer_and_named_so(
    cli: Callable[..., Result], no_stack: None
) -> None:
    result = cli("cost")

    assert "| FunctionUrl + OnDemand | $" in result.out
    assert "| HttpApi + Provisioned |" not in result.out
    assert "Dearer than the default for 1 camera: " in result.out


def test_cost_prices_a_chosen_stack_and_gives_every_choice_in_json(
    cli: Callable[..., Result], no_stack: None
) -> None:
    result = cli(
        "cost",
        "--cameras",
        "1000",
        "--camera-endpoint",
        "FunctionUrl",
        "--cameras-capacity",
        "Provisioned",
        "--json",
    )

    document = json.loads(result.out)
    assert document["choices"] == {
        "CameraEndpoint": "FunctionUrl",
        "CamerasCapacity": "Provisioned",
    }
    assert document["by_service"]["API Gateway (HTTP API)"] < 0.01
    assert document["provisioned_units"]["CamerasWriteCapacity"] == 19
    assert len(document["choices_compared"]) == 4
    assert document["free_tier"]["dynamodb_wcu"]["amount"] == 25
