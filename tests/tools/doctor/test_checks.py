"""The doctor's checks as functions, without a running stack: the no-spam filter policies
the template gives (applied by moto's own matcher), the bucket's TLS statement, the
template version, the throttle estimate and the test camera's vuid."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws
from vstarcam_push.models.alarm_types import AlarmType
from vstarcam_push.models.doctor_camera import (
    TEST_ATTRIBUTE,
    is_probe,
    probe_attributes,
    pushes_to_channels,
)
from vstarcam_push.notify.messages import Notification
from vstarcam_tools.doctor import guards
from vstarcam_tools.doctor.context import DoctorContext
from vstarcam_tools.doctor.stack import cli_template_version, version_tuple
from vstarcam_tools.doctor.temporary import new_probe_vuid
from vstarcam_tools.local import inbox
from vstarcam_tools.provision import create_resources
from vstarcam_tools.template import Stack, load_template

REGION = "us-east-1"
EMAIL, PHONE = "owner@example.com", "+14155550100"


def _alarm(vuid: str, code: int) -> Notification:
    return Notification(
        event="alarm",
        vuid=vuid,
        subject="s",
        sms="sms",
        email="email",
        attributes={"alarmType": AlarmType(code).hex},
    )


def _reached(
    overrides: dict[str, str], notification: Notification | None, topic_name: str = "AlarmTopic"
) -> set[str]:
    """Who the message reaches (moto's filter matching, with AWS's rule for attribute-less
    messages) on the stack's ``topic_name``, for a stack with ``overrides``."""
    with mock_aws():
        stack = Stack(
            region=REGION,
            overrides={"NotificationEmail": EMAIL, "NotificationPhone": PHONE, **overrides},
        )
        session = boto3.Session(region_name=REGION)
        create_resources(stack, session)
        from moto.sns.models import sns_backends

        backend = sns_backends[stack.account][REGION]
        topic = stack.refs[topic_name]
        if notification is None:
            # The stack's messages about itself (a CloudWatch alarm's, a failed stream batch's
            # or invocation's record, a push destination's give-up): no message attributes.
            message, attributes = "ALARM: ApiRefusalsAlarm", {}
        else:
            request = notification.publish_request(topic)
            message = request["Message"]
            attributes = {
                name: {"Type": "String", "Value": value["StringValue"]}
                for name, value in request["MessageAttributes"].items()
            }
        return {d.protocol for d in inbox.people_reached(backend, topic, message, attributes)}


@pytest.mark.parametrize("sms_types", ["", "0x12,0x26"])
def test_the_doctors_alarm_reaches_neither_email_nor_sms(sms_types: str) -> None:
    """GIVEN the template's subscriptions, with and without an SMS alarm-type filter that
    lets motion through THEN a motion alarm of the doctor's test camera reaches nobody."""
    assert _reached({"SmsAlarmTypes": sms_types}, _alarm(new_probe_vuid(), 0x12)) == set()


@pytest.mark.parametrize(
    ("sms_types", "code", "reached"),
    [
        ("", 0x12, {"email", "sms"}),
        ("0x12,0x26", 0x12, {"email", "sms"}),
        ("0x26", 0x12, {"email"}),
    ],
)
def test_real_alarms_still_reach_email_and_the_chosen_sms_types(
    sms_types: str, code: int, reached: set[str]
) -> None:
    """The test filter is combined with the alarm-type filter (both must match), not in place
    of it: real alarms are routed exactly as before."""
    assert _reached({"SmsAlarmTypes": sms_types}, _alarm("VE0005622QHOW", code)) == reached


