"""Permissions proven here: every AWS call a function makes in any test is checked against that
function's role as `sam deploy` creates it (tests/conftest.py's autouse fixture, with
vstarcam_tools.dev.permissions); these tests hold the checker itself to IAM's rules and show that
a missing permission fails a test that names the function, the call and the statement."""

from __future__ import annotations

import copy
from typing import Any

import boto3
import pytest
from vstarcam_tools.dev.deployed import translate
from vstarcam_tools.dev.permissions import (
    Call,
    Checker,
    Request,
    Roles,
    Statement,
    evaluate,
    platform_calls,
)
from vstarcam_tools.template import Stack

from tests.conftest import (
    PERMISSIONS,
    REGION,
    VUID,
    heartbeat_event,
    invoke,
    load_function,
    register_camera,
)

TRANSLATED = translate()
ROLES = Roles(TRANSLATED)
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/vstarcam-push-camerastable"


def test_every_function_has_its_deployed_role() -> None:
    assert len(ROLES.functions) == 10
    for function in ROLES.functions:
        sources = {s.source.split("[")[0] for s in ROLES.statements(function)}
        assert f"{function}RolePolicy0" in sources
        assert "managed AWSLambdaBasicExecutionRole" in sources


def test_lambda_may_poll_each_event_source_and_dead_letter_its_failures() -> None:
    """GIVEN what Lambda does with a function's role for its events (read the subscribed
    streams, send a failed batch or invocation to the on-failure topic or queue)
    THEN the roles allow it, through the Deny fences around SAM's managed policies."""
    checker = Checker(ROLES)
    calls = platform_calls()
    for call in calls:
        checker.check(call)
    assert [v.message() for v in checker.violations] == []
    assert {c.function for c in calls} == {
        "NotifyFunction",
        "MediaProcessFunction",
        "DeliveryFunction",
        "DeliveryFailedFunction",
    }


def statement(effect: str = "Allow", **fields: Any) -> Statement:
    return Statement(effect=effect, source="test", **fields)


def test_the_evaluator_follows_iams_rules() -> None:
    get = Request("dynamodb:GetItem", TABLE)
    allow = statement(actions=("dynamodb:Get*",), resources=(TABLE,))
    other = statement(actions=("dynamodb:GetItem",), resources=(f"{TABLE}/index/*",))
    fence = statement("Deny", actions=("dynamodb:GetItem",), not_resources=(f"{TABLE}/index/*",))
    # Actions are case-insensitive; resources are not.
    assert evaluate([statement(actions=("DynamoDB:getitem",), resources=(TABLE,))], get).allowed
    assert not evaluate([statement(actions=("*",), resources=(TABLE.upper(),))], get).allowed
    assert evaluate([allow], get).allowed
    assert not evaluate([other], get).allowed
    assert evaluate([other], Request("dynamodb:GetItem", f"{TABLE}/index/byDay")).allowed
    # An explicit Deny (here by NotResource) wins over any Allow.
    decision = evaluate([allow, fence], get)
    assert not decision.allowed and decision.denied_by == fence
    assert (
        evaluate([allow, fence], Request("dynamodb:GetItem", f"{TABLE}/index/x")).allowed is False
    )
    # NotAction; "?" matches one character.
    assert evaluate([statement(not_actions=("s3:*",), resources=("*",))], get).allowed
    assert evaluate([statement(actions=("dynamodb:GetIte?",), resources=("*",))], get).allowed
    # A condition on a key not modelled: an Allow under it is not counted on, a Deny applies.
    unknown = (("StringEquals", "aws:PrincipalTag/team", ("a",)),)
    everything = {"actions": ("*",), "resources": ("*",)}
    assert not evaluate([statement(**everything, condition=unknown)], get).allowed
    assert not evaluate([allow, statement("Deny", **everything, condition=unknown)], get).allowed
    # A modelled key: every SDK request is over TLS.
    tls = (("Bool", "aws:SecureTransport", ("false",)),)
    assert evaluate([allow, statement("Deny", **everything, condition=tls)], get).allowed


