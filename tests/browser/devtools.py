"""A DevTools-protocol session beside Selenium's, for what Selenium's ``execute_cdp_cmd``
cannot do: wait for an event (the service worker's registration id) and talk to another
target (the service worker itself, through ``Target.attachToTarget``).

Chromium accepts several DevTools clients at once; chromedriver names the browser's
address in the session's capabilities (``goog:chromeOptions.debuggerAddress``). One
websocket to the browser target, sessions flattened onto it (``sessionId`` per message),
``websocket-client`` (a Selenium dependency) to speak it. Every wait is bounded.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import requests
import websocket
from selenium.webdriver.remote.webdriver import WebDriver

WAIT_S = 20.0


class DevToolsError(RuntimeError):
    pass


class DevTools:
    """The browser of ``driver`` over its own DevTools websocket."""

    def __init__(self, driver: WebDriver) -> None:
        address = driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
        url = requests.get(f"http://{address}/json/version", timeout=10).json()[
            "webSocketDebuggerUrl"
        ]
        # No Origin header: Chromium refuses a websocket from an origin it was not told of.
        self._socket = websocket.create_connection(url, timeout=WAIT_S, suppress_origin=True)
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        self._socket.close()

    def send(self, method: str, params: dict[str, Any] | None = None, session: str = "") -> Any:
        """One command; its result (events that arrive meanwhile are kept in ``events``)."""
        number = next(self._ids)
        message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._socket.send(json.dumps(message))
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            answer = json.loads(self._socket.recv())
            if answer.get("id") != number:
                self.events.append(answer)
                continue
            if "error" in answer:
                raise DevToolsError(f"{method}: {answer['error']}")
            return answer["result"]
        raise DevToolsError(f"{method}: no answer in {WAIT_S} s")

    def event(self, method: str, match: Any = lambda params: True, session: str = "") -> Any:
        """The params of the first ``method`` event (already kept, or the next) that matches."""
        deadline = time.monotonic() + WAIT_S
        while True:
            for kept in self.events:
                mine = not session or kept.get("sessionId") == session
                if kept.get("method") == method and mine and match(kept["params"]):
                    self.events.remove(kept)
                    return kept["params"]
            if time.monotonic() > deadline:
                raise DevToolsError(f"no {method} event in {WAIT_S} s")
            self._socket.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                self.events.append(json.loads(self._socket.recv()))
            except websocket.WebSocketTimeoutException:
                continue

    def attach(self, kind: str, url_part: str) -> str:
        """A session on the first target of ``kind`` (page, service_worker) whose URL has
        ``url_part``; waits for it to appear (a worker starts on demand)."""
        deadline = time.monotonic() + WAIT_S
        while True:
            for target in self.send("Target.getTargets")["targetInfos"]:
                if target["type"] == kind and url_part in target["url"]:
                    return self.send(
                        "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
                    )["sessionId"]
            if time.monotonic() > deadline:
                raise DevToolsError(f"no {kind} target at {url_part}")
            time.sleep(0.2)

    def evaluate(self, session: str, expression: str) -> Any:
        """``expression`` (a promise is awaited) in that target; its JSON value."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            session,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise DevToolsError(details.get("exception", {}).get("description") or str(details))
        return result["result"].get("value")


def registration_id(tools: DevTools, page: str, scope: str) -> str:
    """The service worker registration of ``scope``, as the ServiceWorker domain names it."""
    tools.send("ServiceWorker.enable", session=page)
    found = tools.event(
        "ServiceWorker.workerRegistrationUpdated",
        lambda params: any(
            r["scopeURL"] == scope and not r["isDeleted"] for r in params["registrations"]
        ),
        session=page,
    )
    return next(r["registrationId"] for r in found["registrations"] if r["scopeURL"] == scope)


def deliver_push(tools: DevTools, page: str, origin: str, registration: str, data: Any) -> None:
    """A push message as the push service would hand it to the browser (already decrypted)."""
    text = data if isinstance(data, str) else json.dumps(data)
    tools.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": origin, "registrationId": registration, "data": text},
        session=page,
    )
