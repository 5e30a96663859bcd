"""The local stack's wiring, in-process: function environments, outputs, console lines."""

from __future__ import annotations

import ipaddress
import json
import os

from vstarcam_tools.local.network import reachable_host
from vstarcam_tools.local.report import describe_notification, request_vuid
from vstarcam_tools.local.runner import function_environment, local_outputs
from vstarcam_tools.template import Stack

ENDPOINT = "http://127.0.0.1:4566"


def test_each_function_gets_the_templates_variables_aimed_at_moto(stack: Stack) -> None:
    functions = stack.functions()

    heartbeat = function_environment(functions["HeartbeatFunction"], ENDPOINT, "us-east-1")
    notify = function_environment(functions["NotifyFunction"], ENDPOINT, "us-east-1")

    assert heartbeat["CAMERAS_TABLE"] == notify["CAMERAS_TABLE"] == "vstarcam-push-camerastable"
    assert heartbeat["OFFLINE_AFTER_SECONDS"] == "180"
    assert "TOPIC_ARN" not in heartbeat and "MEDIA_BUCKET" not in heartbeat
    assert notify["TOPIC_ARN"] == stack.get_att("AlarmTopic", "TopicArn")
    assert notify["POWERTOOLS_SERVICE_NAME"] == "notify"
    for environment, function in ((heartbeat, "heartbeat"), (notify, "notify")):
        assert environment["AWS_ENDPOINT_URL"] == ENDPOINT
        assert environment["AWS_ACCESS_KEY_ID"] == "testing"
        assert environment["AWS_CONFIG_FILE"] == environment["AWS_SHARED_CREDENTIALS_FILE"]
        assert environment["AWS_CONFIG_FILE"] == os.devnull
        assert environment["AWS_LAMBDA_FUNCTION_NAME"] == f"vstarcam-push-{function}function"
        # Web push to this machine's endpoints: the local stack's setting, never the template's.
        assert environment["WEB_PUSH_ALLOW_LOOPBACK"] == "true"
    assert "WEB_PUSH_ALLOW_LOOPBACK" not in functions["DeliveryFunction"].environment


def test_outputs_point_the_camera_urls_at_the_local_api(stack: Stack) -> None:
    outputs = local_outputs(stack, "http://192.168.1.20:3000")

    assert outputs["HeartbeatUrl"] == "http://192.168.1.20:3000/heartbeat"
    assert outputs["AlarmUrl"] == "http://192.168.1.20:3000/alarm"
    assert outputs["MediaBucketName"] == stack.outputs()["MediaBucketName"]
    assert "PlainHttpHeartbeatUrl" not in outputs


def test_the_local_api_is_the_plain_http_front_door_when_the_stack_has_one() -> None:
    stack = Stack(overrides={"PlainHttpFrontDoor": "true"})

    outputs = local_outputs(stack, "http://192.168.1.20:3000")

    assert outputs["PlainHttpHeartbeatUrl"] == "http://192.168.1.20:3000/heartbeat"
    assert outputs["PlainHttpAlarmUrl"] == "http://192.168.1.20:3000/alarm"


def test_listening_on_every_interface_prints_an_address_cameras_can_use() -> None:
    assert reachable_host("127.0.0.1") == "127.0.0.1"
    address = ipaddress.ip_address(reachable_host("0.0.0.0"))

    assert not address.is_unspecified


def test_request_log_names_the_vuid_of_a_heartbeat_or_an_alarm_push() -> None:
    multipart = (
        b'--b\r\nContent-Disposition: form-data; name="vuid"\r\n\r\nVE0005622QHOW\r\n--b--\r\n'
    )

    assert request_vuid("application/json", b'{"vuid": "VE0005622QHOW"}') == "VE0005622QHOW"
    assert request_vuid("multipart/form-data; boundary=b", multipart) == "VE0005622QHOW"
    assert request_vuid("application/json", b"not json") == "-"
    assert request_vuid("multipart/form-data", b"") == "-"


def test_notification_line_shows_event_vuid_and_sms_text() -> None:
    message = json.dumps({"default": "long email", "sms": "Door (VE1): Motion at 12:00 UTC"})
    attributes = {
        "event": {"Type": "String", "Value": "alarm"},
        "vuid": {"Type": "String", "Value": "VE1"},
    }

    line = describe_notification(message, "Motion: Door", attributes)

    assert line.split() == ["SNS", "alarm", "VE1", "Door", "(VE1):", "Motion", "at", "12:00", "UTC"]


def test_the_emails_media_links_follow_the_notification_line() -> None:
    """The local console stands in for the owner's inbox: its links are what to click."""
    link = "http://127.0.0.1:3000/alarms/VE1-0123456789abcdef0123/picture?token=" + "A" * 22
    email = f"Door (VE1): Motion at 12:00 UTC\n\nOpen the picture: {link}\n\nPicture: s3://b/k"
    message = json.dumps({"default": email, "email": email, "sms": "Door (VE1): Motion"})

    lines = describe_notification(message, "Motion: Door", {}).splitlines()

    assert len(lines) == 2
    assert lines[1].strip() == f"Open the picture: {link}"
