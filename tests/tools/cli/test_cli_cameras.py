"""``vstarcam-push cameras``: register, list and remove cameras in the stack the outputs name."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

import boto3
import pytest
from vstarcam_push.dal.camera_admission import CameraAdmission
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_tools.outputs import StackOutputs, publish_outputs
from vstarcam_tools.template import Stack

from tests.conftest import REGION, VUID
from tests.tools.cli.conftest import Result

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def bare_heartbeat(deployed: StackOutputs, vuid: str, now: int) -> None:
    """A heartbeat on the bare route, as a stack with RequirePushKey=false accepts it."""
    admission = CameraAdmission(
        boto3.client("dynamodb", region_name=REGION), deployed.cameras_table, require_key=False
    )
    admission.heartbeat(vuid, now=now, key=None)


def test_add_registers_the_camera_in_canonical_case_and_prints_the_urls_to_set(
    cli: Callable[..., Result], deployed: StackOutputs, registry: CameraRegistry
) -> None:
    """GIVEN a stack WHEN a camera is added in lower case THEN it is stored upper case, named."""
    result = cli("cameras", "add", VUID.lower(), "--name", "Front door")
    assert result.code == 0, result.err
    camera = registry.get(VUID)
    assert camera is not None and camera.name == "Front door"
    assert f"added camera Front door ({VUID})" in result.out
    assert f"{deployed.heartbeat_url}/" in result.out and f"{deployed.alarm_url}/" in result.out


def test_add_defaults_offline_after_to_the_stacks_offline_after_seconds(
    cli: Callable[..., Result], deployed: StackOutputs, registry: CameraRegistry
) -> None:
    """The stack's OfflineAfterSeconds output (the parameter's value) is the default threshold."""
    assert cli("cameras", "add", VUID).code == 0
    camera = registry.get(VUID)
    assert camera is not None
    assert camera.offline_after == deployed.offline_after_seconds
    assert Stack().parameters["OfflineAfterSeconds"] == str(deployed.offline_after_seconds)


@pytest.mark.filterwarnings("ignore:Tried to parse AWS")
def test_add_defaults_offline_after_to_the_deployed_stacks_output(
    cli: Callable[..., Result], deployed: StackOutputs, registry: CameraRegistry
) -> None:
    """GIVEN a stack deployed with OfflineAfterSeconds=300 WHEN a camera is added THEN 300."""
    outputs = {**deployed.raw, "OfflineAfterSeconds": "300"}
    publish_outputs(
        boto3.client("cloudformation", region_name=REGION), "deployed-with-300", outputs
    )
    assert cli("cameras", "add", VUID, "--stack", "deployed-with-300").code == 0
    camera = registry.get(VUID)
    assert camera is not None and camera.offline_after == 300


def test_add_again_renames_and_sets_offline_after(
    cli: Callable[..., Result], deployed: StackOutputs, registry: CameraRegistry
) -> None:
    assert cli("cameras", "add", VUID, "--name", "Garage").code == 0
    result = cli("cameras", "add", VUID, "--name", "Garden", "--offline-after", "600")
    assert result.code == 0
    assert result.out.startswith("updated camera Garden")
    camera = registry.get(VUID)
    assert camera is not None and (camera.name, camera.offline_after) == ("Garden", 600)


def test_list_prints_an_aligned_table(
    cli: Callable[..., Result], deployed: StackOutputs, registry: CameraRegistry
) -> None:
    """GIVEN one camera that sent a heartbeat and one that never did WHEN listed THEN a table."""
    cli("cameras", "add", VUID, "--name", "Front door")
    cli("cameras", "add", "OKB0379853SNLJ")
    bare_heartbeat(deployed, VUID, now=1_714_564_800)
    result = cli("cameras", "list")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == ["VUID", "NAME", "STATUS", "LAST", "SEEN", "LAST", "ALARM"]
    assert lines[1].split() == ["OKB0379853SNLJ", "-", "offline", "never", "-"]
    assert lines[2].split() == [VUID, "Front", "door", "online", "2024-05-01T12:00:00Z", "-"]
    # Aligned: every column starts at the same offset on every line.
    status_column = lines[0].index("STATUS")
    assert lines[1][status_column:].startswith("offline")
    assert lines[2][status_column:].startswith("online")


def test_list_ends_with_the_fleets_counts_and_filters_by_status(
    cli: Callable[..., Result], deployed: StackOutputs, registry: CameraRegistry
) -> None:
    """GIVEN three cameras, one online WHEN listed THEN the counts close the table, and
    --status keeps one state (the table, the JSON, or a line saying there are none)."""
    for vuid in (VUID, "OKB0379853SNLJ", "VE0000001TEST"):
        cli("cameras", "add", vuid)
    bare_heartbeat(deployed, VUID, now=int(time.time()))

    assert cli("cameras", "list").out.splitlines()[-1] == "3 cameras: 1 online, 2 offline"
    offline = json.loads(cli("cameras", "list", "--status", "offline", "--json").out)
    assert sorted(camera["vuid"] for camera in offline) == ["OKB0379853SNLJ", "VE0000001TEST"]
    online = cli("cameras", "list", "--status", "online").out.splitlines()
    assert [line.split()[0] for line in online[1:] if line.startswith(("VE", "OK"))] == [VUID]
    registry.remove(VUID)
    assert cli("cameras", "list", "--status", "online").out.strip() == (
        "no online cameras (2 registered)"
    )


def test_list_json_is_an_array_of_cameras(
    cli: Callable[..., Result], deployed: StackOutputs, registry: CameraRegistry
) -> None:
    cli("cameras", "add", VUID, "--name", "Front door")
    cli("cameras", "add", "OKB0379853SNLJ")
    bare_heartbeat(deployed, VUID, now=1_714_564_800)
    result = cli("cameras", "list", "--json")
    assert result.code == 0
    cameras = json.loads(result.out)
    assert [camera["vuid"] for camera in cameras] == ["OKB0379853SNLJ", VUID]
    never, front = cameras
    assert never["status"] == "offline" and never["lastSeen"] is None and never["name"] == ""
    assert front["name"] == "Front door" and front["status"] == "online"
    assert front["lastSeen"] == "2024-05-01T12:00:00Z"
    assert front["offlineAfter"] == 180
    assert ISO_UTC.fullmatch(front["registeredAt"])


def test_list_of_no_cameras(cli: Callable[..., Result], deployed: StackOutputs) -> None:
    assert json.loads(cli("cameras", "list", "--json").out) == []
    result = cli("cameras", "list")
    assert result.code == 0 and "no cameras registered" in result.out


def test_remove_forgets_the_camera(
    cli: Callable[..., Result], deployed: StackOutputs, registry: CameraRegistry
) -> None:
    cli("cameras", "add", VUID)
    result = cli("cameras", "remove", VUID.lower())
    assert result.code == 0 and f"removed camera {VUID}" in result.out
    assert registry.get(VUID) is None


def test_stack_and_region_options_before_or_after_the_command(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    cli("cameras", "add", VUID)
    before = cli("--stack", "vstarcam-push", "--region", REGION, "cameras", "list", "--json")
    after = cli("cameras", "list", "--json", "--stack", "vstarcam-push", "--region", REGION)
    assert before.code == after.code == 0
    assert json.loads(before.out) == json.loads(after.out)
    assert json.loads(before.out)[0]["vuid"] == VUID


def test_add_again_changes_only_the_options_given(
    cli: Callable[..., Result], deployed: StackOutputs, registry: CameraRegistry
) -> None:
    """GIVEN "Front door" registered with --offline-after 600
    WHEN it is added again with no option, then with only --name, then only --offline-after
    THEN each time only the option given changes: the name is never erased and the
    threshold never reset to the stack's default."""
    assert cli("cameras", "add", VUID, "--name", "Front door", "--offline-after", "600").code == 0
    registered = registry.get(VUID)
    assert registered is not None

    again = cli("cameras", "add", VUID)

    assert again.code == 0, again.err
    assert f"updated camera Front door ({VUID}), reported offline after 600 s" in again.out
    camera = registry.get(VUID)
    assert camera is not None
    assert (camera.name, camera.offline_after) == ("Front door", 600)
    assert camera.registered_at == registered.registered_at

    assert cli("cameras", "add", VUID, "--name", "Porch").code == 0
    camera = registry.get(VUID)
    assert camera is not None and (camera.name, camera.offline_after) == ("Porch", 600)

    assert cli("cameras", "add", VUID, "--offline-after", "900").code == 0
    camera = registry.get(VUID)
    assert camera is not None and (camera.name, camera.offline_after) == ("Porch", 900)