def test_the_stacks_messages_about_itself_reach_people_through_the_operations_topic() -> None:
    """A CloudWatch alarm message has no attributes, nor has a failed stream batch's or
    invocation's record or a push destination's give-up, and SNS matches such a message
    against no filter policy: on the filtered alarm topic it would reach nobody, so they all
    go to the unfiltered operations topic (SMS only when SMS is not limited to some alarm
    types, as before)."""
    assert props_alarm_actions() == [{"Ref": "OperationsTopic"}]
    resources = load_template()["Resources"]
    for event in resources["NotifyFunction"]["Properties"]["Events"].values():
        on_failure = event["Properties"]["DestinationConfig"]["OnFailure"]
        assert on_failure["Destination"] == {"Ref": "OperationsTopic"}
    # A failed delivery invocation's record goes to the function that tells the owner in
    # one sentence, on the operations topic.
    delivery = resources["DeliveryFunction"]["Properties"]
    on_failure = delivery["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
    assert on_failure["Destination"] == {"Fn::GetAtt": ["DeliveryFailedFunction", "Arn"]}
    for function in ("DeliveryFunction", "DeliveryFailedFunction"):
        variables = resources[function]["Properties"]["Environment"]["Variables"]
        assert variables["OPERATIONS_TOPIC_ARN"] == {"Ref": "OperationsTopic"}
    assert _reached({}, None, "AlarmTopic") == set()
    assert _reached({}, None, "OperationsTopic") == {"email", "sms"}
    assert _reached({"SmsAlarmTypes": "0x26"}, None, "OperationsTopic") == {"email"}


def props_alarm_actions() -> list[object]:
    return list(load_template()["Resources"]["ApiRefusalsAlarm"]["Properties"]["AlarmActions"])


def test_only_test_cameras_notifications_carry_the_test_attribute() -> None:
    vuid = new_probe_vuid()
    assert is_probe(vuid)
    assert len(vuid) == 18 and vuid.isalnum() and vuid.isupper()
    assert probe_attributes(vuid) == {TEST_ATTRIBUTE: "vstarcam-push doctor"}
    for real in ("VE0005622QHOW", "DOCTOR", "DOCTOR12345", "doctor1234567890ab", vuid + "0"):
        assert probe_attributes(real) == {}
    channels_vuid = new_probe_vuid(channels=True)
    assert is_probe(channels_vuid) and channels_vuid.startswith("DOCTORPUSH")
    assert probe_attributes(channels_vuid) == probe_attributes(vuid)
    assert pushes_to_channels("VE0005622QHOW") and pushes_to_channels(channels_vuid)
    assert not pushes_to_channels(vuid)
    attributes = _alarm(vuid, 0x12).publish_request("arn")["MessageAttributes"]
    assert attributes[TEST_ATTRIBUTE] == {
        "DataType": "String",
        "StringValue": "vstarcam-push doctor",
    }


def test_filters_out_tests_reads_the_subscription_attributes() -> None:
    policy = json.dumps({"alarmType": ["0x26"], TEST_ATTRIBUTE: [{"exists": False}]})
    assert guards.filters_out_tests({"FilterPolicy": policy})
    assert not guards.filters_out_tests({"FilterPolicy": json.dumps({"alarmType": ["0x26"]})})
    assert not guards.filters_out_tests({})
    assert not guards.filters_out_tests(
        {"FilterPolicy": policy, "FilterPolicyScope": "MessageBody"}
    )


class _S3:
    """Just enough of an S3 client for the TLS check."""

    class exceptions:
        ClientError = RuntimeError

    def __init__(self, statements: list[dict[str, Any]]) -> None:
        self.policy = json.dumps({"Statement": statements})

    def get_bucket_policy(self, Bucket: str) -> dict[str, str]:
        return {"Policy": self.policy}


def _context(s3: Any, local: bool = False) -> DoctorContext:
    context = DoctorContext(
        session=SimpleNamespace(region_name=REGION), stack_name="s", local=local
    )
    context._clients["s3"] = s3
    context.outputs = SimpleNamespace(media_bucket="bucket")  # type: ignore[assignment]
    return context


def test_the_tls_check_wants_the_templates_deny_statement() -> None:
    template_statement = Stack().properties("MediaBucketPolicy")["PolicyDocument"]["Statement"]
    assert guards.check_tls_only(_context(_S3(template_statement))).status == "ok"
    allow = [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]
    result = guards.check_tls_only(_context(_S3(allow)))
    assert result.status == "failed"
    assert "MediaBucketPolicy" in result.fix
    assert guards.check_tls_only(_context(_S3([]), local=True)).status == "skipped"


def test_the_templateversion_tuple_is_the_packages_and_compares_numerically() -> None:
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[3] / "pyproject.toml").read_text())
    assert cli_template_version() == pyproject["project"]["version"]
    assert load_template()["Outputs"]["TemplateVersion"]["Value"] == cli_template_version()
    assert version_tuple("0.10.0") > version_tuple("0.9.1")
    assert version_tuple("not a version") < version_tuple("0.1.0")


