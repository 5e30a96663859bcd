"""What keeps a web page in the operator's browser away from the local stack.

The local stack listens on 127.0.0.1 (or the LAN) without credentials: moto
accepts any, the camera routes need none but a push key. What a web page could
otherwise do, and what stops each:

- **Writing to moto without reading.** A cross-origin form POST or a
  ``no-cors`` fetch is sent without a preflight: turning moto's CORS off
  (``MOTO_DISABLE_GLOBAL_CORS``) only keeps the page from reading the answer.
  A form upload to the bucket stored a page of the attacker's choosing;
  ``POST /moto-api/reset`` wiped the stack. :class:`EmulatorGuard` stands in
  front of moto and answers only the stack's own clients: a request that
  carries a browser's marks (an ``Origin`` other than the local API's, any
  ``Sec-Fetch-*`` header) is refused, and so is one without a SigV4
  ``Authorization`` header (which no page can send without a preflight), except
  presigned S3 reads (the media links), Cognito's unsigned calls and its public
  keys. ``/moto-api/`` answers only this process (a per-start secret key).
  Every answer says ``Content-Security-Policy: sandbox``: an object opened from
  a link never runs as a page of moto's origin.
- **DNS rebinding.** A page on ``evil.example`` whose name is re-pointed at
  127.0.0.1 is same-origin with itself, so CORS does not apply; but its
  requests carry ``Host: evil.example``. Both servers refuse a request whose
  Host is not the address they serve: an IP literal (the bound address, or any
  with ``--host 0.0.0.0``) or ``localhost``, with the server's port. A request
  without Host (HTTP/1.0, as some camera firmware sends) is no browser's and
  passes.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_ANY = ("0.0.0.0", "::", "")
# moto's own API (``/moto-api/``: reset, its whole state) answers only requests with this
# header set to the key made at each start (or given by whoever starts the stack, with
# MOTO_API_KEY_VARIABLE in its environment: the end-to-end tests read moto's records).
MOTO_API_KEY_HEADER = "X-Moto-Api-Key"
MOTO_API_KEY_VARIABLE = "VSTARCAM_LOCAL_MOTO_API_KEY"
_COGNITO_TARGET = "AWSCognitoIdentityProviderService."
# What botocore signs (and the aws CLI): ``AWS4-HMAC-SHA256 Credential=<key>/<date>/
# <region>/<service>/aws4_request, SignedHeaders=a;b, Signature=<64 hex>``.
_SIGV4 = re.compile(
    r"AWS4-HMAC-SHA256 +Credential=[^/\s,]+/\d{8}/[a-z0-9-]+/[a-z0-9-]+/aws4_request *, *"
    r"SignedHeaders=[a-z0-9;._-]+ *, *Signature=[0-9a-f]{64}"
)
# A refused request's body is read first up to this size (a form upload's picture).
_DRAIN_BYTES = 1024 * 1024
# A bucket name as S3 allows it (no "_", so moto cannot take it for "<service>_<region>").
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
# A user pool's public keys, as Cognito serves them to anyone (the JWT authorizer's fetch).
_PUBLIC_KEYS = re.compile(
    r"/[a-z0-9-]+_[A-Za-z0-9]+/\.well-known/(jwks\.json|openid-configuration)"
)
# moto dispatches these prefixes itself, whatever the request says (its API, EC2 metadata).
_MOTO_OWN_PATHS = ("/moto-api", "/latest/meta-data/", "/latest/api/", "/favicon.ico")
# The Cognito calls botocore sends unsigned (the model's ``smithy.api#noAuth``): what a
# browser calls Cognito with, and boto3's own InitiateAuth.
COGNITO_UNSIGNED = frozenset(
    {
        "AssociateSoftwareToken", "ChangePassword", "ConfirmDevice", "ConfirmForgotPassword",
        "ConfirmSignUp", "DeleteUser", "DeleteUserAttributes", "ForgetDevice", "ForgotPassword",
        "GetDevice", "GetTokensFromRefreshToken", "GetUser", "GetUserAttributeVerificationCode",
        "GetUserAuthFactors", "GlobalSignOut", "InitiateAuth", "ListDevices",
        "ResendConfirmationCode", "RespondToAuthChallenge", "RevokeToken",
        "SetUserMFAPreference", "SetUserSettings", "SignUp", "UpdateAuthEventFeedback",
        "UpdateDeviceStatus", "UpdateUserAttributes", "VerifySoftwareToken",
        "VerifyUserAttribute",
    }
)  # fmt: skip


def _split_host(header: str) -> tuple[str, int | None] | None:
    """``("127.0.0.1", 3000)`` from a Host header; None if it is not host[:port]."""
    try:
        parts = urlsplit(f"//{header}")
        return (parts.hostname or "", parts.port)
    except ValueError:
        return None


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def _refuse(start_response: StartResponse, status: str, message: str) -> list[bytes]:
    body = json.dumps({"message": message}, separators=(",", ":")).encode()
    start_response(
        status,
        [
            ("content-type", "application/json"),
            ("content-length", str(len(body))),
            ("content-security-policy", "sandbox"),
        ],
    )
    return [body]


def host_is_ours(header: str, bound_host: str, port: int) -> bool:
    """Whether a request's Host names the server bound to ``bound_host:port``.

    >>> host_is_ours("127.0.0.1:3000", "127.0.0.1", 3000)
    True
    >>> host_is_ours("evil.example:3000", "127.0.0.1", 3000)
    False
    """
    split = _split_host(header)
    if split is None:
        return False
    name, given_port = split
    if (given_port or 80) != port:
        return False
    if name == "localhost":
        return True
    address = _ip(name)
    if address is None:
        return False
    if bound_host in _ANY:
        return True
    bound = _ip(bound_host)
    if bound is not None and bound.is_loopback:
        return address.is_loopback
    return address == bound


class HostCheck:
    """WSGI middleware: ``403`` for a request addressed to another host (DNS rebinding)."""

    def __init__(self, app: WsgiApp, bound_host: str, port: int) -> None:
        self.app = app
        self.bound_host = bound_host
        self.port = port

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST")
        if host is None or host_is_ours(host, self.bound_host, self.port):
            return self.app(environ, start_response)
        return _refuse(
            start_response, "403 Forbidden", f"this server does not serve host {host[:100]!r}"
        )


def presigned_s3_read(environ: dict[str, Any]) -> bool:
    """Whether a request is a presigned S3 GET or HEAD of an object (a media link).

    moto checks no signature, so the shape is what counts: no ``Authorization`` and
    no ``X-Amz-Target``, a signature in the query (``X-Amz-Signature`` with an S3
    credential scope, or SigV2's ``Signature``), and a path moto can only route to S3
    (``/<bucket>/<key>``).
    """
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return False
    if environ.get("HTTP_AUTHORIZATION") or environ.get("HTTP_X_AMZ_TARGET"):
        return False
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return False
    credential = (query.get("X-Amz-Credential") or [""])[0].split("/")
    sigv4 = bool(query.get("X-Amz-Signature")) and len(credential) == 5 and credential[3] == "s3"
    # ``aws s3 presign`` (aws CLI v1) still presigns with SigV2.
    sigv2 = bool(query.get("Signature")) and bool(query.get("AWSAccessKeyId"))
    if not (sigv4 or sigv2):
        return False
    path = environ.get("PATH_INFO", "")
    bucket, _, key = path.removeprefix("/").partition("/")
    return (
        bool(key) and _BUCKET.fullmatch(bucket) is not None and not path.startswith(_MOTO_OWN_PATHS)
    )


def emulator_refusal(environ: dict[str, Any], origins: set[str], moto_api_key: str) -> str:
    """Why moto must not answer this request; "" when it may.

    The stack's own clients are botocore (its functions, the CLI, the ``aws`` CLI,
    which all sign with SigV4; Cognito's sign-in calls are unsigned), the sign-in
    path and JWT authorizer of the local API, and the browser only for presigned
    media links: a browser's request is otherwise a web page's, which no answer may
    serve, since a page can send what it cannot read.
    """
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None and origin not in origins:
        return "requests from other web pages are refused"
    path = environ.get("PATH_INFO", "")
    if path.startswith("/moto-api"):
        given = environ.get("HTTP_" + MOTO_API_KEY_HEADER.upper().replace("-", "_"), "")
        if moto_api_key and hmac.compare_digest(given.encode(), moto_api_key.encode()):
            return ""
        return "moto's API answers the local stack's own process only"
    if presigned_s3_read(environ):
        return ""
    if any(name.startswith("HTTP_SEC_FETCH_") for name in environ):
        return "requests from web pages are refused (a browser may only open media links)"
    if _SIGV4.fullmatch(environ.get("HTTP_AUTHORIZATION", "").strip()):
        return ""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target.startswith(_COGNITO_TARGET) and target[len(_COGNITO_TARGET) :] in COGNITO_UNSIGNED:
        return ""
    if environ.get("REQUEST_METHOD") == "GET" and _PUBLIC_KEYS.fullmatch(path):
        return ""
    return "an AWS request signed with SigV4 is required (use an AWS SDK or the aws CLI)"


class EmulatorGuard:
    """WSGI middleware for moto: ``403`` for what :func:`emulator_refusal` refuses, and
    every answer sandboxed (``Content-Security-Policy: sandbox``, ``nosniff``)."""

    def __init__(self, app: WsgiApp, origins: Callable[[], set[str]], moto_api_key: str) -> None:
        self.app = app
        self.origins = origins
        self.moto_api_key = moto_api_key

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        refusal = emulator_refusal(environ, self.origins(), self.moto_api_key)
        if refusal:
            # Read a small body first: a client still sending would see a reset, not the 403.
            declared = environ.get("CONTENT_LENGTH") or ""
            length = int(declared) if declared.isdigit() else 0
            if 0 < length <= _DRAIN_BYTES:
                environ["wsgi.input"].read(length)
            return _refuse(start_response, "403 Forbidden", f"local AWS emulator: {refusal}")

        def sandboxed(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            kept = [
                (name, value)
                for name, value in headers
                if name.lower() not in ("content-security-policy", "x-content-type-options")
            ]
            return start_response(
                status,
                [
                    *kept,
                    ("Content-Security-Policy", "sandbox"),
                    ("X-Content-Type-Options", "nosniff"),
                ],
                *rest,
            )

        return self.app(environ, sandboxed)


def own_origins(base_url: str, port: int) -> set[str]:
    """The origins of the local API's pages: its published URL, and loopback by name and IP."""
    return {base_url.rstrip("/"), f"http://127.0.0.1:{port}", f"http://localhost:{port}"}
