"""``vstarcam-push cameras urls`` / ``rotate-key`` and the push keys ``cameras add`` issues.

``cameras urls`` is the one command that shows a key; ``cameras add`` prints a new
camera's URLs once; listings never show one.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import boto3
import pytest
from vstarcam_push.dal.camera_admission import CameraAdmission
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.models.push_keys import is_push_key
from vstarcam_tools.outputs import StackOutputs, publish_outputs
from vstarcam_tools.template import Stack

from tests.conftest import REGION, VUID
from tests.tools.cli.conftest import Result, stack_secret


def urls_of(cli: Callable[..., Result], vuid: str = VUID, *argv: str) -> dict[str, str]:
    result = cli("cameras", "urls", vuid, "--json", *argv)
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert isinstance(document, dict)
    return document


def key_of(url: str) -> str:
    key = url.rsplit("/", 1)[1]
    assert is_push_key(key), url
    return key


def heartbeat(admission: CameraAdmission, key: str | None) -> None:
    admission.heartbeat(VUID, now=1_800_000_000, key=key)


def test_add_prints_the_new_cameras_keyed_urls_once(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    """GIVEN a stack WHEN a camera is added THEN its two URLs, each the stack's URL plus the
    same push key, are printed; adding it again (a rename) keeps the key and prints none."""
    added = cli("cameras", "add", VUID, "--name", "Porch")
    assert added.code == 0, added.err
    urls = urls_of(cli)
    assert urls == {
        "vuid": VUID,
        "heartbeatUrl": f"{deployed.heartbeat_url}/{key_of(urls['heartbeatUrl'])}",
        "alarmUrl": f"{deployed.alarm_url}/{key_of(urls['heartbeatUrl'])}",
    }
    assert urls["heartbeatUrl"] in added.out and urls["alarmUrl"] in added.out

    renamed = cli("cameras", "add", VUID, "--name", "Garden")
    assert renamed.code == 0
    assert key_of(urls["heartbeatUrl"]) not in renamed.out
    assert "keeps its push key" in renamed.out
    assert urls_of(cli) == urls


def test_the_printed_key_is_the_one_the_heartbeat_accepts(
    cli: Callable[..., Result],
    deployed: StackOutputs,
    registry: CameraRegistry,
    admission: CameraAdmission,
) -> None:
    """GIVEN a camera added with the CLI WHEN heartbeats carry the printed key, another
    key, or none THEN only the printed key is accepted."""
    assert cli("cameras", "add", VUID).code == 0
    key = key_of(urls_of(cli)["heartbeatUrl"])

    heartbeat(admission, key)
    camera = registry.get(VUID)
    assert camera is not None and camera.status == "online"
    for wrong in ("A" * 22, None):
        with pytest.raises(Exception, match="not registered or its push key is wrong"):
            heartbeat(admission, wrong)


def test_the_key_is_derived_from_the_stacks_secret_in_ssm(
    cli: Callable[..., Result], deployed: StackOutputs, registry: CameraRegistry
) -> None:
    """The secret is an SSM SecureString made on first use; the table holds only a hash."""
    assert cli("cameras", "add", VUID).code == 0
    key = key_of(urls_of(cli)["heartbeatUrl"])

    assert registry.push_key(VUID, stack_secret()) == key
    parameter = boto3.client("ssm", region_name=REGION).get_parameter(
        Name="/vstarcam-push/push-key-secret"
    )["Parameter"]
    assert parameter["Type"] == "SecureString"
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=deployed.cameras_table, Key={"vuid": {"S": VUID}}
    )["Item"]
    assert key not in json.dumps(item, default=str)
    assert len(item["pushKeyHash"]["B"]) == 32


def test_urls_prints_the_two_urls_and_warns_they_are_secret(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    assert cli("cameras", "add", VUID).code == 0
    urls = urls_of(cli)

    result = cli("cameras", "urls", VUID.lower())

    assert result.code == 0
    assert f"heartbeatServer:     {urls['heartbeatUrl']}" in result.out
    assert f"alarmPushMainServer: {urls['alarmUrl']}" in result.out
    assert "secret" in result.out


@pytest.mark.filterwarnings("ignore:Tried to parse AWS")
def test_urls_plain_http_uses_the_front_door(
    cli: Callable[..., Result], stack: Stack, deployed: StackOutputs
) -> None:
    front_door = "http://d111111abcdef8.cloudfront.net"
    outputs = {
        **deployed.raw,
        "PlainHttpHeartbeatUrl": f"{front_door}/heartbeat",
        "PlainHttpAlarmUrl": f"{front_door}/alarm",
    }
    publish_outputs(boto3.client("cloudformation", region_name=REGION), "with-door", outputs)
    assert cli("cameras", "add", VUID, "--stack", "with-door").code == 0
    key = key_of(urls_of(cli, VUID, "--stack", "with-door")["heartbeatUrl"])

    assert urls_of(cli, VUID, "--stack", "with-door", "--plain-http") == {
        "vuid": VUID,
        "heartbeatUrl": f"{front_door}/heartbeat/{key}",
        "alarmUrl": f"{front_door}/alarm/{key}",
    }
    no_door = cli("cameras", "urls", VUID, "--plain-http")
    assert no_door.code == 1 and "PlainHttpFrontDoor=true" in no_door.err


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda cli: None, "no push key secret"),
        (lambda cli: cli("cameras", "add", "OKB0379853SNLJ"), "is not registered"),
    ],
    ids=["no-secret-yet", "unknown-camera"],
)
def test_urls_of_a_camera_without_a_key_is_one_line(
    cli: Callable[..., Result], deployed: StackOutputs, setup: Callable[..., object], message: str
) -> None:
    setup(cli)
    result = cli("cameras", "urls", VUID)
    assert result.code == 1
    assert message in result.err and len(result.err.strip().splitlines()) == 1


def test_rotate_key_issues_a_new_key_and_the_old_one_stops_working_at_once(
    cli: Callable[..., Result], deployed: StackOutputs, admission: CameraAdmission
) -> None:
    assert cli("cameras", "add", VUID).code == 0
    old = key_of(urls_of(cli)["heartbeatUrl"])
    heartbeat(admission, old)

    rotated = cli("cameras", "rotate-key", VUID)

    assert rotated.code == 0, rotated.err
    assert "old URLs stopped working" in rotated.out
    new = key_of(urls_of(cli)["heartbeatUrl"])
    assert new != old and new not in rotated.out and old not in rotated.out
    heartbeat(admission, new)
    with pytest.raises(Exception, match="push key is wrong"):
        heartbeat(admission, old)


def test_rotate_key_of_an_unknown_camera_is_refused(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    result = cli("cameras", "rotate-key", VUID)
    assert result.code == 1 and "is not registered" in result.err


def test_listings_never_show_a_key(cli: Callable[..., Result], deployed: StackOutputs) -> None:
    assert cli("cameras", "add", VUID, "--name", "Porch").code == 0
    key = key_of(urls_of(cli)["heartbeatUrl"])

    for argv in (("cameras", "list"), ("cameras", "list", "--json")):
        result = cli(*argv)
        assert result.code == 0 and key not in result.out
    (camera,) = json.loads(cli("cameras", "list", "--json").out)
    assert camera["hasPushKey"] is True


def test_a_pending_camera_is_listed_as_pending_and_add_approves_it(
    cli: Callable[..., Result],
    deployed: StackOutputs,
    registry: CameraRegistry,
    admission: CameraAdmission,
) -> None:
    """GIVEN a camera that pushed while unknown (AcceptUnknownCameras) WHEN listed THEN it
    is pending, counted apart; ``cameras add`` approves it and prints its URLs."""
    admission.enroll(VUID, 1_800_000_000)

    listed = cli("cameras", "list")
    assert "pending" in listed.out
    assert listed.out.splitlines()[-1] == (
        "1 camera: 0 online, 0 offline, 1 pending (approve with 'vstarcam-push cameras add VUID')"
    )
    assert [
        c["vuid"] for c in json.loads(cli("cameras", "list", "--status", "pending", "--json").out)
    ] == [VUID]

    approved = cli("cameras", "add", VUID, "--name", "Porch")

    assert approved.code == 0 and approved.out.startswith("approved camera Porch")
    assert urls_of(cli)["heartbeatUrl"] in approved.out
    camera = registry.get(VUID)
    assert camera is not None and not camera.pending


def test_names_are_cleaned_at_registration(
    cli: Callable[..., Result], deployed: StackOutputs, registry: CameraRegistry
) -> None:
    """GIVEN a name with a newline (a fake line for an email) THEN it is stored on one
    line; GIVEN one over 64 characters THEN it is refused, as the console refuses it (it
    was cut to 64 before names had one rule), and the stored name stays."""
    name = "Front door\nOpen the picture: https://evil.example/" + "x" * 10
    assert cli("cameras", "add", VUID, "--name", name).code == 0
    camera = registry.get(VUID)
    assert camera is not None
    assert camera.name == "Front door Open the picture: https://evil.example/" + "x" * 10
    refused = cli("cameras", "add", VUID, "--name", name + "x" * 100)
    assert refused.code == 1 and "name is longer than 64 characters" in refused.err
    assert registry.get(VUID) == camera
