"""The web console on the local stack: moto's Cognito, the JWT authorizer, the sign-in path.

- :class:`JwtAuthorizer` checks a route's bearer token as API Gateway's JWT
  authorizer does: RS256 signature against the pool's JWKS (moto serves it at
  ``/<pool id>/.well-known/jwks.json``), issuer, ``aud`` or ``client_id`` among
  the audiences, expiry and not-before. So a console that works here works deployed.
- :class:`CognitoPath` lets the page, served by the local HTTP API, reach
  moto's Cognito on its own origin (``POST /cognito-idp/``): deployed, the
  page calls Cognito's public endpoint, which answers CORS; moto's CORS is off
  here and the page must not need it. Only the calls a signed-out or signed-in
  browser makes (no ``Admin*`` call) are let through, and of those only the
  sign-in flows and challenges the template's app client allows
  (:class:`SignInRules`): moto enforces no client's ``ExplicitAuthFlows``, and
  its SRP flow accepts any password proof. A challenge's answer must name the
  user its session was handed to: moto takes the user from the answer, so an
  invited user's first sign-in could otherwise set ``admin``'s password.
  ``RevokeToken``, which moto does not implement, is answered here
  (:func:`revoke_refresh_token`).
- :func:`create_console_user` makes the ``admin`` user, an admin, with a known password.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from vstarcam_push.models.access import ADMIN

logger = logging.getLogger("vstarcam_tools.local")

COGNITO_PATH = "/cognito-idp/"
CONSOLE_USER = "admin"
_TARGET_PREFIX = "AWSCognitoIdentityProviderService."
# What the console page calls; Cognito itself answers these without AWS credentials.
PUBLIC_TARGETS = frozenset(
    {
        "InitiateAuth",
        "RespondToAuthChallenge",
        "AssociateSoftwareToken",
        "VerifySoftwareToken",
        "SetUserMFAPreference",
        "GetUser",
        "ChangePassword",
        "GlobalSignOut",
        "RevokeToken",
    }
)
_MAX_BODY = 64 * 1024

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass(frozen=True)
class JwtConfiguration:
    issuer: str
    audience: tuple[str, ...]


def authorizers_of(http_api_properties: dict[str, Any]) -> dict[str, JwtConfiguration]:
    """The JWT authorizers an ``AWS::Serverless::HttpApi`` declares (resolved properties)."""
    found = {}
    for name, spec in (http_api_properties.get("Auth", {}).get("Authorizers") or {}).items():
        config = spec.get("JwtConfiguration")
        if config:
            found[name] = JwtConfiguration(
                str(config["issuer"]), tuple(str(a) for a in config.get("audience", []))
            )
    return found


class JwtAuthorizer:
    """API Gateway's JWT authorizer for one issuer, with the keys fetched from ``jwks_url``."""

    def __init__(self, config: JwtConfiguration, jwks_url: str) -> None:
        self.config = config
        self._keys = jwt.PyJWKClient(jwks_url, cache_keys=True, timeout=5)

    def claims(self, authorization: str) -> dict[str, Any] | None:
        """The token's claims if API Gateway would let it through, else None."""
        token = authorization.strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            return None
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                issuer=self.config.issuer,
                options={"require": ["exp", "iss"], "verify_aud": False},
            )
        except (jwt.PyJWTError, urllib.error.URLError, ValueError):
            return None
        # An ID token names the client in aud, an access token in client_id.
        audiences = claims.get("aud", [])
        audiences = [audiences] if isinstance(audiences, str) else list(audiences)
        if claims.get("client_id"):
            audiences.append(claims["client_id"])
        if not set(audiences) & set(self.config.audience):
            return None
        return claims


def jwks_url(moto_endpoint: str, issuer: str) -> str:
    """Where moto serves the keys of the pool an issuer URL names."""
    return f"{moto_endpoint}/{issuer.rstrip('/').rsplit('/', 1)[-1]}/.well-known/jwks.json"


