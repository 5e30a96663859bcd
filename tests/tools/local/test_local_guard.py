"""The local stack's guard: only requests addressed to the server pass (no DNS rebinding), and
moto answers only the stack's own clients (SigV4-signed AWS calls, Cognito's unsigned sign-in
calls, presigned media links), never a web page."""

from __future__ import annotations

from typing import Any

import pytest
from vstarcam_tools.local.guard import (
    MOTO_API_KEY_HEADER,
    EmulatorGuard,
    HostCheck,
    host_is_ours,
    own_origins,
)
from werkzeug.test import Client
from werkzeug.wrappers import Response

from tests.unit.conftest import _no_network  # noqa: F401  (no socket is opened)


def hello(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"hello"]


@pytest.mark.parametrize(
    ("host", "bound", "ours"),
    [
        ("127.0.0.1:3000", "127.0.0.1", True),
        ("localhost:3000", "127.0.0.1", True),
        ("127.0.0.2:3000", "127.0.0.1", True),  # still loopback
        ("[::1]:3000", "127.0.0.1", True),
        ("evil.example:3000", "127.0.0.1", False),  # DNS rebinding
        ("127.0.0.1.nip.io:3000", "127.0.0.1", False),
        ("127.0.0.1:3001", "127.0.0.1", False),
        ("127.0.0.1", "127.0.0.1", False),  # port 80
        ("192.168.1.5:3000", "127.0.0.1", False),
        ("192.168.1.5:3000", "0.0.0.0", True),  # --host 0.0.0.0: cameras use the LAN address
        ("camera-server.lan:3000", "0.0.0.0", False),
        ("192.168.1.5:3000", "192.168.1.5", True),
        ("192.168.1.6:3000", "192.168.1.5", False),
        ("bad host:3000", "127.0.0.1", False),
        ("127.0.0.1:notaport", "127.0.0.1", False),
    ],
)
def test_the_host_must_name_the_server(host: str, bound: str, ours: bool) -> None:
    assert host_is_ours(host, bound, 3000) is ours


def test_a_request_for_another_host_is_refused_403_before_the_app() -> None:
    client = Client(HostCheck(hello, "127.0.0.1", 3000), Response)

    refused = client.get("/", headers={"Host": "evil.example:3000"})
    served = client.get("/", headers={"Host": "127.0.0.1:3000"})

    assert refused.status_code == 403 and b"evil.example" in refused.data
    assert refused.headers["content-type"] == "application/json"
    assert (served.status_code, served.data) == (200, b"hello")


def test_a_request_without_host_passes_as_http_1_0_camera_firmware_sends_it() -> None:
    app = HostCheck(hello, "127.0.0.1", 3000)
    statuses: list[str] = []
    body = app({"REQUEST_METHOD": "POST"}, lambda status, headers: statuses.append(status))
    assert statuses == ["200 OK"] and list(body) == [b"hello"]


ORIGIN = "http://127.0.0.1:3000"
KEY = "the-moto-api-key"
SIGV4 = (
    "AWS4-HMAC-SHA256 Credential=testing/20240501/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0f" * 32
)
PRESIGNED = (
    "/vstarcam-push-mediabucket/alarms/VE1/picture.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=testing%2F20240501%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20240501T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=" + "ab" * 32
)
# What a browser adds to a page's request to another port of 127.0.0.1.
BROWSER = {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "empty"}


def moto_client() -> Client:
    def moto(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("content-type", "application/xml")])
        return [b"<moto/>"]

    return Client(EmulatorGuard(moto, lambda: own_origins(ORIGIN, 3000), KEY), Response)


def test_the_stacks_own_clients_are_answered() -> None:
    """botocore (functions, CLI, aws CLI) signs with SigV4; Cognito's sign-in calls and the
    pool's public keys are unsigned, as in AWS."""
    client = moto_client()
    signed = client.post("/", headers={"Authorization": SIGV4, "X-Amz-Target": "DynamoDB.Scan"})
    sign_in = client.post(
        "/", headers={"X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth"}
    )
    keys = client.get("/us-east-1_abc123/.well-known/jwks.json")
    moto_api = client.get("/moto-api/data.json", headers={MOTO_API_KEY_HEADER: KEY})

    assert [r.status_code for r in (signed, sign_in, keys, moto_api)] == [200] * 4