def test_calls_become_the_requests_iam_authorizes() -> None:
    from vstarcam_tools.dev.permissions import requests_of

    transact = Call(
        "AlarmFunction",
        "dynamodb",
        "TransactWriteItems",
        {"TransactItems": [{"Put": {"TableName": "t1"}}, {"ConditionCheck": {"TableName": "t2"}}]},
    )
    assert [r.action for r in requests_of(transact)] == [
        "dynamodb:PutItem",
        "dynamodb:ConditionCheckItem",
    ]
    query = Call("X", "dynamodb", "Query", {"TableName": "t", "IndexName": "byDay"})
    assert requests_of(query)[0].resource.endswith(":table/t/index/byDay")
    delete = Call(
        "X", "s3", "DeleteObjects", {"Bucket": "b", "Delete": {"Objects": [{"Key": "k"}]}}
    )
    assert requests_of(delete) == [Request("s3:DeleteObject", "arn:aws:s3:::b/k")]
    head = Call("X", "s3", "HeadObject", {"Bucket": "b", "Key": "alarms/a.jpg"})
    assert requests_of(head) == [Request("s3:GetObject", "arn:aws:s3:::b/alarms/a.jpg")]
    send = Call(
        "X", "sqs", "SendMessageBatch", {"QueueUrl": "http://127.0.0.1:4566/123456789012/q"}
    )
    assert requests_of(send) == [Request("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q")]
    parameters = Call("X", "ssm", "GetParameters", {"Names": ["/s/notify/a", "/s/notify/b"]})
    assert [r.resource.rsplit(":", 1)[1] for r in requests_of(parameters)] == [
        "parameter/s/notify/a",
        "parameter/s/notify/b",
    ]


def test_the_delivery_path_may_invoke_schedule_and_pass_only_its_own_role() -> None:
    """The notifier invokes the delivery function (by name, as its environment gives it);
    the delivery function creates schedules in the stack's group only, passing the scheduler
    role (to Scheduler only), and no other role."""
    checker = Checker(ROLES)
    stack = Stack()
    function = stack.physical_name("DeliveryFunction")
    group = stack.physical_name("DeliverySchedules")
    role = stack.get_att("DeliverySchedulerRole", "Arn")
    allowed = [
        Call("NotifyFunction", "lambda", "Invoke", {"FunctionName": function}),
        Call(
            "DeliveryFunction",
            "scheduler",
            "CreateSchedule",
            {"Name": "push-1", "GroupName": group, "Target": {"RoleArn": role}},
        ),
    ]
    for call in allowed:
        checker.check(call)
    assert [v.message() for v in checker.violations] == []
    denied = [
        Call("NotifyFunction", "lambda", "Invoke", {"FunctionName": "another-function"}),
        Call("DeliveryFunction", "scheduler", "CreateSchedule", {"Name": "push-1"}),
        Call(
            "DeliveryFunction",
            "scheduler",
            "CreateSchedule",
            {"Name": "push-1", "GroupName": group, "Target": {"RoleArn": role + "-other"}},
        ),
    ]
    for call in denied:
        before = len(checker.violations)
        checker.check(call)
        assert len(checker.violations) == before + 1, call


def without_action(function: str, action: str) -> dict[str, Any]:
    """The translated template with ``action`` taken out of the function's own statements."""
    changed = copy.deepcopy(TRANSLATED)
    role = changed["Resources"][f"{function}Role"]["Properties"]
    for item in role["Policies"][0]["PolicyDocument"]["Statement"]:
        actions = item["Action"] if isinstance(item["Action"], list) else [item["Action"]]
        item["Action"] = [a for a in actions if a != action] or ["dynamodb:DescribeLimits"]
    return changed


