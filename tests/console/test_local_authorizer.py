"""The local stack enforces the template's JWT authorizer as API Gateway does: signature
against the pool's JWKS (moto's), issuer, audience or client id, expiry. Every /api/ route
is 401 without a valid token and answered with one; the camera routes, the media links and
the page stay open; the page reaches moto's Cognito on its own origin."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.console.test_console_template import http_routes
from tests.e2e.localstack import LocalStackProcess, start_local_stack

pytestmark = pytest.mark.slow

PASSWORD = "authorizer-test-password"
# Every /api/ route but a notification's action, whose credential is the action token in
# its body (no session: tests/integration/test_web_push.py).
API_ROUTES = [
    (method, path)
    for function, method, path, _ in http_routes()
    if path.startswith("/api/") and path != "/api/push/action"
]
TIMEOUT_S = 30


@pytest.fixture(scope="module")
def local() -> Iterator[LocalStackProcess]:
    stack = start_local_stack(schedule_rate=None, extra_args=["--console-password", PASSWORD])
    yield stack
    stack.stop()


def cognito(local: LocalStackProcess, operation: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(
        f"{local.base_url}/cognito-idp/",
        data=json.dumps(body),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}",
        },
        timeout=TIMEOUT_S,
    )


@pytest.fixture(scope="module")
def tokens(local: LocalStackProcess) -> dict[str, str]:
    client_id = local.outputs.raw["ConsoleUserPoolClientId"]
    reply = cognito(
        local,
        "InitiateAuth",
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": client_id,
            "AuthParameters": {"USERNAME": "admin", "PASSWORD": PASSWORD},
        },
    )
    assert reply.status_code == 200, reply.text
    return reply.json()["AuthenticationResult"]


def moto_key() -> Any:
    """moto signs every pool's tokens with this fixed key; a test signs with it to forge
    tokens whose signature is right and whose claims are not."""
    import importlib.resources

    resource = importlib.resources.files("moto") / "cognitoidp/resources/jwks-private.json.gz"
    return jwt.PyJWK(json.loads(gzip.decompress(resource.read_bytes()))).key


def signed(claims: dict[str, Any], key: Any = None) -> str:
    return jwt.encode(claims, key or moto_key(), algorithm="RS256", headers={"kid": "dummy"})


def call(local: LocalStackProcess, method: str, path: str, token: str | None) -> requests.Response:
    url = local.base_url + path.replace("{vuid}", "VE0005622QHOW").replace(
        "{id}", "webpush-0123456789abcdef0123"
    ).replace("{alarmId}", "VE0005622QHOW-0123456789abcdef0123")
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    body = {"alarmIds": ["VE0005622QHOW-0123456789abcdef0123"]} if method == "POST" else None
    return requests.request(method, url, headers=headers, json=body, timeout=TIMEOUT_S)


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
def test_every_api_route_is_401_without_a_token_and_answered_with_one(
    local: LocalStackProcess, tokens: dict[str, str], method: str, path: str
) -> None:
    refused = call(local, method, path, None)
    assert refused.status_code == 401
    assert refused.json() == {"message": "Unauthorized"}
    answered = call(local, method, path, tokens["AccessToken"])
    assert answered.status_code != 401 and answered.status_code < 500, answered.text


def claims_of(tokens: dict[str, str]) -> dict[str, Any]:
    return jwt.decode(tokens["AccessToken"], options={"verify_signature": False})


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda c: {**c, "exp": int(time.time()) - 10}, id="expired"),
        pytest.param(lambda c: {**c, "nbf": int(time.time()) + 3600}, id="not-yet-valid"),
        pytest.param(lambda c: {**c, "client_id": "another-client"}, id="other-client"),
        pytest.param(lambda c: {**c, "iss": c["iss"] + "x"}, id="other-issuer"),
        pytest.param(lambda c: {k: v for k, v in c.items() if k != "exp"}, id="no-expiry"),
    ],
)
def test_a_token_with_a_right_signature_and_wrong_claims_is_401(
    local: LocalStackProcess, tokens: dict[str, str], forge: Any
) -> None:
    token = signed(forge(claims_of(tokens)))
    reply = call(local, "GET", "/api/cameras", token)
    assert reply.status_code == 401 and reply.json() == {"message": "Unauthorized"}


def test_a_token_signed_by_another_key_is_401(
    local: LocalStackProcess, tokens: dict[str, str]
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    reply = call(local, "GET", "/api/cameras", signed(claims_of(tokens), other))
    assert reply.status_code == 401


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "Basic YWRtaW46eA==", "Bearer not.a.jwt", "Bearer a.b"]
)
def test_malformed_authorization_headers_are_401(local: LocalStackProcess, header: str) -> None:
    reply = requests.get(
        f"{local.base_url}/api/cameras", headers={"Authorization": header}, timeout=TIMEOUT_S
    )
    assert reply.status_code == 401


def test_an_id_token_names_the_client_in_aud_and_is_accepted(
    local: LocalStackProcess, tokens: dict[str, str]
) -> None:
    assert call(local, "GET", "/api/cameras", tokens["IdToken"]).status_code == 200
    # The re-signed, unchanged token proves the forging above changes only the claims.
    assert call(local, "GET", "/api/cameras", signed(claims_of(tokens))).status_code == 200


def test_the_camera_routes_media_links_and_page_need_no_token(local: LocalStackProcess) -> None:
    heartbeat = requests.post(local.heartbeat_url, json={"vuid": "VE0005622QHOW"}, timeout=30)
    assert heartbeat.status_code == 403  # unknown camera: the camera route answered
    link = requests.get(
        f"{local.base_url}/alarms/VE0005622QHOW-0123456789abcdef0123/picture",
        params={"token": "A" * 22},
        timeout=TIMEOUT_S,
    )
    assert link.status_code == 404 and link.json()["code"] == "404"
    page = requests.get(local.base_url + "/", timeout=TIMEOUT_S)
    assert page.status_code == 200 and "content-security-policy" in page.headers


def test_the_sign_in_path_lets_only_the_browsers_calls_through(local: LocalStackProcess) -> None:
    pool = local.outputs.raw["ConsoleUserPoolId"]
    admin = cognito(local, "AdminCreateUser", {"UserPoolId": pool, "Username": "intruder"})
    assert admin.status_code == 400 and "not allowed" in admin.json()["message"]
    listing = cognito(local, "ListUsers", {"UserPoolId": pool})
    assert listing.status_code == 400
    assert requests.get(f"{local.base_url}/cognito-idp/", timeout=TIMEOUT_S).status_code == 404
    wrong = cognito(
        local,
        "InitiateAuth",
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": local.outputs.raw["ConsoleUserPoolClientId"],
            "AuthParameters": {"USERNAME": "admin", "PASSWORD": "wrong-password"},
        },
    )
    assert wrong.status_code == 400 and "NotAuthorized" in wrong.json()["__type"]


def test_the_start_message_names_the_console_and_its_user(local: LocalStackProcess) -> None:
    line = local.wait_for_line(r"^Console: ")
    assert line == f"Console: {local.base_url}/ (user admin, password {PASSWORD})"


def test_srp_sign_in_is_refused_so_no_password_proof_is_skipped(local: LocalStackProcess) -> None:
    """GIVEN moto's SRP accepts any password proof WHEN someone who can reach the API port
    tries it for admin THEN the sign-in path refuses the flow the app client does not allow."""
    client_id = local.outputs.raw["ConsoleUserPoolClientId"]
    srp = cognito(
        local,
        "InitiateAuth",
        {
            "AuthFlow": "USER_SRP_AUTH",
            "ClientId": client_id,
            "AuthParameters": {"USERNAME": "admin", "SRP_A": "ab" * 64},
        },
    )
    verifier = cognito(
        local,
        "RespondToAuthChallenge",
        {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ClientId": client_id,
            "ChallengeResponses": {"USERNAME": "admin", "PASSWORD_CLAIM_SIGNATURE": "x"},
        },
    )

    for reply in (srp, verifier):
        assert reply.status_code == 400, reply.text
        assert reply.json()["__type"] == "InvalidParameterException"
        assert "not enabled for this client" in reply.json()["message"]
        assert "AuthenticationResult" not in reply.text


def test_sign_out_revokes_the_refresh_token_without_a_traceback(local: LocalStackProcess) -> None:
    client_id = local.outputs.raw["ConsoleUserPoolClientId"]
    signed_in = cognito(
        local,
        "InitiateAuth",
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": client_id,
            "AuthParameters": {"USERNAME": "admin", "PASSWORD": PASSWORD},
        },
    ).json()["AuthenticationResult"]
    start = len(local.lines)

    # What the console's sign-out sends.
    revoked = cognito(
        local, "RevokeToken", {"Token": signed_in["RefreshToken"], "ClientId": client_id}
    )
    refresh = cognito(
        local,
        "InitiateAuth",
        {
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "ClientId": client_id,
            "AuthParameters": {"REFRESH_TOKEN": signed_in["RefreshToken"]},
        },
    )

    assert revoked.status_code == 200, revoked.text
    assert refresh.status_code == 400 and refresh.json()["__type"] == "NotAuthorizedException"
    time.sleep(0.5)  # let the console catch up with whatever the stack printed
    assert "Traceback" not in "\n".join(local.lines[start:])


def test_the_start_message_says_moto_accepts_any_code(local: LocalStackProcess) -> None:
    """ConsoleMfa=optional (the default) lets users turn two-step sign-in on."""
    assert "moto accepts any 6-digit code" in local.wait_for_line(r"^Two-step sign-in:")


def test_a_viewers_token_carries_their_groups_and_the_api_limits_them_to_their_site(
    local: LocalStackProcess,
) -> None:
    """GIVEN a viewer of one site made as 'vstarcam-push users add' makes them, and cameras
    in two sites
    WHEN the viewer signs in through the page's path and asks the API
    THEN their access token's cognito:groups reaches the function through the local JWT
    authorizer as API Gateway hands it over: they see their site's camera only, and an
    admin's route is 403."""
    from vstarcam_push.dal.camera_registry import CameraRegistry
    from vstarcam_push.dal.console_users import ConsoleUsers
    from vstarcam_push.models.access import VIEWER, Access

    pool = local.outputs.raw["ConsoleUserPoolId"]
    cognito_client = local.client("cognito-idp")
    ConsoleUsers(cognito_client, pool).add(
        "ann@example.com", Access("ann@example.com", VIEWER, frozenset({"Smith house"}))
    )
    cognito_client.admin_set_user_password(
        UserPoolId=pool, Username="ann@example.com", Password=PASSWORD, Permanent=True
    )
    registry = CameraRegistry(local.client("dynamodb"), local.outputs.cameras_table)
    for vuid, site in (("VE0000011SMTH", "Smith house"), ("VE0000012JONS", "Jones shop")):
        registry.register(vuid, "", 180, int(time.time()), bytes(32))
        registry.set_site(vuid, site)
    reply = cognito(
        local,
        "InitiateAuth",
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": local.outputs.raw["ConsoleUserPoolClientId"],
            "AuthParameters": {"USERNAME": "ann@example.com", "PASSWORD": PASSWORD},
        },
    )
    assert reply.status_code == 200, reply.text
    access = reply.json()["AuthenticationResult"]["AccessToken"]
    assert set(claims_of({"AccessToken": access})["cognito:groups"]) == {
        "viewer",
        "site:Smith%20house",
    }
    cameras = call(local, "GET", "/api/cameras", access)
    assert cameras.status_code == 200, cameras.text
    assert [c["vuid"] for c in cameras.json()["cameras"]] == ["VE0000011SMTH"]
    assert call(local, "GET", "/api/cameras/{vuid}/urls", access).json() == {
        "code": "403",
        "message": "only an admin may do this",
    }
