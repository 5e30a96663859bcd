"""The audit trail of CLI changes: every changing command records who (the AWS principal),
when, what and that it came from the CLI; ``vstarcam-push audit`` reads it back."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import boto3
import pytest
from vstarcam_push.dal.audit import AuditLog
from vstarcam_push.models.audit import CONSOLE, AuditEntry
from vstarcam_tools.outputs import StackOutputs, publish_outputs

from tests.conftest import REGION
from tests.tools.cli.conftest import STACK_NAME, Result

VUID = "VE0005622QHOW"
# The principal moto's STS names for any credentials.
MOTO_CALLER = "arn:aws:sts::123456789012:user/moto"


def audit_items(outputs: StackOutputs) -> list[dict]:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    return dynamodb.scan(TableName=outputs.raw["AuditTableName"])["Items"]


def trail(cli: Callable[..., Result], *argv: str) -> list[dict]:
    result = cli("audit", "--json", *argv)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_camera_changes_are_recorded_with_who_and_from_where(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    """GIVEN an operator's CLI
    WHEN a camera is registered in a site, renamed, its key rotated, and removed
    THEN the trail holds each change, newest first, by the AWS principal, from the CLI,
    and no push key or URL is anywhere in it."""
    assert cli("cameras", "add", VUID, "--name", "Front door", "--site", "Smith house").code == 0
    assert cli("cameras", "add", VUID, "--name", "Porch").code == 0
    assert cli("cameras", "rotate-key", VUID).code == 0
    urls = cli("cameras", "urls", VUID, "--json").out  # reading changes nothing
    assert cli("cameras", "remove", VUID).code == 0

    entries = trail(cli)
    assert [(e["action"], e["target"]) for e in entries] == [
        ("camera.removed", VUID),
        ("camera.key-rotated", VUID),
        ("camera.updated", VUID),
        ("camera.registered", VUID),
    ]
    assert {(e["user"], e["source"], e["origin"]) for e in entries} == {(MOTO_CALLER, "cli", None)}
    assert entries[3]["details"] == {
        "name": "Front door",
        "offlineAfter": 180,
        "site": "Smith house",
    }
    assert entries[2]["details"] == {"name": "Porch", "offlineAfter": 180}
    now_ms = time.time() * 1000
    assert all(now_ms - 60_000 < e["atMs"] <= now_ms for e in entries)
    key = json.loads(urls)["heartbeatUrl"].rsplit("/", 1)[1]
    stored = json.dumps(audit_items(deployed))
    assert key not in stored and "heartbeat" not in stored
    # Kept for RetentionDays, then TTL removes it.
    item = audit_items(deployed)[0]
    assert int(item["expiresAt"]["N"]) - int(item["atMs"]["N"]) // 1000 == 30 * 86_400


def test_user_and_destination_changes_are_recorded(
    cli: Callable[..., Result], deployed: StackOutputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NTFY_TOKEN", "tk_secretsecretsecretsecret00")
    cli("users", "add", "ann@example.com", "--role", "viewer", "--sites", "Smith house")
    cli("users", "set", "ann@example.com", "--all-sites")
    cli("users", "remove", "ann@example.com")
    added = cli(
        "notify",
        "add",
        "ntfy",
        "phone",
        "--url",
        "https://ntfy.sh/my-topic-1234",
        "--token-env",
        "NTFY_TOKEN",
    )
    assert added.code == 0, added.err
    cli("notify", "remove", "phone")

    entries = trail(cli)
    assert [(e["action"], e["target"]) for e in entries] == [
        ("destination.removed", "phone"),
        ("destination.added", "phone"),
        ("user.removed", "ann@example.com"),
        ("user.changed", "ann@example.com"),
        ("user.added", "ann@example.com"),
    ]
    assert entries[4]["details"] == {"role": "viewer", "sites": ["Smith house"]}
    assert entries[3]["details"] == {
        "role": "viewer",
        "sites": "all",
        "was": "viewer of Smith house",
    }
    assert entries[1]["details"]["channel"] == "ntfy"
    stored = json.dumps(audit_items(deployed))
    assert "tk_secret" not in stored and "my-topic-1234" not in stored


def test_audit_reads_by_time_and_user_and_as_a_table(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    """GIVEN changes by the console's Ann two days ago and yesterday, and the CLI's now
    THEN --since leaves out the older ones, --user keeps one user's (without case), and
    the table says who, from where and what."""
    log = AuditLog(boto3.client("dynamodb", region_name=REGION), deployed.raw["AuditTableName"], 30)
    now_ms = int(time.time() * 1000)
    for days, vuid in ((2, "VE0000001AAAA"), (1, "VE0000002BBBB")):
        log.record(
            AuditEntry(
                at_ms=now_ms - days * 86_400_000,
                user="ann@example.com",
                source=CONSOLE,
                action="camera.removed",
                target=vuid,
                origin="203.0.113.9",
            )
        )
    cli("cameras", "add", VUID)

    assert [e["target"] for e in trail(cli)] == [VUID, "VE0000002BBBB", "VE0000001AAAA"]
    assert [e["target"] for e in trail(cli, "--since", "36h")] == [VUID, "VE0000002BBBB"]
    assert [e["target"] for e in trail(cli, "--user", "ANN@example.com")] == [
        "VE0000002BBBB",
        "VE0000001AAAA",
    ]
    assert [e["target"] for e in trail(cli, "--user", MOTO_CALLER)] == [VUID]
    assert (
        trail(cli, "--since", time.strftime("%Y-%m-%d", time.gmtime()), "--user", "ann@example.com")
        == []
    )

    table = cli("audit").out.splitlines()
    assert table[0].split() == ["WHEN", "WHO", "FROM", "WHAT", "ON", "DETAILS"]
    assert table[1].split()[1:5] == [MOTO_CALLER, "cli", "camera.registered", VUID]
    assert table[2].split()[1:6] == [
        "ann@example.com",
        "console",
        "203.0.113.9",
        "camera.removed",
        "VE0000002BBBB",
    ]
    assert cli("audit", "--limit", "1").out.splitlines()[-1].startswith("(the newest 1")


@pytest.mark.parametrize("since", ["yesterday", "7w", "2026-13-01"])
def test_a_bad_since_is_a_usage_error(
    cli: Callable[..., Result], no_stack: None, since: str
) -> None:
    result = cli("audit", "--since", since)
    assert result.code == 2 and "invalid --since" in result.err


def test_a_stack_without_an_audit_table_is_told_to_update(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    """A stack deployed before the audit trail: changes still work and say they are not
    recorded; reading the trail asks for the update."""
    outputs = {k: v for k, v in deployed.raw.items() if k != "AuditTableName"}
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.delete_stack(StackName=STACK_NAME)
    publish_outputs(cloudformation, STACK_NAME, outputs)
    added = cli("cameras", "add", VUID)
    assert added.code == 0
    assert added.err == (
        f"note: stack {STACK_NAME} has no audit table: this change is not recorded "
        "(deploy the current template with 'sam deploy')\n"
    )
    read = cli("audit")
    assert read.code == 1 and "has no audit table" in read.err
