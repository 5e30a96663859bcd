"""What makes CloudFormation *replace* a resource that holds the user's data.

An update replaces a resource when its logical id disappears (a rename is a delete and a
create) or when a replacement-only property changes. For a table that is every camera or
alarm, for the user pool every console account, for the HTTP API or the CloudFront
distribution every URL handed to the cameras. This module reduces the translated
template (``vstarcam_tools.dev.deployed``, as ``sam deploy`` submits it) to those resources'
identity, so that a test can compare it with what earlier versions deployed
(``tests/stack_identity.json``, recorded from the first commit that had each resource).

``python -m vstarcam_tools.dev.stack_identity record`` adds resources that are new since the
file was written (at a release); it never rewrites a recorded one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from vstarcam_tools.dev.deployed import translate, translate_file
from vstarcam_tools.template import PROJECT_ROOT, load_template

SNAPSHOT = PROJECT_ROOT / "tests" / "stack_identity.json"

# The resources a replacement would cost the user: data, accounts, or URLs in cameras.
GUARDED_TYPES = (
    "AWS::DynamoDB::Table",
    "AWS::S3::Bucket",
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolUser",
    "AWS::SNS::Topic",
    "AWS::ApiGatewayV2::Api",
    "AWS::CloudFront::Distribution",
    "AWS::SSM::Parameter",
    "AWS::SecretsManager::Secret",
    # Messages in flight: the delivery queue's retries (until its drain ends), the
    # dead-letter queues' failures; the schedule group's waiting retries.
    "AWS::SQS::Queue",
    "AWS::Scheduler::ScheduleGroup",
)
# Those whose *deletion* loses data: both policies must keep them (Retain). The push key
# secret and the destinations' secrets are SSM parameters the CLI makes at run time, not
# stack resources, so no update or delete of the stack touches them.
DATA_TYPES = (
    "AWS::DynamoDB::Table",
    "AWS::S3::Bucket",
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolUser",
    "AWS::SSM::Parameter",
    "AWS::SecretsManager::Secret",
)
# Deliveries are a week of idempotency records (TTL), no user data: a stack deletion
# removes them.
DISPOSABLE = frozenset({"DeliveriesTable"})
# Replacement-only properties ("Update requires: Replacement" in CloudFormation's
# reference, and Cognito's "settings you can't change") that the registry schemas
# cfn-lint ships do not list as createOnlyProperties.
EXTRA_REPLACEMENT_PROPERTIES = {
    "AWS::DynamoDB::Table": ("KeySchema", "LocalSecondaryIndexes"),
    "AWS::Cognito::UserPool": (
        "AliasAttributes",
        "UsernameAttributes",
        "UsernameConfiguration",
        "Schema",
    ),
    "AWS::Cognito::UserPoolClient": ("GenerateSecret",),
}


def replacement_properties(resource_type: str) -> list[str]:
    """The top-level properties whose change replaces a resource of this type."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
    names = {
        pointer.split("/")[2]
        for pointer in schema.get("createOnlyProperties", [])
        if pointer.startswith("/properties/")
    }
    return sorted(names | set(EXTRA_REPLACEMENT_PROPERTIES.get(resource_type, ())))


