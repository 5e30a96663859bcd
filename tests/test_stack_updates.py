"""Updates never replace the user's data: template.yaml, translated as `sam deploy` submits it,
keeps the identity every earlier version gave its tables, bucket, user pool, admin user,
topics, HTTP API and CloudFront distribution (tests/stack_identity.json, recorded from the
first commit that had each), and keeps the data-holding ones when deleted or replaced."""

from __future__ import annotations

import copy
import shutil
import subprocess
from typing import Any

import pytest
from vstarcam_tools.dev.deployed import translate
from vstarcam_tools.dev.stack_identity import (
    changes,
    identity,
    load_snapshot,
    retention_problems,
    template_at,
)
from vstarcam_tools.template import PROJECT_ROOT

TRANSLATED = translate()
CURRENT = identity(TRANSLATED)
RECORDED = load_snapshot()


def test_no_update_replaces_a_resource_that_holds_the_users_data() -> None:
    """GIVEN the identity each guarded resource had when it was first deployed
    THEN this template has the same logical ids, key schemas and replacement-only
    properties: a stack from any earlier version updates in place."""
    assert changes(RECORDED, CURRENT) == []


def test_every_guarded_resource_is_recorded() -> None:
    """A new table, bucket, pool, topic... is recorded at once (`python -m
    vstarcam_tools.dev.stack_identity record`), so that the next change to it is caught."""
    assert set(CURRENT) - set(RECORDED) == set(), (
        "run: python -m vstarcam_tools.dev.stack_identity record"
    )
    assert {"CamerasTable", "AlarmsTable", "MediaBucket", "ConsoleUserPool", "HttpApi"} <= set(
        CURRENT
    )


def test_data_is_kept_when_the_stack_deletes_or_replaces_its_resource() -> None:
    """GIVEN the tables, the bucket, the user pool and the admin user
    THEN DeletionPolicy and UpdateReplacePolicy are Retain (the deliveries table, a week of
    idempotency records, is the one table a deletion removes)."""
    assert retention_problems(TRANSLATED) == []
    assert TRANSLATED["Resources"]["DeliveriesTable"]["DeletionPolicy"] == "Delete"


def test_the_comparison_names_each_kind_of_replacement() -> None:
    """GIVEN the translated template with a table renamed, a key schema changed, a local
    index added, a table name set and the pool's user names made case sensitive
    THEN each is reported with the resource, the property and both values."""
    changed: dict[str, Any] = copy.deepcopy(TRANSLATED)
    resources = changed["Resources"]
    resources["CameraTable"] = resources.pop("CamerasTable")
    resources["AlarmsTable"]["Properties"]["KeySchema"][1]["AttributeName"] = "receivedAtMs"
    resources["DestinationsTable"]["Properties"]["LocalSecondaryIndexes"] = [
        {"IndexName": "byChannel", "KeySchema": [], "Projection": {"ProjectionType": "ALL"}}
    ]
    resources["DeliveriesTable"]["Properties"]["TableName"] = "deliveries"
    resources["ConsoleUserPool"]["Properties"]["UsernameConfiguration"] = {"CaseSensitive": True}

    problems = changes(RECORDED, identity(changed))

    assert any(p.startswith("CamerasTable (AWS::DynamoDB::Table) is gone") for p in problems)
    assert any(p.startswith("AlarmsTable.KeySchema changed") for p in problems)
    assert any(p.startswith("DestinationsTable.LocalSecondaryIndexes changed") for p in problems)
    assert any(p.startswith('DeliveriesTable.TableName changed from null to "deliveries"')
               for p in problems)  # fmt: skip
    assert any(p.startswith("ConsoleUserPool.UsernameConfiguration changed") for p in problems)
    assert all("CloudFormation" in p for p in problems)


def test_retention_problems_name_the_missing_policy() -> None:
    changed = copy.deepcopy(TRANSLATED)
    del changed["Resources"]["AlarmsTable"]["UpdateReplacePolicy"]
    assert retention_problems(changed) == [
        "AlarmsTable (AWS::DynamoDB::Table) needs UpdateReplacePolicy: Retain"
    ]


def latest_release_tag() -> str | None:
    if shutil.which("git") is None:
        return None
    ran = subprocess.run(
        ["git", "describe", "--tags", "--abbrev=0", "--match", "v*"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return ran.stdout.strip() or None


@pytest.mark.slow
def test_the_previous_release_updates_in_place() -> None:
    """GIVEN the latest release tag (vX.Y.Z, README "Releasing"), where the clone has it
    THEN its translated template's guarded resources keep their identity here too."""
    tag = latest_release_tag()
    if tag is None:
        pytest.skip("no release tag in this clone")
    released = template_at(tag)
    assert released is not None, f"{tag}'s template.yaml does not translate"
    assert changes(identity(released), CURRENT) == []