def test_a_check_whose_aws_call_is_refused_fails_alone_with_the_reason() -> None:
    """One missing permission is that check's failure, not the end of the run."""
    from botocore.exceptions import ClientError
    from vstarcam_tools.doctor.runner import guarded

    def refused() -> Any:
        raise ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "GetPublicAccessBlock"
        )

    result = guarded("bucket public access", refused)
    assert (result.check, result.status) == ("bucket public access", "failed")
    assert "AccessDenied" in result.detail
    assert "Permissions" in result.fix


def test_with_function_urls_there_is_no_route_throttle_to_outgrow() -> None:
    context = DoctorContext(session=SimpleNamespace(region_name=REGION), stack_name="s")
    context.parameters = {"CameraEndpoint": "FunctionUrl", "ThrottlingRateLimit": "1"}
    result = guards.check_throttling(context)
    assert result.status == "ok"
    assert "CameraEndpoint=FunctionUrl" in result.detail


def test_the_media_links_start_at_the_api_when_the_cameras_push_to_function_urls() -> None:
    """The doctor checks an email's media link against the API (ConsoleUrl), not against
    the alarm function's own URL."""
    context = DoctorContext(session=SimpleNamespace(region_name=REGION), stack_name="s")
    context.outputs = SimpleNamespace(  # type: ignore[assignment]
        alarm_url="https://abc.lambda-url.us-east-1.on.aws/alarm",
        raw={"ConsoleUrl": "https://api1.execute-api.us-east-1.amazonaws.com/"},
    )
    assert context.api_url == "https://api1.execute-api.us-east-1.amazonaws.com"
    context.outputs = SimpleNamespace(  # type: ignore[assignment]
        alarm_url="https://api1.execute-api.us-east-1.amazonaws.com/alarm", raw={}
    )
    assert context.api_url == "https://api1.execute-api.us-east-1.amazonaws.com"


def test_the_capacity_check_warns_when_the_fleet_outgrows_the_write_ceiling() -> None:
    """CamerasCapacity=Provisioned: 300 cameras reported offline after 180 s send about 5
    heartbeats a second, 6 units at 90 % use: over a ceiling of 4, within one of 8."""
    context = DoctorContext(session=SimpleNamespace(region_name=REGION), stack_name="s")
    context.outputs = SimpleNamespace(offline_after_seconds=180)  # type: ignore[assignment]
    context._fleet = [
        SimpleNamespace(vuid=f"VE{n:07d}ABCD", offline_after=None) for n in range(300)
    ]
    context.parameters = {
        "CamerasCapacity": "Provisioned",
        "CamerasWriteCapacity": "1",
        "CamerasMaxWriteCapacity": "4",
    }
    over = guards.check_capacity(context)
    assert over.status == "warning"
    assert "CamerasWriteCapacity=6 CamerasMaxWriteCapacity=24" in over.fix
    context.parameters["CamerasMaxWriteCapacity"] = "8"
    assert guards.check_capacity(context).status == "ok"
    context.parameters = {"CamerasCapacity": "OnDemand"}
    assert "on demand" in guards.check_capacity(context).detail