def identity(translated: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each guarded resource's type and replacement-only properties, as the template
    writes them (parameters and references unresolved: what the template controls)."""
    found = {}
    for logical_id, resource in sorted(translated["Resources"].items()):
        resource_type = resource["Type"]
        if resource_type not in GUARDED_TYPES:
            continue
        properties = resource.get("Properties", {})
        entry: dict[str, Any] = {"Type": resource_type}
        for name in replacement_properties(resource_type):
            if name in properties:
                entry[name] = properties[name]
        if resource_type == "AWS::DynamoDB::Table":
            # A key attribute's type is part of the key: changing it needs a new table.
            keys = {
                key["AttributeName"]
                for schema in [properties.get("KeySchema", [])]
                + [index["KeySchema"] for index in properties.get("LocalSecondaryIndexes", [])]
                for key in schema
            }
            entry["KeyAttributeTypes"] = {
                item["AttributeName"]: item["AttributeType"]
                for item in properties.get("AttributeDefinitions", [])
                if item["AttributeName"] in keys
            }
        found[logical_id] = entry
    return found


def changes(recorded: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]]) -> list[str]:
    """Why an update from ``recorded`` to ``current`` would replace a guarded resource."""
    problems = []
    for logical_id, before in recorded.items():
        before = {key: value for key, value in before.items() if key != "since"}
        after = current.get(logical_id)
        if after is None:
            problems.append(
                f"{logical_id} ({before['Type']}) is gone: a renamed or removed logical id "
                "makes CloudFormation delete it and create another"
            )
            continue
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                problems.append(
                    f"{logical_id}.{key} changed from {json.dumps(before.get(key))} to "
                    f"{json.dumps(after.get(key))}: CloudFormation would replace "
                    f"{logical_id} ({before['Type']})"
                )
    return problems


def retention_problems(translated: dict[str, Any]) -> list[str]:
    """Data-holding resources whose deletion or replacement would not keep the old one."""
    problems = []
    for logical_id, resource in sorted(translated["Resources"].items()):
        if resource["Type"] not in DATA_TYPES or logical_id in DISPOSABLE:
            continue
        for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
            if resource.get(policy) != "Retain":
                problems.append(f"{logical_id} ({resource['Type']}) needs {policy}: Retain")
    return problems


# -- the recorded identities ------------------------------------------------------------


def load_snapshot(path: Path = SNAPSHOT) -> dict[str, dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["resources"]


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout


def template_at(revision: str) -> dict[str, Any] | None:
    """The translated template of a commit or tag; None where it does not translate."""
    text = _git("show", f"{revision}:template.yaml")
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        try:
            return translate(load_template(Path(file.name)))
        except Exception:  # an old template SAM no longer accepts: skipped, said by caller
            return None


def history() -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Each guarded resource's identity at the first commit that had it, and every later
    commit that changed it (a replacement for stacks deployed before that commit)."""
    commits = _git("log", "--reverse", "--format=%h", "--", "template.yaml").split()
    first: dict[str, dict[str, Any]] = {}
    notes = []
    for commit in commits:
        translated = template_at(commit)
        if translated is None:
            notes.append(f"{commit}: does not translate with this samtranslator, skipped")
            continue
        current = identity(translated)
        for problem in changes({k: v for k, v in first.items() if k in current}, current):
            notes.append(f"{commit}: {problem}")
        for logical_id, entry in current.items():
            if logical_id not in first:
                first[logical_id] = {**entry, "since": commit}
            else:
                first[logical_id] = {**entry, "since": first[logical_id]["since"]}
    return first, notes


def record(path: Path = SNAPSHOT) -> list[str]:
    """Add the guarded resources the file does not have yet; recorded ones stay as they
    are (a changed one is a replacement to undo, not to record)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    current = identity(translate_file())
    added = []
    for logical_id, entry in current.items():
        if logical_id not in document["resources"]:
            since = _git("rev-parse", "--short", "HEAD").strip()
            document["resources"][logical_id] = {**entry, "since": since}
            added.append(logical_id)
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vstarcam_tools.dev.stack_identity")
    parser.add_argument("command", choices=["record", "history", "check"])
    args = parser.parse_args(argv)
    if args.command == "history" and not SNAPSHOT.exists():
        first, _ = history()
        about = (
            "The identity of each stack resource whose replacement would cost users their "
            "data, accounts or camera URLs, as first deployed ('since': the first commit "
            "that had it). tests/test_stack_updates.py fails when template.yaml changes "
            "one; 'python -m vstarcam_tools.dev.stack_identity record' adds new resources."
        )
        document = {"about": about, "resources": first}
        SNAPSHOT.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    if args.command == "record":
        added = record()
        print(f"recorded: {', '.join(added) or 'nothing new'}")
        return 0
    if args.command == "history":
        first, notes = history()
        print("\n".join(notes) or "no guarded resource changed identity")
        print(json.dumps(first, indent=2, sort_keys=True))
        return 0
    translated = translate_file()
    problems = changes(load_snapshot(), identity(translated)) + retention_problems(translated)
    print("\n".join(problems) or "ok: no update replaces or deletes the user's data")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
