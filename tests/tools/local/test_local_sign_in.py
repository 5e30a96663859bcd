"""Local sign-in exactly as the template's app client allows: the /cognito-idp/ path passes the
password, refresh, new-password and MFA steps and nothing else (moto's SRP accepts any proof),
and answers RevokeToken, which moto does not implement."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws
from vstarcam_tools.local.console import CognitoPath, SignInRules, create_console_user, make_admin
from vstarcam_tools.local.moto_server import challenge_names_session_user, revoke_refresh_token
from vstarcam_tools.template import Stack
from werkzeug.test import Client
from werkzeug.wrappers import Response

from tests.unit.conftest import _no_network  # noqa: F401  (no socket is opened)

CLIENT = "console-client-id"
# Nothing listens there: a call let through to "moto" would fail the test loudly.
NO_MOTO = "http://127.0.0.1:9"


def template_rules(**overrides: str) -> SignInRules:
    stack = Stack(overrides=overrides)
    return SignInRules.of(
        CLIENT, stack.properties("ConsoleUserPoolClient"), stack.properties("ConsoleUserPool")
    )


def not_served(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    raise AssertionError("the API was called")


def cognito(
    operation: str, body: dict[str, Any], revoked: list[tuple[str, str]] | None = None
) -> Any:
    def revoke(token: str, client: str) -> str:
        assert revoked is not None
        revoked.append((token, client))
        return "" if client == CLIENT else "UnauthorizedException"

    path = CognitoPath(not_served, NO_MOTO, {CLIENT: template_rules()}, revoke=revoke)
    return Client(path, Response).post(
        "/cognito-idp/",
        data=json.dumps(body),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}",
        },
    )


def test_the_templates_client_allows_password_refresh_new_password_and_mfa() -> None:
    rules = template_rules()

    assert rules.flows == {"USER_PASSWORD_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"}
    assert rules.challenges == {"NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA", "MFA_SETUP"}
    assert rules.mfa == "OPTIONAL"
    assert template_rules(ConsoleMfa="required").mfa == "ON"


@pytest.mark.parametrize(
    ("operation", "body", "named"),
    [
        (
            "InitiateAuth",
            {"AuthFlow": "USER_SRP_AUTH", "AuthParameters": {"USERNAME": "admin"}},
            "USER_SRP_AUTH",
        ),
        ("InitiateAuth", {"AuthFlow": "CUSTOM_AUTH"}, "CUSTOM_AUTH"),
        ("InitiateAuth", {"AuthFlow": "USER_AUTH"}, "USER_AUTH"),
        ("RespondToAuthChallenge", {"ChallengeName": "PASSWORD_VERIFIER"}, "PASSWORD_VERIFIER"),
        ("RespondToAuthChallenge", {"ChallengeName": "CUSTOM_CHALLENGE"}, "CUSTOM_CHALLENGE"),
        ("RespondToAuthChallenge", {"ChallengeName": "DEVICE_SRP_AUTH"}, "DEVICE_SRP_AUTH"),
    ],
    ids=["srp", "custom", "choice", "srp-verifier", "custom-challenge", "device-srp"],
)
def test_srp_and_every_other_flow_is_refused_with_a_clear_error(
    operation: str, body: dict[str, Any], named: str
) -> None:
    reply = cognito(operation, {"ClientId": CLIENT, **body})

    assert reply.status_code == 400
    assert reply.json["__type"] == "InvalidParameterException"
    assert f"{named} is not enabled for this client" in reply.json["message"]


def test_a_client_the_template_does_not_declare_signs_in_nowhere() -> None:
    reply = cognito("InitiateAuth", {"ClientId": "other", "AuthFlow": "USER_PASSWORD_AUTH"})

    assert reply.status_code == 400 and reply.json["__type"] == "ResourceNotFoundException"


def test_sign_out_is_answered_here_since_moto_does_not_implement_it() -> None:
    revoked: list[tuple[str, str]] = []

    done = cognito("RevokeToken", {"Token": "refresh", "ClientId": CLIENT}, revoked)
    other = cognito("RevokeToken", {"Token": "refresh", "ClientId": "x"}, revoked)

    assert (done.status_code, json.loads(done.data)) == (200, {})
    assert revoked[0] == ("refresh", CLIENT)
    assert other.status_code == 400  # unknown client: refused before revoking


@mock_aws
def test_a_revoked_refresh_token_refreshes_nothing_and_its_access_token_ends() -> None:
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool = idp.create_user_pool(PoolName="console")["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="console", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="admin", MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=pool, Username="admin", Password="Password-12345", Permanent=True
    )

    def sign_in() -> dict[str, Any]:
        return idp.initiate_auth(
            ClientId=client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "admin", "PASSWORD": "Password-12345"},
        )["AuthenticationResult"]

    signed_out, still_in = sign_in(), sign_in()
    account = boto3.client("sts", region_name="us-east-1").get_caller_identity()["Account"]

    assert revoke_refresh_token(account, "us-east-1", signed_out["RefreshToken"], "x") != ""
    assert revoke_refresh_token(account, "us-east-1", signed_out["RefreshToken"], client) == ""
    with pytest.raises(idp.exceptions.NotAuthorizedException, match="revoked"):
        idp.initiate_auth(
            ClientId=client,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": signed_out["RefreshToken"]},
        )
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.get_user(AccessToken=signed_out["AccessToken"])
    # The other session (another browser) is not signed out.
    assert idp.get_user(AccessToken=still_in["AccessToken"])["Username"] == "admin"
    refreshed = idp.initiate_auth(
        ClientId=client,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": still_in["RefreshToken"]},
    )
    assert refreshed["AuthenticationResult"]["AccessToken"]
    # Revoking again, or a token never issued, is no error (as Cognito answers).
    assert revoke_refresh_token(account, "us-east-1", signed_out["RefreshToken"], client) == ""
    assert revoke_refresh_token(account, "us-east-1", "never-issued", client) == ""


@mock_aws
def test_the_local_admin_is_in_the_admin_group_even_when_kept_from_before_roles() -> None:
    """A state saved before roles existed has ``admin`` in no group: it would see nothing.
    Making it an admin again (each start) changes nothing for one that already is."""
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool = idp.create_user_pool(PoolName="console")["UserPool"]["Id"]
    idp.create_group(UserPoolId=pool, GroupName="admin")
    idp.admin_create_user(UserPoolId=pool, Username="admin", MessageAction="SUPPRESS")
    for _ in range(2):
        make_admin(idp, pool)
        groups = idp.admin_list_groups_for_user(UserPoolId=pool, Username="admin")["Groups"]
        assert [group["GroupName"] for group in groups] == ["admin"]


@mock_aws
def test_a_password_given_again_at_a_restart_becomes_the_kept_users_password() -> None:
    # The state restored admin; `make run ARGS="--console-password ..."` (the README's way)
    # at the next start must set that password, not fail the start (UsernameExists).
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool = idp.create_user_pool(PoolName="console")["UserPool"]["Id"]
    idp.create_group(UserPoolId=pool, GroupName="admin")  # the template's role group
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="console", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    create_console_user(idp, pool, "First-password-1")

    create_console_user(idp, pool, "Second-password-2")

    signed_in = idp.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "admin", "PASSWORD": "Second-password-2"},
    )
    assert signed_in["AuthenticationResult"]["AccessToken"]
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.initiate_auth(
            ClientId=client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "admin", "PASSWORD": "First-password-1"},
        )


@mock_aws
@pytest.mark.parametrize(
    ("challenge", "answer"),
    [
        ("NEW_PASSWORD_REQUIRED", {"NEW_PASSWORD": "Taken-over-1"}),
        ("SOFTWARE_TOKEN_MFA", {"SOFTWARE_TOKEN_MFA_CODE": "123456"}),
    ],
    ids=["new-password", "mfa-code"],
)
def test_a_challenge_answered_for_another_user_than_the_sessions_is_refused(
    challenge: str, answer: dict[str, str]
) -> None:
    # moto takes the user from the answer's USERNAME, not from the session: with the
    # session of their own first sign-in, an invited user would set admin's password
    # (or finish admin's sign-in with any code).
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool = idp.create_user_pool(PoolName="console")["UserPool"]["Id"]
    idp.create_group(UserPoolId=pool, GroupName="admin")  # the template's role group
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="console", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    create_console_user(idp, pool, "Admins-own-1")
    idp.admin_create_user(
        UserPoolId=pool, Username="bob", TemporaryPassword="Invited-1", MessageAction="SUPPRESS"
    )
    session = idp.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "bob", "PASSWORD": "Invited-1"},
    )["Session"]
    account = boto3.client("sts", region_name="us-east-1").get_caller_identity()["Account"]
    path = CognitoPath(
        not_served,
        NO_MOTO,
        {client: template_rules()},
        session_user=lambda session, user: challenge_names_session_user(
            account, "us-east-1", session, user
        ),
    )

    def respond(username: str) -> Any:
        return Client(path, Response).post(
            "/cognito-idp/",
            data=json.dumps(
                {
                    "ClientId": client,
                    "ChallengeName": challenge,
                    "Session": session,
                    "ChallengeResponses": {"USERNAME": username, **answer},
                }
            ),
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "AWSCognitoIdentityProviderService.RespondToAuthChallenge",
            },
        )

    refused = respond("admin")

    assert refused.status_code == 400
    assert refused.json["__type"] == "NotAuthorizedException"
    # Refused here, not passed on: admin's password is still admin's own.
    assert idp.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "admin", "PASSWORD": "Admins-own-1"},
    )["AuthenticationResult"]
    # The session's own user may answer; a session moto does not know is moto's to refuse.
    assert challenge_names_session_user(account, "us-east-1", session, "bob")
    assert challenge_names_session_user(account, "us-east-1", "unknown-session", "admin")