@pytest.mark.parametrize(
    "path",
    [
        PRESIGNED,
        # aws CLI v1's `aws s3 presign` still signs with SigV2.
        "/vstarcam-push-mediabucket/a.jpg?AWSAccessKeyId=testing&Signature=x%3D&Expires=1",
    ],
    ids=["sigv4", "sigv2"],
)
def test_a_media_link_opens_in_the_browser(path: str) -> None:
    client = moto_client()
    image = client.get(path, headers={**BROWSER, "Sec-Fetch-Dest": "image"})
    head = client.head(path)

    assert image.status_code == head.status_code == 200
    # Whatever the object is, it never runs as a page of moto's origin.
    assert image.headers["content-security-policy"] == "sandbox"
    assert image.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        # The attacks of issue 18, as Chromium sends them from a page on 127.0.0.1:8000.
        (
            "POST",
            "/vstarcam-push-mediabucket",
            {"Origin": "http://127.0.0.1:8000", **BROWSER, "Sec-Fetch-Mode": "navigate"},
        ),
        ("POST", "/moto-api/reset", {"Origin": "http://127.0.0.1:8000", **BROWSER}),
        ("POST", "/moto-api/reset", {"Origin": "null"}),
        # Each mark alone is enough.
        ("POST", "/vstarcam-push-mediabucket", {"Origin": "http://evil.example"}),
        ("POST", "/vstarcam-push-mediabucket", {"Sec-Fetch-Site": "cross-site"}),
        ("POST", "/", {"Sec-Fetch-Site": "same-site", "Authorization": SIGV4}),
        # A page served by moto itself (an object opened from a link) is same-origin.
        ("GET", "/", {"Sec-Fetch-Site": "same-origin", "Authorization": SIGV4}),
        # No signature: a form upload, a no-cors fetch (the browser drops its Authorization).
        ("POST", "/vstarcam-push-mediabucket", {}),
        ("POST", "/", {"Authorization": "AWS4-HMAC-SHA256 Credential=fake"}),
        ("POST", "/", {"Authorization": "Bearer x"}),
        ("POST", "/", {"X-Amz-Target": "AWSCognitoIdentityProviderService.AdminCreateUser"}),
        ("POST", "/", {"X-Amz-Target": "DynamoDB_20120810.Scan"}),
        # moto's API without its key, or with another, even signed.
        ("POST", "/moto-api/reset", {"Authorization": SIGV4}),
        ("GET", "/moto-api/data.json", {MOTO_API_KEY_HEADER: "guess"}),
        # Presigned-looking requests moto would route elsewhere, or writes.
        ("GET", "/sqs_us-east-1/?Action=ListQueues&X-Amz-Signature=x&X-Amz-Credential="
         "a%2F20240501%2Fus-east-1%2Fs3%2Faws4_request", {}),
        ("GET", PRESIGNED.replace("%2Fs3%2F", "%2Fssm%2F"), {}),
        ("GET", PRESIGNED + "&Action=DeleteQueue", {}),
        ("POST", PRESIGNED, {}),
        ("GET", "/moto-api/data.json?X-Amz-Signature=x&X-Amz-Credential="
         "a%2F20240501%2Fus-east-1%2Fs3%2Faws4_request", {}),
        ("GET", PRESIGNED, {"Origin": "http://127.0.0.1:8000"}),
    ],
    ids=[
        "form-upload", "reset", "reset-from-sandbox", "other-origin", "cross-site",
        "same-site-signed", "moto-served-page", "unsigned-post", "fake-sigv4", "bearer",
        "cognito-admin-call", "unsigned-dynamodb", "moto-api-signed", "moto-api-wrong-key",
        "presigned-to-sqs", "presigned-not-s3", "presigned-with-action", "presigned-post",
        "presigned-moto-api", "presigned-other-origin",
    ],
)  # fmt: skip
def test_everything_else_is_refused_before_moto(
    method: str, path: str, headers: dict[str, str]
) -> None:
    response = moto_client().open(
        path, method=method, headers=headers, data=b"key=evil.html&file=x"
    )

    assert response.status_code == 403, response.data
    assert response.json is not None and "local AWS emulator" in response.json["message"]
    assert response.headers["content-security-policy"] == "sandbox"


def test_the_local_apis_own_origin_is_no_web_page() -> None:
    """The console signs in through the local API's own /cognito-idp/ path; its origin is not
    refused for the Origin alone (the stack's own pages), but a browser's request is."""
    client = moto_client()
    own = client.post("/", headers={"Origin": ORIGIN, "Authorization": SIGV4})
    browsed = client.post("/", headers={"Origin": ORIGIN, **BROWSER, "Authorization": SIGV4})

    assert (own.status_code, browsed.status_code) == (200, 403)
