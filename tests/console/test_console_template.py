"""template.yaml's web console: the Cognito pool and client, the JWT authorizer on every
/api/ route (and on no other), the console functions' least-privilege roles and outputs."""

from __future__ import annotations

from typing import Any

from vstarcam_push.console.routes import ConsoleApi, ConsoleSettings
from vstarcam_tools.template import Stack, load_template

TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]


def props(logical_id: str) -> dict[str, Any]:
    return RESOURCES[logical_id]["Properties"]


def http_routes() -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (logical_id, event["Properties"]["Method"], event["Properties"]["Path"], event)
        for logical_id, resource in RESOURCES.items()
        if resource["Type"] == "AWS::Serverless::Function"
        for event in resource["Properties"].get("Events", {}).values()
        if event["Type"] == "HttpApi"
    ]


def test_every_api_route_has_the_jwt_authorizer_and_no_other_route_has_one() -> None:
    api_routes = 0
    for function, _method, path, event in http_routes():
        authorizer = event["Properties"].get("Auth", {}).get("Authorizer")
        if path.startswith("/api/"):
            api_routes += 1
            assert function == "ConsoleApiFunction"
            if path == "/api/push/action":
                # A notification's action: the token in the body is the credential, the
                # service worker holds no session (console/push.py, docs/security.md).
                assert authorizer is None, path
                continue
            assert authorizer == "ConsoleAuthorizer", path
        else:
            # Camera routes, media links and the page stay open.
            assert authorizer is None, path
    assert api_routes == 29  # 16, 4 snooze (console/snooze.py), 2 day, 7 web push
    assert "DefaultAuthorizer" not in props("HttpApi")["Auth"]


def test_the_template_declares_exactly_the_routes_the_api_answers() -> None:
    declared = {
        f"{method} {path}"
        for function, method, path, _ in http_routes()
        if function == "ConsoleApiFunction"
    }
    api = ConsoleApi(None, None, None, ConsoleSettings("c", "a", "b", 180, 30, ""))
    assert declared == api.route_keys


def test_the_authorizer_checks_issuer_and_audience_of_the_pool() -> None:
    authorizer = props("HttpApi")["Auth"]["Authorizers"]["ConsoleAuthorizer"]
    assert authorizer["IdentitySource"] == "$request.header.Authorization"
    resolved = Stack(region="eu-west-1").resolve(authorizer["JwtConfiguration"])
    assert resolved == {
        "issuer": "https://cognito-idp.eu-west-1.amazonaws.com/vstarcam-push-consoleuserpool",
        "audience": ["vstarcam-push-consoleuserpoolclient"],
    }


def test_the_user_pool_has_no_self_sign_up_and_totp_mfa() -> None:
    pool = props("ConsoleUserPool")
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert Stack().resolve(pool["MfaConfiguration"]) == "OPTIONAL"
    assert Stack(overrides={"ConsoleMfa": "required"}).resolve(pool["MfaConfiguration"]) == "ON"
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12


def test_the_app_client_is_public_and_signs_in_without_the_hosted_ui() -> None:
    client = props("ConsoleUserPoolClient")
    assert client["GenerateSecret"] is False
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["EnableTokenRevocation"] is True


