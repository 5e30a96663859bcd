"""The template's security resources: push key parameters, the plain-HTTP edge filter, the
refusals alarm, and the notifier's fenced stream access."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest
from vstarcam_tools.template import Stack, load_template

TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]


def props(logical_id: str) -> dict[str, Any]:
    return RESOURCES[logical_id]["Properties"]


def statements(function: str) -> list[dict[str, Any]]:
    return [s for policy in props(function).get("Policies", []) for s in policy["Statement"]]


def test_push_key_and_limit_parameters_are_secure_by_default() -> None:
    parameters = TEMPLATE["Parameters"]
    assert parameters["RequirePushKey"]["Default"] == "true"
    assert parameters["RequirePushKey"]["AllowedValues"] == ["false", "true"]
    assert (
        "gives up" in parameters["RequirePushKey"]["Description"]
        or "anyone" in (parameters["RequirePushKey"]["Description"])
    )
    assert parameters["AlarmRateLimit"]["Default"] == 30
    assert (
        parameters["NotifyCeiling"]["Default"],
        parameters["NotifyCeilingSeconds"]["Default"],
    ) == (
        10,
        600,
    )
    alarm = props("AlarmFunction")["Environment"]["Variables"]
    notify = props("NotifyFunction")["Environment"]["Variables"]
    assert alarm["ALARM_RATE_LIMIT"] == {"Ref": "AlarmRateLimit"}
    assert notify["NOTIFY_CEILING"] == {"Ref": "NotifyCeiling"}
    assert notify["NOTIFY_CEILING_SECONDS"] == {"Ref": "NotifyCeilingSeconds"}
    for function in ("HeartbeatFunction", "AlarmFunction"):
        variables = props(function)["Environment"]["Variables"]
        assert variables["REQUIRE_PUSH_KEY"] == {"Ref": "RequirePushKey"}


# -- the plain-HTTP front door's edge filter ----------------------------------------------


def edge_function() -> dict[str, Any]:
    stack = Stack(overrides={"PlainHttpFrontDoor": "true"})
    assert "PlainHttpCameraRoutesOnly" in stack.resources()
    return props("PlainHttpCameraRoutesOnly")


def test_the_plain_http_door_runs_the_edge_filter_on_every_viewer_request() -> None:
    function = edge_function()
    assert RESOURCES["PlainHttpCameraRoutesOnly"]["Condition"] == "HasPlainHttpFrontDoor"
    assert function["AutoPublish"] is True
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    behavior = props("PlainHttpDistribution")["DistributionConfig"]["DefaultCacheBehavior"]
    assert behavior["FunctionAssociations"] == [
        {
            "EventType": "viewer-request",
            "FunctionARN": {"Fn::GetAtt": ["PlainHttpCameraRoutesOnly", "FunctionARN"]},
        }
    ]
    assert "PlainHttpCameraRoutesOnly" not in Stack().resources()


CASES = [
    ("POST", "/heartbeat/q3NwXlE2b7Zk8Yd1Jm4TfA", True),
    ("POST", "/alarm/q3NwXlE2b7Zk8Yd1Jm4TfA", True),
    ("POST", "/heartbeat", True),
    ("POST", "/alarm", True),
    ("GET", "/heartbeat/q3NwXlE2b7Zk8Yd1Jm4TfA", False),
    ("GET", "/alarms/VE0005622QHOW-e07e7441ccd15ad100e2/picture", False),
    ("POST", "/alarms/VE0005622QHOW-e07e7441ccd15ad100e2/picture", False),
    ("POST", "/heartbeat/a/b", False),
    ("POST", "/heartbeat/", False),
    ("POST", "/api/cameras", False),
    ("POST", "/", False),
    ("PUT", "/alarm", False),
    ("OPTIONS", "/alarm", False),
]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_edge_filter_lets_through_only_posts_to_the_camera_routes() -> None:
    """GIVEN the CloudFront Function's code, run in node (the runtime's JavaScript)
    THEN POST to /heartbeat[/key] and /alarm[/key] passes unchanged, and everything else,
    the media links included, is answered 403 in the camera protocol's shape."""
    harness = edge_function()["FunctionCode"] + (
        "\nvar cases = JSON.parse(process.argv[1]);\n"
        "console.log(JSON.stringify(cases.map(function (c) {\n"
        "  var request = {method: c[0], uri: c[1], headers: {}};\n"
        "  return handler({request: request});\n"
        "})));\n"
    )
    done = subprocess.run(
        ["node", "-e", harness, json.dumps(CASES)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answers = json.loads(done.stdout)

    for (method, uri, passes), answer in zip(CASES, answers, strict=True):
        if passes:
            assert answer == {"method": method, "uri": uri, "headers": {}}, (method, uri)
        else:
            assert answer["statusCode"] == 403, (method, uri)
            body = json.loads(answer["body"]["data"])
            assert set(body) == {"code", "message"} and body["code"] == "403"


def test_queue_functions_read_only_their_queue() -> None:
    """SAM's managed AWSLambdaSQSQueueExecutionRole reads every queue: fenced to the own."""
    for function, resource in RESOURCES.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        queues = [
            event["Properties"]["Queue"]
            for event in resource["Properties"].get("Events", {}).values()
            if event["Type"] == "SQS"
        ]
        if not queues:
            continue
        fences = [
            s
            for s in statements(function)
            if s["Effect"] == "Deny" and "sqs:ReceiveMessage" in s["Action"]
        ]
        assert [fence["NotResource"] for fence in fences] == queues, function


def test_every_function_writes_only_its_own_log_group() -> None:
    """SAM's managed AWSLambdaBasicExecutionRole writes every log group: each function's
    role is fenced to the log group its LoggingConfig names."""
    for function, resource in RESOURCES.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        logs = resource["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        fences = [
            s
            for s in statements(function)
            if s["Effect"] == "Deny" and "logs:PutLogEvents" in s["Action"]
        ]
        assert len(fences) == 1, function
        assert fences[0]["NotResource"] == {"Fn::GetAtt": [logs, "Arn"]}, function
        assert set(fences[0]["Action"]) == {
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        }


# -- the refusals alarm -----------------------------------------------------------------------


def test_an_alarm_tells_the_owner_when_many_requests_are_refused_on_one_metric() -> None:
    """One alarm metric ($0.10 a month, not two): the API's 4xx with the HTTP API in front
    of the cameras; with function URLs, the camera functions' own refusals."""
    api = Stack().properties("ApiRefusalsAlarm")
    assert api["AlarmActions"] == [Stack().physical_name("OperationsTopic")]
    assert "Metrics" not in api
    assert (api["Namespace"], api["MetricName"]) == ("AWS/ApiGateway", "4xx")
    assert api["Dimensions"] == [{"Name": "ApiId", "Value": Stack().physical_name("HttpApi")}]
    urls = Stack(overrides={"CameraEndpoint": "FunctionUrl"}).properties("ApiRefusalsAlarm")
    assert (urls["Namespace"], urls["MetricName"]) == ("VStarcamPush", "CameraRefusals")
    assert "Dimensions" not in urls
    for alarm in (api, urls):
        assert (alarm["Statistic"], alarm["Period"], alarm["EvaluationPeriods"]) == ("Sum", 300, 1)
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (100, "GreaterThanThreshold")
        assert alarm["TreatMissingData"] == "notBreaching"


# -- permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize("function", ["HeartbeatFunction", "AlarmFunction"])
def test_camera_functions_never_read_the_push_key_secret(function: str) -> None:
    """The functions check a key's hash on the camera item; only the operator's tools read
    the secret the keys derive from."""
    text = json.dumps(statements(function))
    assert "ssm" not in text.lower() and "secretsmanager" not in text.lower()


def stream_readers() -> list[str]:
    return [
        logical_id
        for logical_id, resource in RESOURCES.items()
        if resource["Type"] == "AWS::Serverless::Function"
        and any(e["Type"] == "DynamoDB" for e in resource["Properties"].get("Events", {}).values())
    ]


@pytest.mark.parametrize("function", stream_readers())
def test_stream_functions_read_only_the_streams_they_are_subscribed_to(function: str) -> None:
    """SAM gives a function with DynamoDB events the managed AWSLambdaDynamoDBExecutionRole,
    which reads every stream in the account: a deny fences it to the function's own."""
    subscribed = sorted(
        (
            event["Properties"]["Stream"]
            for event in props(function)["Events"].values()
            if event["Type"] == "DynamoDB"
        ),
        key=json.dumps,
    )
    fences = [
        s
        for s in statements(function)
        if s["Effect"] == "Deny" and "dynamodb:GetRecords" in s["Action"]
    ]
    assert len(fences) == 1, function
    (fence,) = fences
    assert set(fence["Action"]) == {
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:DescribeStream",
    }
    assert sorted(fence["NotResource"], key=json.dumps) == subscribed
