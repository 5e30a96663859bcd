"""Signing out of the console revokes the refresh token at Cognito.

The real page (ConsoleFunction's own answer, its scripts as they ship) in headless
Chromium, against a stub on 127.0.0.1 that plays Cognito's user-pool API and the
console API: no local stack, since moto does not implement ``RevokeToken`` (the local
stack's emulation of it is tested with the local stack).

GIVEN a user signed in with a password (the stub hands out an access, an ID and a
refresh token)
WHEN they press "Sign out"
THEN the page sends Cognito ``RevokeToken`` with that refresh token and the app client's
id, forgets every token (sessionStorage empty), and shows the sign-in form.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from vstarcam_tools.events import LambdaContext
from vstarcam_tools.template import PROJECT_ROOT

from tests.browser.conftest import account_menu, visible, wait

CLIENT_ID = "console-client-id"
REFRESH_TOKEN = "refresh-token-of-this-sign-in"


def _jwt(claims: dict[str, Any]) -> str:
    def part(document: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}.c2lnbmF0dXJl"


class Stub:
    """The page's three counterparts on one origin: the page function, Cognito's
    user-pool API (``/cognito-idp/``) and the console API (an empty answer to any GET)."""

    def __init__(self, page: ModuleType) -> None:
        self.cognito: list[tuple[str, dict[str, Any]]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.startswith("/api/"):
                    self._send(200, {"content-type": "application/json"}, b'{"alarms":[]}')
                    return
                if self.path in ("/", "/sw.js"):
                    event: dict[str, Any] = {"routeKey": f"GET {self.path}"}
                else:
                    _, _, version, file = self.path.split("/", 3)
                    event = {
                        "routeKey": "GET /console/{version}/{file}",
                        "pathParameters": {"version": version, "file": file},
                    }
                event["headers"] = {}
                reply = page.lambda_handler(event, LambdaContext(aws_request_id="page"))
                body = reply["body"].encode()
                if reply["isBase64Encoded"]:
                    body = base64.b64decode(body)
                self._send(reply["statusCode"], reply["headers"], body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                document = json.loads(self.rfile.read(length) or b"{}")
                operation = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
                stub.cognito.append((operation, document))
                answer: dict[str, Any] = {}
                if operation == "InitiateAuth":
                    answer = {
                        "AuthenticationResult": {
                            "AccessToken": _jwt({"token_use": "access"}),
                            "IdToken": _jwt({"email": "owner@example.com"}),
                            "RefreshToken": REFRESH_TOKEN,
                            "ExpiresIn": 600,
                            "TokenType": "Bearer",
                        }
                    }
                content_type = {"content-type": "application/x-amz-json-1.1"}
                self._send(200, content_type, json.dumps(answer).encode())

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.cognito]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stub]:
    # The page function reads its settings when it is imported, as Lambda imports it.
    monkeypatch.setenv("COGNITO_ENDPOINT", "/cognito-idp/")
    monkeypatch.setenv("COGNITO_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("MEDIA_ORIGIN", "")
    spec = importlib.util.spec_from_file_location(
        "_console_page_for_sign_out", PROJECT_ROOT / "functions" / "console" / "app.py"
    )
    assert spec is not None and spec.loader is not None
    page = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(page)
    running = Stub(page)
    yield running
    running.stop()


def test_sign_out_revokes_the_refresh_token_and_forgets_the_session(
    browser: WebDriver, stub: Stub
) -> None:
    browser.get(stub.base_url + "/")
    visible(browser, "signin-username").send_keys("owner@example.com")
    browser.find_element(By.ID, "signin-password").send_keys("a-long-enough-password")
    browser.find_element(By.CSS_SELECTOR, "#signin-form button[type=submit]").click()
    visible(browser, "bar")
    assert stub.operations() == ["InitiateAuth"]

    account_menu(browser, "sign-out")

    visible(browser, "signin-form")
    wait(browser, lambda _: "RevokeToken" in stub.operations())
    assert stub.operations() == ["InitiateAuth", "RevokeToken"]
    assert stub.cognito[1][1] == {"Token": REFRESH_TOKEN, "ClientId": CLIENT_ID}
    assert browser.execute_script("return sessionStorage.length") == 0
