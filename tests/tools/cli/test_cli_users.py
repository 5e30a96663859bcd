"""``vstarcam-push users``: add, change, list and remove the web console's Cognito users,
their roles and sites (Cognito groups)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from vstarcam_tools.outputs import StackOutputs, publish_outputs

from tests.conftest import REGION
from tests.tools.cli.conftest import STACK_NAME, Result


def cognito_users(outputs: StackOutputs) -> dict[str, dict]:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    users = cognito.list_users(UserPoolId=outputs.raw["ConsoleUserPoolId"])["Users"]
    return {u["Username"]: u for u in users}


def test_add_creates_a_user_who_must_choose_a_password(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    result = cli("users", "add", "owner@example.com", "--role", "admin")
    assert result.code == 0, result.err
    assert "added console user owner@example.com, admin" in result.out
    assert "temporary password" in result.out
    user = cognito_users(deployed)["owner@example.com"]
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    attributes = {a["Name"]: a["Value"] for a in user["Attributes"]}
    assert attributes["email"] == "owner@example.com"


def test_adding_a_user_twice_is_one_line_error(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    assert cli("users", "add", "owner@example.com", "--role", "admin").code == 0
    again = cli("users", "add", "owner@example.com", "--role", "admin")
    assert again.code == 1
    assert again.err == "vstarcam-push: error: console user owner@example.com already exists\n"


def test_a_bad_email_is_a_usage_error_before_any_aws_call(
    cli: Callable[..., Result], no_stack: None
) -> None:
    result = cli("users", "add", "not-an-email", "--role", "admin")
    assert result.code == 2 and "'not-an-email' is not an email address" in result.err


def test_list_shows_the_users_as_a_table_and_json(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    assert "no console users" in cli("users", "list").out
    cli("users", "add", "b@example.com", "--role", "admin")
    cli("users", "add", "a@example.com", "--role", "admin")
    table = cli("users", "list").out.splitlines()
    assert table[0].split() == ["USER", "ROLE", "SITES", "MFA", "STATUS", "LAST", "SIGN-IN"]
    assert [line.split()[0] for line in table[1:]] == ["a@example.com", "b@example.com"]
    listed = json.loads(cli("users", "list", "--json").out)
    assert [u["email"] for u in listed] == ["a@example.com", "b@example.com"]
    assert {u["status"] for u in listed} == {"FORCE_CHANGE_PASSWORD"}
    assert not any("password" in key.lower() for u in listed for key in u)


def test_remove_deletes_the_user_and_refuses_an_unknown_one(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    cli("users", "add", "owner@example.com", "--role", "admin")
    assert cli("users", "remove", "owner@example.com").out == (
        "removed console user owner@example.com, signed out everywhere first "
        "(a token already issued works until it expires, within minutes)\n"
    )
    assert cognito_users(deployed) == {}
    missing = cli("users", "remove", "owner@example.com")
    assert missing.code == 1 and "does not exist" in missing.err


def test_remove_signs_the_user_out_everywhere_before_deleting(
    cli: Callable[..., Result], deployed: StackOutputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a console user signed in (holding a refresh token)
    WHEN the owner removes them
    THEN the CLI signs them out everywhere (every refresh token revoked) while they still
    exist, then deletes them: no session of theirs can be renewed."""
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool, client = deployed.raw["ConsoleUserPoolId"], deployed.raw["ConsoleUserPoolClientId"]
    cli("users", "add", "owner@example.com", "--role", "admin")
    cognito.admin_set_user_password(
        UserPoolId=pool, Username="owner@example.com", Password="a-long-password-1", Permanent=True
    )
    signed_in = cognito.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "owner@example.com", "PASSWORD": "a-long-password-1"},
    )["AuthenticationResult"]
    calls: list[str] = []
    send = BaseClient._make_api_call

    def record(client_: Any, operation: str, params: dict[str, Any]) -> Any:
        if client_.meta.service_model.service_name == "cognito-idp":
            exists = any(u["Username"] == "owner@example.com" for u in cognito_users_now(pool))
            calls.append(f"{operation} ({'user exists' if exists else 'user gone'})")
        return send(client_, operation, params)

    def cognito_users_now(pool_id: str) -> list[dict[str, Any]]:
        return send(cognito, "ListUsers", {"UserPoolId": pool_id})["Users"]

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    assert cli("users", "remove", "owner@example.com").code == 0
    monkeypatch.undo()

    assert calls == [
        "AdminUserGlobalSignOut (user exists)",
        "AdminDeleteUser (user exists)",
    ]
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        cognito.initiate_auth(
            ClientId=client,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": signed_in["RefreshToken"]},
        )