def test_tokens_are_short_lived_and_refreshed_and_sign_out_can_revoke() -> None:
    """The JWT authorizer does not check revocation: a signed-out or removed user's access
    (or ID) token works at the API until it expires, so it expires within 5 to 15 minutes;
    the refresh token (which sign-out and 'users remove' revoke) keeps the session."""
    client = props("ConsoleUserPoolClient")
    assert client["EnableTokenRevocation"] is True
    assert "ALLOW_REFRESH_TOKEN_AUTH" in client["ExplicitAuthFlows"]
    units = client["TokenValidityUnits"]
    assert units == {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes"}
    assert 5 <= client["AccessTokenValidity"] <= 15
    assert 5 <= client["IdTokenValidity"] <= 15
    assert client["RefreshTokenValidity"] >= 60 * client["AccessTokenValidity"]


def test_the_lifetimes_and_revocation_change_without_replacing_the_app_client() -> None:
    """A replaced app client would get a new id, which signed-in pages and the authorizer's
    audience hold: CloudFormation replaces it only for its create-only properties
    (the resource schema cfn-lint ships), and those are as they were."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(
        "us-east-1", "AWS::Cognito::UserPoolClient"
    ).schema
    create_only = {path.rsplit("/", 1)[1] for path in schema["createOnlyProperties"]}
    assert create_only == {"GenerateSecret", "UserPoolId"}
    client = props("ConsoleUserPoolClient")
    assert client["GenerateSecret"] is False
    assert client["UserPoolId"] == {"Ref": "ConsoleUserPool"}


def test_console_admin_email_creates_the_first_user_only_when_given() -> None:
    assert TEMPLATE["Parameters"]["ConsoleAdminEmail"]["Default"] == ""
    assert "ConsoleAdminUser" not in Stack().resources()
    stack = Stack(overrides={"ConsoleAdminEmail": "owner@example.com"})
    assert "ConsoleAdminUser" in stack.resources()
    user = stack.properties("ConsoleAdminUser")
    assert user["Username"] == "owner@example.com"
    assert user["DesiredDeliveryMediums"] == ["EMAIL"]


COGNITO_ACTIONS = {
    "cognito-idp:ListUsers",
    "cognito-idp:ListGroups",
    "cognito-idp:ListUsersInGroup",
    "cognito-idp:DescribeUserPool",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminListGroupsForUser",
    "cognito-idp:AdminListUserAuthEvents",
    "cognito-idp:AdminCreateUser",
    "cognito-idp:CreateGroup",
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminRemoveUserFromGroup",
    "cognito-idp:AdminUserGlobalSignOut",
    "cognito-idp:AdminDeleteUser",
}


def test_the_page_function_makes_no_aws_call_and_the_api_only_the_ones_it_needs() -> None:
    # The page function's only statement fences its logs to its own group (a Deny).
    page = [s for p in props("ConsoleFunction").get("Policies", []) for s in p["Statement"]]
    assert all(s["Effect"] == "Deny" for s in page)
    statements = [
        s
        for p in props("ConsoleApiFunction")["Policies"]
        for s in p["Statement"]
        if s["Effect"] == "Allow"
    ]
    actions = {
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    # The camera list scans the Cameras table, never the Alarms table; a user's web push
    # devices are found by scanning the (small) Destinations table.
    scans = [s["Resource"] for s in statements if "dynamodb:Scan" in s["Action"]]
    assert scans == [
        {"Fn::GetAtt": ["DestinationsTable", "Arn"]},
        {"Fn::GetAtt": ["CamerasTable", "Arn"]},
    ]
    assert not {a for a in actions if a.endswith("*")}
    assert actions == {
        "dynamodb:Scan",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "s3:GetObject",
        "s3:DeleteObject",
        "ssm:GetParameter",
        "ssm:PutParameter",
        "ssm:DeleteParameters",
        "dynamodb:PutItem",
        "lambda:InvokeFunction",
        *COGNITO_ACTIONS,
    }
    # The audit table is written and queried, never scanned or changed.
    (audit,) = [s for s in statements if s["Resource"] == {"Fn::GetAtt": ["AuditTable", "Arn"]}]
    assert sorted(audit["Action"]) == ["dynamodb:PutItem", "dynamodb:Query"]
    # The Users page reaches the console's own pool only, and never sets a password.
    (cognito,) = [s for s in statements if any(a.startswith("cognito-idp:") for a in s["Action"])]
    assert cognito["Resource"] == {"Fn::GetAtt": ["ConsoleUserPool", "Arn"]}
    assert not [a for a in actions if "Password" in a or "UpdateUserAttributes" in a]
    vapid, ssm = [s for s in statements if "ssm:GetParameter" in s["Action"]]
    assert vapid["Resource"]["Fn::Sub"].endswith(":parameter/${AWS::StackName}/webpush-vapid-key")
    assert ssm["Resource"]["Fn::Sub"].endswith(":parameter/${AWS::StackName}/push-key-secret")
    # Web push devices' subscriptions only, never another channel's secrets.
    (devices,) = [s for s in statements if "ssm:DeleteParameters" in s["Action"]]
    assert devices["Resource"]["Fn::Sub"].endswith(":parameter/${AWS::StackName}/notify/webpush-*")
    (s3,) = [s for s in statements if "s3:GetObject" in s["Action"]]
    assert s3["Resource"] == {"Fn::Sub": "${MediaBucket.Arn}/alarms/*"}


def test_the_console_api_may_create_the_push_key_secret_but_never_replace_it() -> None:
    """A replaced secret would change every camera's key (and could be one an attacker
    chose). IAM can say "create only" for PutParameter: the ``ssm:Overwrite`` condition key,
    so the grant is fenced by a Deny of ``Overwrite=true``; without it PutParameter cannot
    change an existing parameter (Overwrite is false by default)."""
    parameter = ":parameter/${AWS::StackName}/push-key-secret"
    policy = [s for p in props("ConsoleApiFunction")["Policies"] for s in p["Statement"]]
    ssm = [
        s
        for s in policy
        if any(a.startswith("ssm:") for a in as_list(s["Action"]))
        and s["Resource"]["Fn::Sub"].endswith(parameter)
    ]
    allow = [s for s in ssm if s["Effect"] == "Allow"]
    deny = [s for s in ssm if s["Effect"] == "Deny"]
    assert [sorted(as_list(s["Action"])) for s in allow] == [
        ["ssm:GetParameter", "ssm:PutParameter"]
    ]
    assert [as_list(s["Action"]) for s in deny] == [["ssm:PutParameter"]]
    for statement in allow + deny:
        assert statement["Resource"]["Fn::Sub"].endswith(parameter)
        assert "NotResource" not in statement
    assert deny[0]["Condition"] == {"StringEquals": {"ssm:Overwrite": "true"}}
    # Neither may it delete, label or otherwise change the parameter.
    assert "Condition" not in allow[0]


def test_the_console_api_may_create_the_vapid_key_but_never_replace_it() -> None:
    """Every web push subscription is bound to the VAPID public key: create only, as the
    push key secret (console/push.py, dal/vapid_key.py)."""
    parameter = ":parameter/${AWS::StackName}/webpush-vapid-key"
    policy = [s for p in props("ConsoleApiFunction")["Policies"] for s in p["Statement"]]
    mine = [
        s
        for s in policy
        if isinstance(s.get("Resource"), dict)
        and s["Resource"].get("Fn::Sub", "").endswith(parameter)
    ]
    assert [(s["Effect"], sorted(as_list(s["Action"]))) for s in mine] == [
        ("Allow", ["ssm:GetParameter", "ssm:PutParameter"]),
        ("Deny", ["ssm:PutParameter"]),
    ]
    assert mine[1]["Condition"] == {"StringEquals": {"ssm:Overwrite": "true"}}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_outputs_name_the_console_url_and_the_user_pool() -> None:
    outputs = Stack(region="eu-west-1").outputs()
    assert outputs["ConsoleUrl"].endswith(".execute-api.eu-west-1.amazonaws.com/")
    assert outputs["ConsoleUserPoolId"] == "vstarcam-push-consoleuserpool"
