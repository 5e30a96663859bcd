"""The local stack's guard: only requests addressed to the server pass (no DNS rebinding), and
moto answers CORS only for the local API's own pages calling Cognito."""

from __future__ import annotations

from typing import Any

import pytest
from vstarcam_tools.local.guard import HostCheck, OwnOriginCors, host_is_ours, own_origins
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


def cors_client() -> Client:
    return Client(OwnOriginCors(hello, lambda: own_origins(ORIGIN, 3000)), Response)


def test_the_local_apis_own_pages_may_call_cognito() -> None:
    client = cors_client()

    preflight = client.options(
        "/",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target",
        },
    )
    call = client.post(
        "/",
        headers={
            "Origin": "http://localhost:3000",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
        },
    )

    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert preflight.headers["access-control-allow-headers"] == "content-type,x-amz-target"
    assert call.headers["access-control-allow-origin"] == "http://localhost:3000"


@pytest.mark.parametrize(
    ("origin", "target"),
    [
        ("http://evil.example", "AWSCognitoIdentityProviderService.InitiateAuth"),
        ("http://127.0.0.1:8080", "AWSCognitoIdentityProviderService.InitiateAuth"),
        (ORIGIN, "DynamoDB_20120810.Scan"),
        (ORIGIN, ""),
    ],
    ids=["another-site", "another-local-port", "dynamodb", "s3-or-sns"],
)
def test_no_other_origin_or_service_gets_cors(origin: str, target: str) -> None:
    headers = {"Origin": origin, **({"X-Amz-Target": target} if target else {})}
    response = cors_client().post("/", headers=headers)

    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_another_sites_preflight_gets_no_cors() -> None:
    response = cors_client().options(
        "/",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in response.headers