# ExplicitAuthFlows' names (ALLOW_ and the legacy ones) -> the AuthFlow InitiateAuth takes.
_FLOWS = {
    "ALLOW_USER_PASSWORD_AUTH": ("USER_PASSWORD_AUTH",),
    "USER_PASSWORD_AUTH": ("USER_PASSWORD_AUTH",),
    "ALLOW_REFRESH_TOKEN_AUTH": ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"),
    "ALLOW_USER_SRP_AUTH": ("USER_SRP_AUTH",),
    "ALLOW_CUSTOM_AUTH": ("CUSTOM_AUTH",),
    "CUSTOM_AUTH_FLOW_ONLY": ("CUSTOM_AUTH",),
    "ALLOW_USER_AUTH": ("USER_AUTH",),
}
# The challenges each flow can lead to, beyond the password change and MFA.
_FLOW_CHALLENGES = {
    "USER_SRP_AUTH": ("PASSWORD_VERIFIER", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"),
    "CUSTOM_AUTH": ("CUSTOM_CHALLENGE",),
    "USER_AUTH": ("SELECT_CHALLENGE", "PASSWORD", "PASSWORD_SRP", "WEB_AUTHN", "EMAIL_OTP"),
}
_MFA_CHALLENGES = {
    "SOFTWARE_TOKEN_MFA": ("SOFTWARE_TOKEN_MFA", "MFA_SETUP"),
    "SMS_MFA": ("SMS_MFA", "MFA_SETUP"),
    "EMAIL_OTP": ("EMAIL_OTP", "MFA_SETUP"),
}


@dataclass(frozen=True)
class SignInRules:
    """The sign-in flows and challenges one app client allows a browser."""

    client: str
    flows: frozenset[str]
    challenges: frozenset[str]
    # The pool's MfaConfiguration: OFF, OPTIONAL or ON.
    mfa: str = "OFF"
    # Flow names as the template spells them, for the refusal's message.
    allowed: tuple[str, ...] = field(default=())

    @classmethod
    def of(
        cls, client: str, client_properties: Mapping[str, Any], pool_properties: Mapping[str, Any]
    ) -> SignInRules:
        """The rules of an ``AWS::Cognito::UserPoolClient`` in its pool (resolved properties)."""
        declared = [str(name) for name in client_properties.get("ExplicitAuthFlows") or []]
        flows = {flow for name in declared for flow in _FLOWS.get(name, ())}
        challenges = (
            {"NEW_PASSWORD_REQUIRED"} if flows - {"REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"} else set()
        )
        for flow in flows:
            challenges.update(_FLOW_CHALLENGES.get(flow, ()))
        mfa = str(pool_properties.get("MfaConfiguration") or "OFF").upper()
        if mfa != "OFF" and challenges:
            for name in pool_properties.get("EnabledMfas") or []:
                challenges.update(_MFA_CHALLENGES.get(str(name), ()))
        return cls(client, frozenset(flows), frozenset(challenges), mfa, tuple(declared))

    def refusal(self, operation: str, request: Mapping[str, Any]) -> str:
        """Why this client must not make this call; "" when it may."""
        if operation == "InitiateAuth":
            flow = str(request.get("AuthFlow"))
            if flow not in self.flows:
                return f"{flow} is not enabled for this client (it allows {self._allowed()})"
        elif operation == "RespondToAuthChallenge":
            challenge = str(request.get("ChallengeName"))
            if challenge not in self.challenges:
                allowed = ", ".join(sorted(self.challenges)) or "none"
                return f"challenge {challenge} is not enabled for this client (it allows {allowed})"
        return ""

    def _allowed(self) -> str:
        return ", ".join(name.removeprefix("ALLOW_") for name in self.allowed) or "no flow"


# RevokeToken(Token, ClientId) -> "" once revoked, else the refusal's Cognito error type.
Revoke = Callable[[str, str], str]
# (Session, USERNAME) -> whether the challenge's answer names the user the session is for.
SessionUser = Callable[[str, str], bool]


class CognitoPath:
    """WSGI middleware: ``POST /cognito-idp/`` goes to moto's Cognito, the rest to ``app``.

    ``rules`` are the sign-in rules by app client id (a client not in it cannot sign in);
    ``revoke`` answers ``RevokeToken`` in moto's stead; ``session_user`` checks that a
    challenge's answer is for the session's own user (moto does not).
    """

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        moto_endpoint: str,
        rules: Mapping[str, SignInRules] | None = None,
        revoke: Revoke | None = None,
        session_user: SessionUser | None = None,
    ) -> None:
        self.app = app
        self.moto_endpoint = moto_endpoint
        self.rules = dict(rules or {})
        self.revoke = revoke
        self.session_user = session_user

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != COGNITO_PATH:
            return self.app(environ, start_response)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        operation = target.removeprefix(_TARGET_PREFIX)
        if environ["REQUEST_METHOD"] != "POST" or not target.startswith(_TARGET_PREFIX):
            return _json(start_response, 404, {"message": "Not Found"})
        if operation not in PUBLIC_TARGETS:
            # Admin* calls need AWS credentials on the real endpoint; moto checks none.
            return _json(
                start_response,
                400,
                {"__type": "NotAuthorizedException", "message": f"{operation} is not allowed"},
            )
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > _MAX_BODY:
            return _json(start_response, 413, {"message": "Request Entity Too Large"})
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            document = json.loads(body or b"{}")
        except ValueError:
            document = None
        if not isinstance(document, dict):
            return _json(
                start_response,
                400,
                {"__type": "SerializationException", "message": "the body is not a JSON object"},
            )
        refusal = self._refusal(operation, document)
        if refusal:
            return _json(start_response, 400, refusal)
        if operation == "RevokeToken" and self.revoke is not None:
            error = self.revoke(str(document.get("Token", "")), str(document.get("ClientId", "")))
            if error:
                return _json(
                    start_response,
                    400,
                    {"__type": error, "message": "the token was not issued to this client"},
                )
            return _answer(start_response, 200, b"{}")
        request = urllib.request.Request(
            f"{self.moto_endpoint}/",
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status, payload = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        return _answer(start_response, status, payload)

    def _refusal(self, operation: str, request: Mapping[str, Any]) -> dict[str, str] | None:
        """The error document for a sign-in the app client does not allow, else None."""
        if operation not in ("InitiateAuth", "RespondToAuthChallenge", "RevokeToken"):
            return None
        rules = self.rules.get(str(request.get("ClientId", "")))
        if rules is None:
            return {
                "__type": "ResourceNotFoundException",
                "message": "only the console's app client signs in here",
            }
        reason = rules.refusal(operation, request)
        if reason:
            return {"__type": "InvalidParameterException", "message": reason}
        if operation == "RespondToAuthChallenge" and self.session_user is not None:
            answers = request.get("ChallengeResponses")
            username = answers.get("USERNAME") if isinstance(answers, dict) else None
            if username is not None and not self.session_user(
                str(request.get("Session", "")), str(username)
            ):
                return {
                    "__type": "NotAuthorizedException",
                    "message": "Invalid session for the user.",
                }
        return None


def _answer(start_response: StartResponse, status: int, payload: bytes) -> list[bytes]:
    start_response(
        f"{status} {'OK' if status == 200 else 'Error'}",
        [
            ("content-type", "application/x-amz-json-1.1"),
            ("content-length", str(len(payload))),
            ("cache-control", "no-store"),
        ],
    )
    return [payload]


def _json(start_response: StartResponse, status: int, document: Any) -> list[bytes]:
    body = json.dumps(document).encode()
    start_response(
        f"{status} Error",
        [("content-type", "application/json"), ("content-length", str(len(body)))],
    )
    return [body]


def console_password(given: str | None) -> str:
    """``--console-password``, or a fresh random one (printed once in the start message)."""
    return given if given else secrets.token_urlsafe(12)


def create_console_user(cognito: Any, pool_id: str, password: str) -> None:
    """The local stack's ``admin`` user, signed in with ``password`` without a first-time
    change, in the template's ``admin`` group (the role its tokens name, as deployed).

    The user may be there already, restored with the last run's state: a password given
    again (``--console-password``, as the README shows) becomes its password.
    """
    with contextlib.suppress(cognito.exceptions.UsernameExistsException):
        cognito.admin_create_user(
            UserPoolId=pool_id, Username=CONSOLE_USER, MessageAction="SUPPRESS"
        )
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=CONSOLE_USER, Password=password, Permanent=True
    )
    make_admin(cognito, pool_id)


def make_admin(cognito: Any, pool_id: str) -> None:
    """The ``admin`` user in the ``admin`` group (again: a state kept from before roles
    has the user without it)."""
    cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=CONSOLE_USER, GroupName=ADMIN)
