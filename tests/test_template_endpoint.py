"""template.yaml's CameraEndpoint: the cameras push to the HTTP API (default) or to the two
camera functions' own Lambda function URLs, and everything that names the cameras' URLs
follows (outputs, the console's "show URLs", the plain-HTTP front door)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from vstarcam_tools.function_urls import function_url_targets
from vstarcam_tools.template import PROJECT_ROOT, TEMPLATE_PATH
from vstarcam_tools.template import Stack as _Stack

from tests.conftest import shared_template


def Stack(overrides: dict[str, str] | None = None) -> _Stack:
    """The template's stack with ``overrides``, from the session's parsed template."""
    return _Stack(overrides=overrides or {}, template=shared_template())


FUNCTION_URLS = {"CameraEndpoint": "FunctionUrl"}
URL_TYPES = ("AWS::Lambda::Url", "AWS::Lambda::Permission")


def with_front_door(overrides: dict[str, str]) -> Stack:
    stack = Stack(overrides={**overrides, "PlainHttpFrontDoor": "true"})
    stack.attributes[("PlainHttpCameraRoutesOnly", "FunctionARN")] = "arn:cf-function"
    stack.attributes[("PlainHttpDistribution", "DomainName")] = "d111.cloudfront.net"
    return stack


def test_by_default_the_cameras_push_to_the_http_api_and_no_function_has_a_url() -> None:
    stack = Stack()
    for type_ in URL_TYPES:
        assert stack.resources(type_) == {}
    outputs = stack.outputs()
    api = f"https://{stack.physical_name('HttpApi')}.execute-api.us-east-1.amazonaws.com"
    assert outputs["HeartbeatUrl"] == f"{api}/heartbeat"
    assert outputs["AlarmUrl"] == f"{api}/alarm"
    assert outputs["CameraEndpoint"] == "HttpApi"
    assert function_url_targets(stack) == set()


def test_function_urls_are_public_and_grant_only_invocation_through_the_url() -> None:
    """GIVEN CameraEndpoint=FunctionUrl
    THEN the heartbeat and alarm functions (only) get a function URL without IAM auth (the
    push key in the path is the credential, as on the API's routes), and each is granted
    InvokeFunctionUrl for that auth type and InvokeFunction only through its URL."""
    stack = Stack(overrides=FUNCTION_URLS)
    urls = stack.resources("AWS::Lambda::Url")
    assert function_url_targets(stack) == {"HeartbeatFunction", "AlarmFunction"}
    for logical_id in urls:
        assert stack.properties(logical_id)["AuthType"] == "NONE"
        assert "Cors" not in stack.properties(logical_id)
    grants: dict[str, list[dict[str, Any]]] = {}
    for logical_id in stack.resources("AWS::Lambda::Permission"):
        grant = stack.properties(logical_id)
        grants.setdefault(grant["FunctionName"], []).append(grant)
    assert set(grants) == {
        stack.physical_name("HeartbeatFunction"),
        stack.physical_name("AlarmFunction"),
    }
    for function_grants in grants.values():
        by_action = {grant["Action"]: grant for grant in function_grants}
        assert set(by_action) == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
        assert by_action["lambda:InvokeFunctionUrl"]["FunctionUrlAuthType"] == "NONE"
        assert by_action["lambda:InvokeFunction"]["InvokedViaFunctionUrl"] is True


def test_the_outputs_and_the_console_give_the_function_urls() -> None:
    """HeartbeatUrl/AlarmUrl (which `cameras urls`, `cameras configure`, `simulate` and the
    doctor read) and the console's CAMERA_*_URL are the function URLs plus the route; the
    console and the media links stay on the API."""
    stack = Stack(overrides=FUNCTION_URLS)
    outputs = stack.outputs()
    heartbeat = stack.get_att("HeartbeatFunctionUrl", "FunctionUrl")
    alarm = stack.get_att("AlarmFunctionUrl", "FunctionUrl")
    assert heartbeat != alarm
    assert outputs["HeartbeatUrl"] == f"{heartbeat}heartbeat"
    assert outputs["AlarmUrl"] == f"{alarm}alarm"
    assert outputs["CameraEndpoint"] == "FunctionUrl"
    assert ".execute-api." in outputs["ConsoleUrl"]
    console = stack.properties("ConsoleApiFunction")["Environment"]["Variables"]
    assert console["CAMERA_HEARTBEAT_URL"] == outputs["HeartbeatUrl"]
    assert console["CAMERA_ALARM_URL"] == outputs["AlarmUrl"]
    assert ".execute-api." in console["API_URL"]
    default = Stack()
    variables = default.properties("ConsoleApiFunction")["Environment"]["Variables"]
    assert variables["CAMERA_HEARTBEAT_URL"] == default.outputs()["HeartbeatUrl"]


def test_the_api_keeps_its_camera_routes_so_urls_already_on_cameras_keep_working() -> None:
    for overrides in ({}, FUNCTION_URLS):
        events = Stack(overrides=overrides).template["Resources"]["HeartbeatFunction"]
        paths = {e["Properties"]["Path"] for e in events["Properties"]["Events"].values()}
        assert paths == {"/heartbeat", "/heartbeat/{key}"}


def test_the_plain_http_front_door_forwards_each_route_to_its_function_url() -> None:
    """With function URLs, the distribution has the two URLs' hosts as origins: /alarm* to
    the alarm function's, everything else (the viewer function lets only the camera routes
    through) to the heartbeat function's; each behaviour keeps the camera-routes-only
    function, no caching and the viewer's headers but Host."""
    stack = with_front_door(FUNCTION_URLS)
    config = stack.properties("PlainHttpDistribution")["DistributionConfig"]
    origins = {origin["Id"]: origin for origin in config["Origins"]}
    assert set(origins) == {"HeartbeatFunctionUrl", "AlarmFunctionUrl"}
    heartbeat_host = stack.get_att("HeartbeatFunctionUrl", "FunctionUrl").split("/")[2]
    assert origins["HeartbeatFunctionUrl"]["DomainName"] == heartbeat_host
    for origin in origins.values():
        assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    default = config["DefaultCacheBehavior"]
    (alarm,) = config["CacheBehaviors"]
    assert default["TargetOriginId"] == "HeartbeatFunctionUrl"
    assert (alarm["PathPattern"], alarm["TargetOriginId"]) == ("/alarm*", "AlarmFunctionUrl")
    for behaviour in (default, alarm):
        assert behaviour["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
        assert behaviour["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
        assert behaviour["FunctionAssociations"][0]["FunctionARN"] == "arn:cf-function"
    assert stack.outputs()["PlainHttpAlarmUrl"] == "http://d111.cloudfront.net/alarm"

    api = with_front_door({}).properties("PlainHttpDistribution")["DistributionConfig"]
    assert [origin["Id"] for origin in api["Origins"]] == ["HttpApi"]
    assert "CacheBehaviors" not in api


def test_with_function_urls_the_refusals_are_counted_from_both_functions_logs() -> None:
    stack = Stack(overrides=FUNCTION_URLS)
    filters = {
        stack.properties(logical_id)["LogGroupName"]: stack.properties(logical_id)
        for logical_id in stack.resources("AWS::Logs::MetricFilter")
        if stack.properties(logical_id)["MetricTransformations"][0]["MetricName"]
        == "CameraRefusals"
    }
    assert set(filters) == {stack.physical_name("HeartbeatLogs"), stack.physical_name("AlarmLogs")}
    for metric_filter in filters.values():
        assert metric_filter["FilterPattern"] == '{ $.message = "request refused" }'
        (transformation,) = metric_filter["MetricTransformations"]
        assert "Dimensions" not in transformation
    without_alarm = Stack(overrides={**FUNCTION_URLS, "RefusalsAlarm": "false"})
    assert not any(
        without_alarm.properties(logical_id)["MetricTransformations"][0]["MetricName"]
        == "CameraRefusals"
        for logical_id in without_alarm.resources("AWS::Logs::MetricFilter")
    )


@pytest.mark.slow
@pytest.mark.parametrize("endpoint", ["HttpApi", "FunctionUrl"])
def test_cfn_lint_passes_with_each_endpoint_and_the_front_door(endpoint: str) -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run(
        [
            str(cfn_lint),
            str(TEMPLATE_PATH),
            "--parameters",
            f"CameraEndpoint={endpoint}",
            "PlainHttpFrontDoor=true",
            "CamerasCapacity=Provisioned",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
