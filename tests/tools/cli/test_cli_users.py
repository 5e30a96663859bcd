"""``vstarcam-push users``: add, list and remove the web console's Cognito users."""

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
    result = cli("users", "add", "owner@example.com")
    assert result.code == 0, result.err
    assert "added console user owner@example.com" in result.out
    assert "temporary password" in result.out
    user = cognito_users(deployed)["owner@example.com"]
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    attributes = {a["Name"]: a["Value"] for a in user["Attributes"]}
    assert attributes["email"] == "owner@example.com"


def test_adding_a_user_twice_is_one_line_error(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    assert cli("users", "add", "owner@example.com").code == 0
    again = cli("users", "add", "owner@example.com")
    assert again.code == 1
    assert again.err == "vstarcam-push: error: console user owner@example.com already exists\n"


def test_a_bad_email_is_a_usage_error_before_any_aws_call(
    cli: Callable[..., Result], no_stack: None
) -> None:
    result = cli("users", "add", "not-an-email")
    assert result.code == 2 and "'not-an-email' is not an email address" in result.err


def test_list_shows_the_users_as_a_table_and_json(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    assert "no console users" in cli("users", "list").out
    cli("users", "add", "b@example.com")
    cli("users", "add", "a@example.com")
    table = cli("users", "list").out.splitlines()
    assert table[0].split() == ["USER", "EMAIL", "STATUS", "CREATED"]
    assert [line.split()[0] for line in table[1:]] == ["a@example.com", "b@example.com"]
    listed = json.loads(cli("users", "list", "--json").out)
    assert [u["email"] for u in listed] == ["a@example.com", "b@example.com"]
    assert {u["status"] for u in listed} == {"FORCE_CHANGE_PASSWORD"}
    assert not any("password" in key.lower() for u in listed for key in u)


def test_remove_deletes_the_user_and_refuses_an_unknown_one(
    cli: Callable[..., Result], deployed: StackOutputs
) -> None:
    cli("users", "add", "owner@example.com")
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
    cli("users", "add", "owner@example.com")
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
