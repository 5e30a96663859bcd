"""template.yaml's console roles (Cognito groups, the first user an admin) and the audit
trail's table (its own, kept for RetentionDays, out of reach of the camera push paths)."""

from __future__ import annotations

from typing import Any

from vstarcam_push.models.access import ADMIN, ALL_SITES_GROUP, VIEWER
from vstarcam_tools.template import Stack, load_template

TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]


def of_type(type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in RESOURCES.items() if v["Type"] == type_}


def test_the_roles_and_all_sites_are_groups_of_the_console_pool() -> None:
    groups = of_type("AWS::Cognito::UserPoolGroup")
    assert {g["Properties"]["GroupName"] for g in groups.values()} == {
        ADMIN,
        VIEWER,
        ALL_SITES_GROUP,
    }
    for group in groups.values():
        assert group["Properties"]["UserPoolId"] == {"Ref": "ConsoleUserPool"}
        assert "RoleArn" not in group["Properties"]  # no AWS credentials for console users


def test_the_first_user_is_an_admin_only_when_given() -> None:
    (attachment,) = of_type("AWS::Cognito::UserPoolUserToGroupAttachment").values()
    assert attachment["Condition"] == "HasConsoleAdmin"
    assert attachment["Properties"] == {
        "UserPoolId": {"Ref": "ConsoleUserPool"},
        "Username": {"Ref": "ConsoleAdminUser"},
        "GroupName": {"Ref": "ConsoleAdminGroup"},
    }
    assert RESOURCES["ConsoleAdminGroup"]["Properties"]["GroupName"] == ADMIN
    assert not Stack().resources("AWS::Cognito::UserPoolUserToGroupAttachment")
    given = Stack(overrides={"ConsoleAdminEmail": "owner@example.com"})
    assert given.resources("AWS::Cognito::UserPoolUserToGroupAttachment")


def test_roles_and_sites_leave_the_user_pool_as_it_was() -> None:
    """Replacing the pool (every user and password gone) is forbidden: roles and sites
    are groups, so the pool has no Schema (a custom attribute cannot be removed once
    added), and the app client reads and writes no custom attribute."""
    pool = RESOURCES["ConsoleUserPool"]["Properties"]
    assert "Schema" not in pool
    client = RESOURCES["ConsoleUserPoolClient"]["Properties"]
    assert "ReadAttributes" not in client and "WriteAttributes" not in client
    assert RESOURCES["ConsoleUserPool"]["DeletionPolicy"] == "Retain"


def test_the_audit_table_is_its_own_kept_for_retention_days() -> None:
    table = RESOURCES["AuditTable"]
    assert table["DeletionPolicy"] == "Retain"
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert "StreamSpecification" not in props  # nothing is triggered by a change's record
    assert Stack().outputs()["AuditTableName"] == "vstarcam-push-audittable"


def mentions(value: Any, name: str) -> bool:
    return name in repr(value)


def test_no_camera_push_path_can_touch_the_audit_table() -> None:
    """Recording a change adds no write to the camera push paths: the only function that
    names the audit table (its variable or its grants) is the console API."""
    functions = of_type("AWS::Serverless::Function")
    naming = {
        logical_id
        for logical_id, function in functions.items()
        if mentions(function["Properties"], "AuditTable")
    }
    assert naming <= {"ConsoleApiFunction"}
    for logical_id in ("HeartbeatFunction", "AlarmFunction", "OfflineSweepFunction"):
        assert logical_id in functions and logical_id not in naming
