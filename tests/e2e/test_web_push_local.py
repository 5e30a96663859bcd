"""Web push on the local stack (`make run`): a signed-in user's browser subscribes with an
endpoint on this machine (allowed here alone), and the device's test notification and a
camera's alarm reach it through the delivery function, encrypted to the browser's keys."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from tests.console.test_local_authorizer import PASSWORD, cognito
from tests.e2e.helpers import post_alarm, reply_of
from tests.e2e.localstack import LocalStackProcess, start_local_stack
from tests.web_push_fakes import FakePushService

pytestmark = pytest.mark.slow

TIMEOUT_S = 30
WAIT_S = 60.0


@pytest.fixture(scope="module")
def local() -> Iterator[LocalStackProcess]:
    stack = start_local_stack(schedule_rate=None, extra_args=["--console-password", PASSWORD])
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def token(local: LocalStackProcess) -> str:
    reply = cognito(
        local,
        "InitiateAuth",
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": local.outputs.raw["ConsoleUserPoolClientId"],
            "AuthParameters": {"USERNAME": "admin", "PASSWORD": PASSWORD},
        },
    )
    assert reply.status_code == 200, reply.text
    return str(reply.json()["AuthenticationResult"]["AccessToken"])


def api(local: LocalStackProcess, token: str, method: str, path: str, body: Any = None) -> Any:
    reply = requests.request(
        method,
        f"{local.base_url}{path}",
        headers={"Authorization": f"Bearer {token}"},
        json=body,
        timeout=TIMEOUT_S,
    )
    assert reply.status_code < 300, reply.text
    return reply.json()


def wait_for(service: FakePushService, count: int) -> None:
    deadline = time.monotonic() + WAIT_S
    while len(service.received) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(service.received) == count, service.refused


def test_a_local_browser_gets_its_test_push_and_an_alarm(
    local: LocalStackProcess, token: str, register: Callable[..., str]
) -> None:
    service = FakePushService().start()
    try:
        key = api(local, token, "GET", "/api/push/key")["publicKey"]
        browser = service.browser()
        device = api(
            local,
            token,
            "POST",
            "/api/push/devices",
            {"subscription": browser.subscription(), "name": "This laptop"},
        )["device"]
        assert api(local, token, "POST", f"/api/push/devices/{device['id']}/test") == {
            "queued": True
        }
        wait_for(service, 1)
        assert browser.decrypt(service.received[0].body)["kind"] == "test"
        assert service.claims(service.received[0]).key == key

        vuid = register("Garage")
        assert reply_of(post_alarm(local.alarm_url, vuid, "18"), 200) == "Success"
        wait_for(service, 2)
        pushed = browser.decrypt(service.received[1].body)
        assert pushed["kind"] == "alarm" and pushed["title"].startswith("Garage: ")
        assert pushed["url"].startswith(local.base_url)
        # The local stack's console is a loopback http origin, a secure context: the picture too.
        assert pushed["image"].startswith(local.base_url + "/alarms/")
    finally:
        service.stop()