def test_a_missing_permission_fails_naming_the_function_the_call_and_the_statement(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN the heartbeat function's role without dynamodb:UpdateItem
    WHEN a camera's heartbeat arrives (recorded as in every test)
    THEN the check names HeartbeatFunction, the UpdateItem call on the cameras table and the
    statement template.yaml would need."""
    register_camera(
        boto3.client("dynamodb", region_name=REGION), stack.physical_name("CamerasTable")
    )
    monkeypatch.setattr(
        PERMISSIONS, "_roles", Roles(without_action("HeartbeatFunction", "dynamodb:UpdateItem"))
    )
    before = len(PERMISSIONS.violations)
    try:
        handler = load_function(stack, "HeartbeatFunction", monkeypatch)
        assert invoke(handler, heartbeat_event({"vuid": VUID}))["statusCode"] == 200
        found = PERMISSIONS.violations[before:]
    finally:
        del PERMISSIONS.violations[before:]

    assert len(found) == 1
    assert found[0].message() == (
        "HeartbeatFunction calls dynamodb.UpdateItem, which AWS authorizes as "
        f"dynamodb:UpdateItem on {TABLE}, and no statement of its role allows it. "
        "In template.yaml its Policies would need:\n"
        "- Effect: Allow\n  Action: dynamodb:UpdateItem\n  Resource: !GetAtt CamerasTable.Arn"
    )


def test_a_call_a_deny_fence_stops_names_the_fence() -> None:
    """GIVEN the notifier's stream fence narrowed to the alarms stream
    THEN Lambda's read of the cameras stream is reported as denied by that statement."""
    changed = copy.deepcopy(TRANSLATED)
    role = changed["Resources"]["NotifyFunctionRole"]["Properties"]["Policies"][0]
    fence = role["PolicyDocument"]["Statement"][1]
    fence["NotResource"] = fence["NotResource"][:1]
    checker = Checker(Roles(changed))
    for call in platform_calls():
        checker.check(call)
    messages = [v.message() for v in checker.violations]
    assert messages and all(m.startswith("NotifyFunction calls dynamodbstreams.") for m in messages)
    assert "its statement NotifyFunctionRolePolicy0[1] denies it" in messages[0]
    assert "vstarcam-push-camerastable/stream/" in messages[0]
    assert messages[0].endswith("Resource: !GetAtt CamerasTable.StreamArn")


def test_the_console_may_create_the_push_key_secret_but_never_overwrite_it() -> None:
    """GIVEN the console API's Deny of PutParameter with ssm:Overwrite "true"
    THEN creating the secret (no Overwrite, or Overwrite=False) is allowed, and an overwrite
    is reported as denied by that statement."""
    name = "/vstarcam-push/push-key-secret"
    checker = Checker(ROLES)
    for params in ({"Name": name}, {"Name": name, "Overwrite": False}):
        assert checker.check(Call("ConsoleApiFunction", "ssm", "PutParameter", params)) == []
    (denied,) = checker.check(
        Call("ConsoleApiFunction", "ssm", "PutParameter", {"Name": name, "Overwrite": True})
    )
    assert denied.decision.denied_by is not None
    assert '"ssm:Overwrite": "true"' in denied.message()


def test_web_push_grants_reach_web_push_devices_and_the_vapid_key_only() -> None:
    """GIVEN the console API's and the delivery function's web push statements
    THEN the console may make the VAPID key but never replace it, and write or delete the
    secrets of webpush-* devices but never another channel's; the delivery function may
    read the key, never write it, and delete only web push devices' secrets."""
    checker = Checker(ROLES)
    key = "/vstarcam-push/webpush-vapid-key"
    device = "/vstarcam-push/notify/webpush-0123456789abcdef0123/endpoint"
    telegram = "/vstarcam-push/notify/phone/token"
    allowed = [
        Call("ConsoleApiFunction", "ssm", "PutParameter", {"Name": key}),
        Call("ConsoleApiFunction", "ssm", "GetParameter", {"Name": key}),
        Call("ConsoleApiFunction", "ssm", "PutParameter", {"Name": device, "Overwrite": True}),
        Call("ConsoleApiFunction", "ssm", "DeleteParameters", {"Names": [device]}),
        Call("DeliveryFunction", "ssm", "GetParameter", {"Name": key}),
        Call("DeliveryFunction", "ssm", "DeleteParameters", {"Names": [device]}),
    ]
    for call in allowed:
        assert checker.check(call) == [], call
    refused = [
        Call("ConsoleApiFunction", "ssm", "PutParameter", {"Name": key, "Overwrite": True}),
        Call("ConsoleApiFunction", "ssm", "PutParameter", {"Name": telegram, "Overwrite": True}),
        Call("ConsoleApiFunction", "ssm", "DeleteParameters", {"Names": [telegram]}),
        Call("ConsoleApiFunction", "ssm", "GetParameters", {"Names": [device]}),
        Call("DeliveryFunction", "ssm", "PutParameter", {"Name": key}),
        Call("DeliveryFunction", "ssm", "DeleteParameters", {"Names": [telegram]}),
    ]
    for call in refused:
        assert checker.check(call) != [], call


def test_needed_statements_are_written_in_the_templates_terms() -> None:
    from vstarcam_tools.dev.permissions import needed_statement

    resources = TRANSLATED["Resources"]
    cases = {
        "arn:aws:dynamodb:us-east-1:123456789012:table/s-alarmstable/index/byDay": (
            '!Sub "${AlarmsTable.Arn}/index/byDay"'
        ),
        "arn:aws:s3:::s-mediabucket/alarms/VE/1.jpg": "!Sub ${MediaBucket.Arn}/alarms/*",
        "arn:aws:sns:us-east-1:123456789012:s-alarmtopic": "!Ref AlarmTopic",
        "arn:aws:sqs:us-east-1:123456789012:s-deliveryqueue": "!GetAtt DeliveryQueue.Arn",
        "arn:aws:ssm:us-east-1:123456789012:parameter/s/push-key-secret": (
            "!Sub arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/"
            "${AWS::StackName}/push-key-secret"
        ),
    }
    for arn, written in cases.items():
        assert needed_statement(Request("x:Y", arn), "s", resources).endswith(
            f"Resource: {written}"
        ), arn


def test_permissions_no_call_used_are_reported_per_function() -> None:
    """GIVEN only the heartbeat's UpdateItem recorded
    THEN its PutItem (kept for the pending-camera transaction) is reported unused, logs are
    not (Lambda writes them), and functions without calls are not judged."""
    checker = Checker(ROLES)
    checker.check(
        Call("HeartbeatFunction", "dynamodb", "UpdateItem", {"TableName": TABLE.rsplit("/", 1)[1]})
    )
    assert checker.unused() == {"HeartbeatFunction": [f"dynamodb:PutItem on {TABLE}"]}
