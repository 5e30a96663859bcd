"""Stack outputs: how every tool finds the tables, bucket, topic and camera URLs.

A deployed stack's outputs come from CloudFormation. The local stack
publishes the same outputs as a CloudFormation stack in moto, so the CLI
reads both the same way, through ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any

REQUIRED_OUTPUTS = (
    "HeartbeatUrl",
    "AlarmUrl",
    "CamerasTableName",
    "AlarmsTableName",
    "MediaBucketName",
    "AlarmTopicArn",
)


class StackNotFound(Exception):
    pass


@dataclass(frozen=True)
class StackOutputs:
    heartbeat_url: str
    alarm_url: str
    cameras_table: str
    alarms_table: str
    media_bucket: str
    topic_arn: str
    retention_days: int
    offline_after_seconds: int
    raw: dict[str, str]
    # Only stacks deployed with PlainHttpFrontDoor=true have these.
    plain_http_heartbeat_url: str | None = None
    plain_http_alarm_url: str | None = None
    # Stacks deployed before the audit trail have no audit table.
    audit_table: str | None = None

    @classmethod
    def from_dict(cls, outputs: dict[str, str]) -> StackOutputs:
        missing = [name for name in REQUIRED_OUTPUTS if name not in outputs]
        if missing:
            raise StackNotFound(f"stack outputs lack {', '.join(missing)}")
        return cls(
            heartbeat_url=outputs["HeartbeatUrl"],
            alarm_url=outputs["AlarmUrl"],
            cameras_table=outputs["CamerasTableName"],
            alarms_table=outputs["AlarmsTableName"],
            media_bucket=outputs["MediaBucketName"],
            topic_arn=outputs["AlarmTopicArn"],
            # Defaults are the template's, for stacks deployed before these outputs existed.
            retention_days=int(outputs.get("RetentionDays", "30")),
            offline_after_seconds=int(outputs.get("OfflineAfterSeconds", "180")),
            raw=dict(outputs),
            plain_http_heartbeat_url=outputs.get("PlainHttpHeartbeatUrl"),
            plain_http_alarm_url=outputs.get("PlainHttpAlarmUrl"),
            audit_table=outputs.get("AuditTableName"),
        )


def read_outputs(cloudformation: Any, stack_name: str) -> StackOutputs:
    """The outputs of ``stack_name``; ``StackNotFound`` if there is no such stack."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except cloudformation.exceptions.ClientError as error:
        if "does not exist" in str(error):
            raise StackNotFound(f"no stack named {stack_name!r}") from error
        raise
    if not stacks:
        raise StackNotFound(f"no stack named {stack_name!r}")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    return StackOutputs.from_dict(outputs)


def publish_outputs(
    cloudformation: Any,
    stack_name: str,
    outputs: dict[str, str],
    parameters: dict[str, str] | None = None,
) -> None:
    """Create a CloudFormation stack (in moto) whose only content is ``outputs``.

    ``parameters`` (the template's, as resolved) are the stack's parameters too, so
    ``describe_stacks`` shows them as it does for a deployed stack (``doctor`` reads them).
    """
    parameters = parameters or {}
    body = {
        "Parameters": {name: {"Type": "String"} for name in parameters},
        # CloudFormation needs one resource; moto creates nothing for this one.
        "Resources": {"Outputs": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {name: {"Value": value} for name, value in outputs.items()},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        cloudformation.create_stack(
            StackName=stack_name,
            TemplateBody=json.dumps(body),
            Parameters=[
                {"ParameterKey": name, "ParameterValue": value}
                for name, value in parameters.items()
            ],
        )