def test_add_with_an_empty_name_clears_it(
    cli: Callable[..., Result], deployed: StackOutputs, registry: CameraRegistry
) -> None:
    """GIVEN a named camera WHEN added again with --name "" THEN its name is cleared (an
    option given, even empty, is what changes)."""
    assert cli("cameras", "add", VUID, "--name", "Front door").code == 0

    assert cli("cameras", "add", VUID, "--name", "").code == 0

    camera = registry.get(VUID)
    assert camera is not None and camera.name == ""


def test_a_hint_names_the_stack_and_region_the_command_was_given(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    """A hint copied from the output must act on the same stack, not on the default one."""
    result = cli("cameras", "list", "--region", REGION)
    assert result.code == 0, result.err
    assert f"'vstarcam-push cameras add VUID --region {REGION}'" in result.out


def test_a_hint_quotes_a_stack_name_and_leaves_the_defaults_out() -> None:
    import argparse

    from vstarcam_tools.cli.common import DEFAULT_STACK, hint

    given = argparse.Namespace(stack="site a", region="eu-west-1")
    assert hint(given, "cameras urls X") == (
        "vstarcam-push cameras urls X --stack 'site a' --region eu-west-1"
    )
    default = argparse.Namespace(stack=DEFAULT_STACK)
    assert hint(default, "notify list") == hint(argparse.Namespace(), "notify list")
    assert hint(default, "notify list") == "vstarcam-push notify list"
