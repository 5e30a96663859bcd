"""template.yaml's CamerasCapacity: the Cameras table on demand (the default) or on provisioned
write units with auto scaling, and the SDK retries of the two camera functions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from vstarcam_tools.template import PROJECT_ROOT, TEMPLATE_PATH
from vstarcam_tools.template import Stack as _Stack

from tests.conftest import shared_template


def Stack(overrides: dict[str, str] | None = None) -> _Stack:
    """The template's stack with ``overrides``, from the session's parsed template."""
    return _Stack(overrides=overrides or {}, template=shared_template())


PROVISIONED = {
    "CamerasCapacity": "Provisioned",
    "CamerasWriteCapacity": "24",
    "CamerasMaxWriteCapacity": "96",
    "CamerasReadCapacity": "4",
}
SCALING_TYPES = (
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
)


def test_by_default_the_cameras_table_is_on_demand_without_auto_scaling() -> None:
    stack = Stack()
    table = stack.properties("CamerasTable")
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert "ProvisionedThroughput" not in table
    for type_ in SCALING_TYPES:
        assert stack.resources(type_) == {}


def test_provisioned_cameras_table_has_the_floor_and_the_read_units() -> None:
    """GIVEN CamerasCapacity=Provisioned and the fleet's units
    THEN the table starts at the write floor and has the fixed read units; the tables an
    alarm's own record and the push deliveries go to stay on demand."""
    stack = Stack(overrides=PROVISIONED)
    table = stack.properties("CamerasTable")
    assert table["BillingMode"] == "PROVISIONED"
    assert table["ProvisionedThroughput"] == {"ReadCapacityUnits": "4", "WriteCapacityUnits": "24"}
    for other in ("AlarmsTable", "DestinationsTable", "DeliveriesTable"):
        assert stack.properties(other)["BillingMode"] == "PAY_PER_REQUEST"


def test_provisioned_write_units_follow_the_load_between_the_floor_and_the_ceiling() -> None:
    """Auto scaling tracks 90 % use of the write units, DynamoDB's highest target (the floor
    is sized at 90 % too: the steady heartbeats sit at the target, so it scales out only
    for a fleet that grew), between CamerasWriteCapacity and CamerasMaxWriteCapacity; the
    read units are fixed."""
    stack = Stack(overrides=PROVISIONED)
    (target_id,) = stack.resources("AWS::ApplicationAutoScaling::ScalableTarget")
    target = stack.properties(target_id)
    assert target == {
        "ServiceNamespace": "dynamodb",
        "ResourceId": f"table/{stack.physical_name('CamerasTable')}",
        "ScalableDimension": "dynamodb:table:WriteCapacityUnits",
        "MinCapacity": "24",
        "MaxCapacity": "96",
    }
    (policy_id,) = stack.resources("AWS::ApplicationAutoScaling::ScalingPolicy")
    policy = stack.properties(policy_id)
    assert policy["PolicyType"] == "TargetTrackingScaling"
    assert policy["ScalingTargetId"] == stack.physical_name(target_id)
    tracking = policy["TargetTrackingScalingPolicyConfiguration"]
    assert tracking == {
        "TargetValue": 90,
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "DynamoDBWriteCapacityUtilization"
        },
    }


def test_the_capacity_parameters_are_bounded_as_dynamodb_allows() -> None:
    stack = Stack()
    for name in ("CamerasWriteCapacity", "CamerasMaxWriteCapacity", "CamerasReadCapacity"):
        spec = stack.template["Parameters"][name]
        assert spec["Type"] == "Number"
        assert spec["MinValue"] == 1
    assert stack.template["Parameters"]["CamerasCapacity"]["AllowedValues"] == [
        "OnDemand",
        "Provisioned",
    ]
    with pytest.raises(ValueError, match="allowed values"):
        Stack(overrides={"CamerasCapacity": "provisioned"})
    with pytest.raises(ValueError, match="below its minimum"):
        Stack(overrides={"CamerasWriteCapacity": "0"})


def test_the_camera_functions_retry_a_throttled_call_within_their_timeouts() -> None:
    """A throttled heartbeat is tried twice (then 503: the next heartbeat is the retry); an
    alarm four times, over at most 1 + 2 + 4 s of jittered waits, inside its 29 s timeout
    (the SDK's default for DynamoDB, 10 tries over up to 25 s, could end in the timeout)."""
    resources = Stack().template["Resources"]
    heartbeat = resources["HeartbeatFunction"]["Properties"]["Environment"]["Variables"]
    assert heartbeat["AWS_RETRY_MODE"] == "standard"
    assert heartbeat["AWS_MAX_ATTEMPTS"] == "2"
    alarm = resources["AlarmFunction"]["Properties"]
    assert alarm["Environment"]["Variables"]["AWS_RETRY_MODE"] == "standard"
    assert alarm["Environment"]["Variables"]["AWS_MAX_ATTEMPTS"] == "4"
    assert alarm["Timeout"] > 1 + 2 + 4


@pytest.mark.slow
@pytest.mark.parametrize("capacity", ["OnDemand", "Provisioned"])
def test_cfn_lint_passes_with_each_capacity(capacity: str) -> None:
    """``sam validate --lint`` checks the template with its defaults; cfn-lint checks it
    (through the SAM transform) with each value of the parameter."""
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run(
        [str(cfn_lint), str(TEMPLATE_PATH), "--parameters", f"CamerasCapacity={capacity}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