def test_a_stack_without_a_console_is_told_to_update(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    outputs = {k: v for k, v in deployed.raw.items() if not k.startswith("Console")}
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.delete_stack(StackName=STACK_NAME)
    publish_outputs(cloudformation, STACK_NAME, outputs)
    result = cli("users", "list")
    assert result.code == 1 and "has no web console" in result.err


# -- roles and sites ---------------------------------------------------------------------


def groups_of(outputs: StackOutputs, user: str) -> set[str]:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    answer = cognito.admin_list_groups_for_user(
        UserPoolId=outputs.raw["ConsoleUserPoolId"], Username=user
    )
    return {group["GroupName"] for group in answer["Groups"]}


def test_a_viewer_is_added_with_their_sites_as_groups(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    """GIVEN a stack whose user pool has the template's role groups
    WHEN the installer invites a customer as a viewer of two sites
    THEN the user is in the viewer group and one group per site (made on first use), and
    is told a site no camera is in yet (a typo shows)."""
    result = cli(
        "users", "add", "ann@example.com", "--role", "viewer", "--sites", "Smith house,Jones shop"
    )
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == (
        "added console user ann@example.com, viewer of Jones shop, Smith house: Cognito emails "
        "a temporary password, and the first sign-in asks for a new one"
    )
    assert "no camera is in site 'Smith house' yet" in result.out
    assert groups_of(deployed, "ann@example.com") == {
        "viewer",
        "site:Smith%20house",
        "site:Jones%20shop",
    }
    # A second viewer of the same site joins the group made for the first.
    assert (
        cli("users", "add", "bob@example.com", "--role", "viewer", "--sites", "Smith house").code
        == 0
    )
    assert groups_of(deployed, "bob@example.com") == {"viewer", "site:Smith%20house"}


def test_a_site_with_cameras_is_not_noted(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    assert cli("cameras", "add", "VE0005622QHOW", "--site", "Smith house").code == 0
    result = cli("users", "add", "ann@example.com", "--role", "viewer", "--sites", "Smith house")
    assert result.code == 0 and "note" not in result.out


def test_a_viewer_of_all_sites_and_an_admin(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    assert cli("users", "add", "all@example.com", "--role", "viewer", "--all-sites").code == 0
    assert groups_of(deployed, "all@example.com") == {"viewer", "all-sites"}
    assert cli("users", "add", "boss@example.com", "--role", "admin").code == 0
    assert groups_of(deployed, "boss@example.com") == {"admin"}


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--role", "viewer"], 1, "a viewer needs their sites"),
        (["--role", "admin", "--sites", "A"], 1, "an admin sees every site"),
        (["--role", "admin", "--all-sites"], 1, "an admin sees every site"),
        ([], 2, "the following arguments are required: --role"),
        (["--role", "owner"], 2, "invalid choice: 'owner'"),
        (["--role", "viewer", "--sites", "A/B"], 2, "site 'A/B'"),
        (["--role", "viewer", "--sites", "A", "--all-sites"], 2, "not allowed with"),
    ],
)
def test_a_role_and_sites_that_do_not_fit_are_refused_before_any_aws_call(
    cli: Callable[..., Result], no_stack: None, argv: list[str], code: int, message: str
) -> None:
    result = cli("users", "add", "ann@example.com", *argv)
    assert result.code == code and message in result.err, result.err


def test_set_changes_sites_and_roles(cli: Callable[..., Result], deployed: StackOutputs) -> None:
    """GIVEN a viewer of Smith house
    WHEN their sites change, they become an admin, and a viewer of all sites again
    THEN their groups follow exactly (site groups they left are left), each change says
    what it was, and other groups of the pool are untouched."""
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool = deployed.raw["ConsoleUserPoolId"]
    cli("users", "add", "ann@example.com", "--role", "viewer", "--sites", "Smith house")
    cognito.create_group(UserPoolId=pool, GroupName="someone-elses")
    cognito.admin_add_user_to_group(
        UserPoolId=pool, Username="ann@example.com", GroupName="someone-elses"
    )

    moved = cli("users", "set", "ann@example.com", "--sites", "Jones shop")
    assert moved.code == 0, moved.err
    assert moved.out.splitlines()[0] == (
        "console user ann@example.com is now viewer of Jones shop (was viewer of Smith house); "
        "their session follows at its next token renewal, within 10 minutes"
    )
    assert groups_of(deployed, "ann@example.com") == {
        "viewer",
        "site:Jones%20shop",
        "someone-elses",
    }

    assert cli("users", "set", "ann@example.com", "--role", "admin").code == 0
    assert groups_of(deployed, "ann@example.com") == {"admin", "someone-elses"}

    # Back to viewer: an admin had no sites to keep, so they must be given.
    again = cli("users", "set", "ann@example.com", "--role", "viewer")
    assert again.code == 1 and "a viewer needs their sites" in again.err
    assert cli("users", "set", "ann@example.com", "--role", "viewer", "--all-sites").code == 0
    assert groups_of(deployed, "ann@example.com") == {"viewer", "all-sites", "someone-elses"}


def test_set_refuses_nothing_and_an_unknown_user(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    nothing = cli("users", "set", "ann@example.com")
    assert nothing.code == 1 and "nothing to change" in nothing.err
    missing = cli("users", "set", "ann@example.com", "--role", "admin")
    assert missing.code == 1 and missing.err.endswith(
        "console user ann@example.com does not exist\n"
    )


def test_list_shows_role_sites_mfa_and_status(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    """GIVEN an admin with two-step sign-in on, a viewer of two sites, a viewer of all
    sites and a user from before roles
    THEN the table and the JSON say each one's role, sites and MFA, the role-less user is
    pointed out, and the missing last sign-in is explained once."""
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool, client = deployed.raw["ConsoleUserPoolId"], deployed.raw["ConsoleUserPoolClientId"]
    cli("users", "add", "boss@example.com", "--role", "admin")
    cli("users", "add", "ann@example.com", "--role", "viewer", "--sites", "Smith house,Jones shop")
    cli("users", "add", "all@example.com", "--role", "viewer", "--all-sites")
    cognito.admin_create_user(UserPoolId=pool, Username="old@example.com")
    cognito.admin_set_user_password(
        UserPoolId=pool, Username="boss@example.com", Password="a-long-password-1", Permanent=True
    )
    token = cognito.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "boss@example.com", "PASSWORD": "a-long-password-1"},
    )["AuthenticationResult"]["AccessToken"]
    cognito.associate_software_token(AccessToken=token)
    cognito.verify_software_token(AccessToken=token, UserCode="123456")
    cognito.set_user_mfa_preference(
        AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )

    result = cli("users", "list")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    rows = {line.split()[0]: line for line in lines[1:5]}
    assert rows["all@example.com"].split()[1:4] == ["viewer", "all", "off"]
    assert rows["ann@example.com"].split()[1:6] == ["viewer", "Jones", "shop,", "Smith", "house"]
    assert rows["boss@example.com"].split()[1:5] == ["admin", "all", "on", "CONFIRMED"]
    assert rows["old@example.com"].split()[1:3] == ["none", "-"]
    assert "1 user has no role and see" in result.out
    assert "LAST SIGN-IN: Cognito keeps sign-in events only with threat protection" in result.err

    listed = {u["username"]: u for u in json.loads(cli("users", "list", "--json").out)}
    assert listed["ann@example.com"] | {"createdAt": None} == {
        "username": "ann@example.com",
        "email": "ann@example.com",
        "role": "viewer",
        "sites": ["Jones shop", "Smith house"],
        "allSites": False,
        "mfa": False,
        "status": "FORCE_CHANGE_PASSWORD",
        "enabled": True,
        "createdAt": None,
        "lastSignIn": None,
    }
    assert listed["boss@example.com"]["mfa"] is True
    assert (
        listed["all@example.com"]["allSites"] is True and listed["all@example.com"]["sites"] is None
    )
    assert listed["old@example.com"]["role"] is None


def test_list_shows_the_last_sign_in_where_cognito_keeps_it(
    cli: Callable[..., Result], deployed: StackOutputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pool with threat protection keeps sign-in events (moto has no such add-on, so its
    two answers are given here): the newest successful sign-in is shown."""
    from datetime import UTC, datetime

    cli("users", "add", "ann@example.com", "--role", "viewer", "--all-sites")
    send = BaseClient._make_api_call

    def answer(client_: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "DescribeUserPool":
            pool = send(client_, operation, params)
            pool["UserPool"]["UserPoolAddOns"] = {"AdvancedSecurityMode": "AUDIT"}
            return pool
        if operation == "AdminListUserAuthEvents":
            assert params["Username"] == "ann@example.com"
            return {
                "AuthEvents": [
                    {
                        "EventType": "SignIn",
                        "EventResponse": "Fail",
                        "CreationDate": datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
                    },
                    {
                        "EventType": "SignIn",
                        "EventResponse": "Pass",
                        "CreationDate": datetime(2026, 11, 26, 8, 30, tzinfo=UTC),
                    },
                ]
            }
        return send(client_, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", answer)
    result = cli("users", "list")
    assert "2026-11-26T08:30:00Z" in result.out and "threat protection" not in result.err
    assert json.loads(cli("users", "list", "--json").out)[0]["lastSignIn"] == "2026-11-26T08:30:00Z"


def test_the_first_user_of_the_template_is_an_admin() -> None:
    """ConsoleAdminEmail's user joins the admin group (in moto, as CloudFormation would)."""
    from moto import mock_aws
    from vstarcam_tools.provision import create_resources
    from vstarcam_tools.template import Stack

    with mock_aws():
        stack = Stack(region=REGION, overrides={"ConsoleAdminEmail": "owner@example.com"})
        create_resources(stack, boto3.Session(region_name=REGION))
        outputs = StackOutputs.from_dict(stack.outputs())
        assert groups_of(outputs, "owner@example.com") == {"admin"}
