"""Web push on the console, in real headless Chromium against the local stack, at phone
size (390x844) and on a desktop (1280x800).

Headless Chromium has no push service, so the page's ``PushManager.prototype.subscribe``
is replaced (before any script of the page runs) by one that returns a subscription to a
fake push service on 127.0.0.1, with keys this test made; everything else is real:

- "Notify this device" asks for permission on that tap only, subscribes with the stack's
  VAPID key and registers the device with its filters; the list marks this device;
- an alarm posted to the local stack reaches the fake push service encrypted (RFC 8291,
  aes128gcm, VAPID); the test decrypts it with the subscription's private key and hands
  the plaintext to the service worker (``ServiceWorker.deliverPushMessage``), which shows
  the notification: the camera's name, the picture (``registration.getNotifications()``);
- the DevTools protocol cannot press a notification: the test runs the worker's own
  handler (the one its ``notificationclick`` calls) in the worker, with the tokens the
  stack minted; "Mark reviewed" reviews the alarm and "Snooze" snoozes the camera, as
  the console's API then says; a plain tap shows the alarm in the open console;
- a test notification, a device's filters edited, a device removed; the states a browser
  can be in: push blocked (and how to undo it), an iPhone's browser (home screen first),
  no push at all.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select
from vstarcam_push.dal.camera_registry import CameraRegistry

from tests.browser.conftest import account_menu, push_alarm, sign_in, visible, wait
from tests.browser.devtools import DevTools, deliver_push, registration_id
from tests.browser.test_app import small_targets
from tests.conftest import register_camera
from tests.e2e.localstack import LocalStackProcess
from tests.push_fakes import Received
from tests.web_push_fakes import FakeBrowser, FakePushService

pytestmark = pytest.mark.slow

FRONT_DOOR = "VE0005622QHOW"
PUSH_WAIT_S = 30.0
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def pushes(service: FakePushService, count: int) -> list[Received]:
    """The pushes the fake service took, once there are ``count`` (bounded wait)."""
    deadline = time.monotonic() + PUSH_WAIT_S
    while len(service.received) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(service.received) >= count, (service.received, service.refused)
    return service.received


# Before the page's own scripts: PushManager answers with the fake service's subscription
# (kept for the tab, as a browser keeps its own), and the permission prompts are counted.
STUB = """
(() => {
  const fake = %s;
  // The push service renewing the subscription: the test names the new endpoint.
  const renewed = sessionStorage.getItem('fake-push-endpoint');
  if (renewed) fake.endpoint = renewed;
  window.permissionAsks = 0;
  const ask = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = (...args) => {
    window.permissionAsks += 1;
    return ask(...args);
  };
  const subscription = () => ({
    endpoint: fake.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true },
    toJSON: () => ({ endpoint: fake.endpoint, expirationTime: null, keys: fake.keys }),
    unsubscribe: async () => { sessionStorage.removeItem('fake-push'); return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    window.subscribedWith = btoa(String.fromCharCode(...key))
      .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
    sessionStorage.setItem('fake-push', '1');
    return subscription();
  };
  PushManager.prototype.getSubscription = async function () {
    return sessionStorage.getItem('fake-push') ? subscription() : null;
  };
})();
"""


@pytest.fixture(scope="module")
def push_service() -> Any:
    service = FakePushService()
    service.start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def keys(push_service: FakePushService) -> FakeBrowser:
    """This phone's side of the subscription: its keys and its endpoint at the fake service."""
    return push_service.browser("phone")


@pytest.fixture(scope="module")
def seen() -> dict[str, Any]:
    """What one test found and a later one uses (the decrypted alarm push)."""
    return {}


@pytest.fixture(scope="module")
def phone_tools(phone: WebDriver) -> Any:
    tools = DevTools(phone)
    yield tools
    tools.close()


def api(driver: WebDriver, method: str, path: str) -> Any:
    """The console's API as the signed-in page calls it (its own token)."""
    return driver.execute_async_script(
        """
        const [method, path, done] = arguments;
        const tokens = JSON.parse(sessionStorage.getItem('vstarcam-push.tokens'));
        fetch(path, { method, headers: { Authorization: `Bearer ${tokens.access}` } })
          .then((r) => r.json()).then(done, (e) => done({ error: String(e) }));
        """,
        method,
        path,
    )


def notifications(tools: DevTools, worker: str) -> list[dict[str, Any]]:
    return tools.evaluate(
        worker,
        "self.registration.getNotifications().then((all) => all.map((n) => ({title: n.title,"
        " body: n.body, image: n.image, icon: n.icon, badge: n.badge, tag: n.tag, data: n.data,"
        " actions: n.actions.map((a) => a.title)})))",
    )


def show_push(tools: DevTools, base_url: str, payload: dict[str, Any]) -> str:
    """Hands ``payload`` to the worker as the browser would; the worker's session, once the
    notification is up."""
    page = tools.attach("page", base_url)
    registration = registration_id(tools, page, base_url + "/")
    worker = tools.attach("service_worker", base_url + "/sw.js")
    tools.send("Log.enable", session=worker)
    # What an earlier push of the same tag left (e.g. "Marked reviewed") goes first.
    tools.evaluate(
        worker,
        f"self.registration.getNotifications({{tag: {json.dumps(payload['tag'])}}})"
        ".then((all) => all.forEach((n) => n.close()))",
    )
    deliver_push(tools, page, base_url, registration, payload)
    deadline = time.monotonic() + PUSH_WAIT_S
    while not any(n["title"] == payload["title"] for n in notifications(tools, worker)):
        assert time.monotonic() < deadline, "the worker showed no notification"
        time.sleep(0.2)
    # The picture, icon and badge were loaded: nothing refused them (the worker's CSP).
    refused = [
        e["params"]["entry"]["text"]
        for e in tools.events
        if e.get("method") == "Log.entryAdded" and e.get("sessionId") == worker
    ]
    assert not [text for text in refused if "Content Security Policy" in text], refused
    return worker


def tap(tools: DevTools, worker: str, tag: str, action: str) -> dict[str, Any]:
    """What a tap on the notification (``action`` "" for its body) does: the very function
    the worker's ``notificationclick`` listener calls, with that notification."""
    return tools.evaluate(
        worker,
        f"self.registration.getNotifications({{tag: {json.dumps(tag)}}})"
        f".then(([n]) => handleNotificationClick(n, {json.dumps(action)}))",
    )


def test_notify_this_device_asks_on_the_tap_only_and_registers_it(
    phone: WebDriver, local: LocalStackProcess, push_service: FakePushService, keys: FakeBrowser
) -> None:
    phone.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {"source": STUB % json.dumps(keys.subscription())},
    )
    phone.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": local.base_url, "permissions": ["notifications"]}
    )
    sign_in(phone, local.base_url)
    # The app's service worker is registered and controls the page.
    wait(
        phone,
        lambda d: d.execute_script(
            "return navigator.serviceWorker.controller?.state === 'activated'"
        ),
    )
    phone.find_element(By.ID, "nav-notify").click()
    submit = visible(phone, "notify-submit")
    assert submit.text == "Notify this device"
    assert (
        "asks for permission when you press the button"
        in phone.find_element(By.ID, "notify-state").text
    )
    assert phone.find_element(By.ID, "notify-name").get_attribute("value") == "Chrome on Android"
    assert phone.execute_script("return window.permissionAsks") == 0
    # The button is on the first screen; the filters fold behind one button.
    box = submit.rect
    assert box["y"] + box["height"] <= 844, box
    phone.find_element(By.ID, "notify-filters-summary").click()
    Select(visible(phone, "notify-severity")).select_by_value("alert")
    assert "alerts only" in phone.find_element(By.ID, "notify-filters-summary").text
    assert small_targets(phone) == []

    submit.click()
    card = wait(phone, lambda d: d.find_element(By.CSS_SELECTOR, "#notify-devices li.this-device"))
    assert "This device" in card.text and "Chrome on Android" in card.text
    assert "alerts only" in card.text
    assert phone.execute_script("return window.permissionAsks") == 1
    assert (
        phone.execute_script("return window.subscribedWith")
        == api(phone, "GET", "/api/push/key")["publicKey"]
    )
    wait(phone, lambda d: "This device is notified" in d.find_element(By.ID, "notify-state").text)
    assert not phone.find_element(By.ID, "notify-form").is_displayed()
    (device,) = api(phone, "GET", "/api/push/devices")["devices"]
    assert device["filters"]["severities"] == ["alert"]
    assert small_targets(phone) == []


def test_an_alarm_reaches_the_device_encrypted_and_shows_its_camera_and_picture(
    phone: WebDriver,
    local: LocalStackProcess,
    registry: CameraRegistry,
    push_service: FakePushService,
    keys: FakeBrowser,
    phone_tools: DevTools,
    seen: dict[str, Any],
) -> None:
    register_camera(registry._db, registry.table, FRONT_DOOR, "Front door", 180, int(time.time()))
    push_alarm(local, FRONT_DOOR, 0x14, "doorbell.jpg", "ring")
    (pushed,) = pushes(push_service, 1)
    assert pushed.headers["content-encoding"] == "aes128gcm"
    assert pushed.headers["authorization"].startswith("vapid t=")
    payload = keys.decrypt(pushed.body)
    assert payload["kind"] == "alarm" and payload["severity"] == "alert"
    assert "Front door" in payload["title"]
    assert [a["action"] for a in payload["actions"]] == ["review", "snooze"]
    picture = requests.get(payload["image"], timeout=10)
    assert picture.ok and picture.content[:2] == b"\xff\xd8"  # the thumbnail, a JPEG
    seen["payload"] = payload

    worker = show_push(phone_tools, local.base_url, payload)
    (shown,) = [n for n in notifications(phone_tools, worker) if n["tag"] == payload["tag"]]
    assert "Front door" in shown["title"]
    assert shown["image"] == payload["image"]
    assert shown["actions"] == ["Mark reviewed", "Snooze this camera 1 h"]
    assert shown["data"]["url"].endswith(f"#/alarms/{payload['alarmId']}")
    assert shown["badge"].endswith("/badge-96.png") and shown["icon"].endswith("/icon-192.png")


def test_mark_reviewed_on_the_notification_reviews_the_alarm(
    phone: WebDriver, local: LocalStackProcess, phone_tools: DevTools, seen: dict[str, Any]
) -> None:
    payload = seen["payload"]
    assert api(phone, "GET", f"/api/alarms/{payload['alarmId']}")["reviewedAt"] is None
    worker = phone_tools.attach("service_worker", local.base_url + "/sw.js")
    outcome = tap(phone_tools, worker, payload["tag"], "review")
    assert outcome["title"] == "Marked reviewed", outcome
    # The notification says so in its own place.
    (shown,) = [n for n in notifications(phone_tools, worker) if n["tag"] == payload["tag"]]
    assert shown["title"] == "Marked reviewed" and shown["actions"] == []
    assert api(phone, "GET", f"/api/alarms/{payload['alarmId']}")["reviewedAt"]
    # The same push shown again (another device, a retry): its token is good once.
    worker = show_push(phone_tools, local.base_url, payload)
    again = tap(phone_tools, worker, payload["tag"], "review")
    assert again["title"] == "Already marked reviewed", again


def test_snooze_on_the_notification_snoozes_the_camera(
    phone: WebDriver,
    local: LocalStackProcess,
    registry: CameraRegistry,
    phone_tools: DevTools,
    seen: dict[str, Any],
) -> None:
    payload = seen["payload"]
    worker = show_push(phone_tools, local.base_url, payload)
    before = int(time.time())
    outcome = tap(phone_tools, worker, payload["tag"], "snooze")
    assert outcome["title"].startswith("Snoozed until "), outcome
    until = outcome["answer"]["until"]
    assert before + 3500 <= until <= time.time() + 3700
    (camera,) = [c for c in api(phone, "GET", "/api/cameras")["cameras"] if c["vuid"] == FRONT_DOOR]
    assert camera["snoozedUntil"] == until
    registry.snooze(FRONT_DOOR, None)  # the next tests' pushes are not held


def test_a_snooze_kept_until_turned_back_on_is_said_so(
    local: LocalStackProcess, phone_tools: DevTools, seen: dict[str, Any]
) -> None:
    """A "Snooze this camera 1 h" tapped after someone snoozed the camera until turned
    back on keeps that snooze, and the answer's ``until`` is the year 9999: the
    notification says what it means, not a date."""
    from vstarcam_push.models.camera import SNOOZE_UNTIL_ON

    worker = phone_tools.attach("service_worker", local.base_url + "/sw.js")
    said = phone_tools.evaluate(
        worker, f"doneText({{done: 'snoozed', vuid: 'X', until: {SNOOZE_UNTIL_ON}}})"
    )
    assert said == "Snoozed until turned back on"


def test_a_tap_on_the_notification_opens_the_alarm(
    phone: WebDriver, local: LocalStackProcess, phone_tools: DevTools, seen: dict[str, Any]
) -> None:
    payload = seen["payload"]
    phone.get(f"{local.base_url}/#/cameras")
    worker = show_push(phone_tools, local.base_url, payload)
    outcome = tap(phone_tools, worker, payload["tag"], "")
    assert outcome["opened"] == payload["url"]
    wait(phone, lambda d: d.current_url == payload["url"])
    wait(phone, lambda d: "Doorbell" in d.find_element(By.ID, "alarm-title").text)
    # The tap took the notification away.
    assert not [n for n in notifications(phone_tools, worker) if n["tag"] == payload["tag"]]


def test_on_a_desktop_the_notification_shows_and_the_devices_are_listed(
    browser: WebDriver, local: LocalStackProcess, seen: dict[str, Any]
) -> None:
    browser.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": local.base_url, "permissions": ["notifications"]}
    )
    sign_in(browser, local.base_url)
    wait(
        browser,
        lambda d: d.execute_script(
            "return navigator.serviceWorker.controller?.state === 'activated'"
        ),
    )
    tools = DevTools(browser)
    try:
        payload = seen["payload"]
        worker = show_push(tools, local.base_url, payload)
        (shown,) = [n for n in notifications(tools, worker) if n["tag"] == payload["tag"]]
        assert "Front door" in shown["title"] and shown["image"] == payload["image"]
    finally:
        tools.close()
    browser.find_element(By.ID, "nav-notify").click()
    card = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#notify-devices li"))
    # The phone's device, not this one: this browser is offered the button.
    assert "Chrome on Android" in card.text and "This device" not in card.text
    assert visible(browser, "notify-submit").text == "Notify this device"
    assert browser.find_element(By.ID, "notify-name").get_attribute("value") == "Chrome on Linux"


def test_a_renewed_subscription_is_swapped_in_at_the_next_start(
    phone: WebDriver, local: LocalStackProcess, keys: FakeBrowser
) -> None:
    """The push service gave this browser a new endpoint ("pushsubscriptionchange": the
    worker subscribes again but holds no session to tell the stack): the console's next
    start registers the new endpoint with the old device's name and filters, and removes
    the old device."""
    (old,) = api(phone, "GET", "/api/push/devices")["devices"]
    renewed = keys.endpoint + "-renewed"
    phone.execute_script("sessionStorage.setItem('fake-push-endpoint', arguments[0])", renewed)
    phone.get(f"{local.base_url}/#/cameras")
    phone.refresh()

    def swapped(d: WebDriver) -> Any:
        # The new device is saved before the old one goes: wait until the old one has gone.
        devices = api(d, "GET", "/api/push/devices")["devices"]
        return devices if old["id"] not in [x["id"] for x in devices] else None

    (new,) = wait(phone, swapped)
    assert new["name"] == old["name"] and new["filters"] == old["filters"]
    phone.find_element(By.ID, "nav-notify").click()
    card = wait(phone, lambda d: d.find_element(By.CSS_SELECTOR, "#notify-devices li.this-device"))
    assert card.get_attribute("data-device") == new["id"]


def press_on_this_device(driver: WebDriver, label: str) -> None:
    """Press a button of this device's card, even if the list is redrawn while it is found."""

    def press(d: WebDriver) -> bool:
        card = d.find_element(By.CSS_SELECTOR, "#notify-devices li.this-device")
        card.find_element(By.XPATH, f".//button[text()='{label}']").click()
        return True

    wait(driver, press)


def test_a_test_notification_an_edit_and_turning_it_off(
    phone: WebDriver, local: LocalStackProcess, push_service: FakePushService, keys: FakeBrowser
) -> None:
    phone.get(f"{local.base_url}/#/notify")
    already = len(push_service.received)
    press_on_this_device(phone, "Send a test")
    test = keys.decrypt(pushes(push_service, already + 1)[-1].body)
    assert test["kind"] == "test"

    press_on_this_device(phone, "Edit filters")
    name = visible(phone, "notify-name")
    assert phone.find_element(By.ID, "notify-submit").text == "Save"
    assert phone.find_element(By.ID, "notify-severity").get_attribute("value") == "alert"
    name.clear()
    name.send_keys("My phone")
    Select(phone.find_element(By.ID, "notify-severity")).select_by_value("")
    # A time field's typing depends on the locale's clock (12 or 24 h): set as a picker does.
    phone.execute_script(
        "const times = [['notify-quiet-from', '22:00'], ['notify-quiet-to', '07:00']];"
        "for (const [id, value] of times) {"
        " const field = document.getElementById(id); field.value = value;"
        " field.dispatchEvent(new Event('change', {bubbles: true})); }"
    )
    assert "quiet 22:00-07:00" in phone.find_element(By.ID, "notify-filters-summary").text
    phone.find_element(By.ID, "notify-submit").click()
    assert phone.find_element(By.ID, "notify-message").text == ""
    wait(phone, lambda d: "My phone" in d.find_element(By.CSS_SELECTOR, "li.this-device").text)
    (device,) = api(phone, "GET", "/api/push/devices")["devices"]
    assert device["name"] == "My phone" and device["filters"]["quietHours"] == "22:00-07:00"
    assert sorted(device["filters"]["severities"]) == ["alert", "detection"]

    press_on_this_device(phone, "Turn off here")
    phone.switch_to.alert.accept()
    visible(phone, "notify-empty")
    assert api(phone, "GET", "/api/push/devices")["devices"] == []
    wait(phone, lambda d: d.find_element(By.ID, "notify-submit").is_displayed())


def notify_state(driver: WebDriver, local: LocalStackProcess, expected: str) -> Any:
    """The Notifications page loaded anew; its note once it says ``expected``."""
    driver.get(f"{local.base_url}/#/notify")
    driver.refresh()
    wait(
        driver,
        lambda d: d.find_element(By.ID, "notify-state").get_attribute("data-state") == expected,
    )
    return driver.find_element(By.ID, "notify-state")


def test_what_the_page_says_when_this_browser_cannot(
    phone: WebDriver, local: LocalStackProcess
) -> None:
    phone.execute_cdp_cmd(
        "Browser.setPermission",
        {"origin": local.base_url, "permission": {"name": "notifications"}, "setting": "denied"},
    )
    state = notify_state(phone, local, "denied")
    assert "blocked" in state.text and "Allow" in state.text
    assert not phone.find_element(By.ID, "notify-submit").is_displayed()

    # Safari on an iPhone, as the page sees it (chromedriver's phone emulation keeps its own
    # user agent over Emulation.setUserAgentOverride, so the page's view of it is replaced).
    iphone = phone.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {
            "source": f"Object.defineProperty(Navigator.prototype, 'userAgent', "
            f"{{get: () => {json.dumps(IPHONE)}}});"
            "Object.defineProperty(Navigator.prototype, 'platform', {get: () => 'iPhone'});"
        },
    )
    try:
        state = notify_state(phone, local, "ios-browser")
        assert "Add to Home Screen" in state.text and "iOS 16.4" in state.text
        assert not phone.find_element(By.ID, "notify-submit").is_displayed()
    finally:
        phone.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", iphone)

    script = phone.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": "delete window.PushManager;"}
    )
    try:
        state = notify_state(phone, local, "unsupported")
        assert "cannot receive push notifications" in state.text
    finally:
        phone.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", script)


def test_signing_out_turns_notifications_off_on_this_device(
    phone: WebDriver, local: LocalStackProcess
) -> None:
    """A signed-out phone must not go on showing the stack's alarms to whoever holds it next:
    signing out removes this device from the stack and ends the browser's subscription."""
    phone.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": local.base_url, "permissions": ["notifications"]}
    )
    notify_state(phone, local, "off")
    phone.find_element(By.ID, "notify-submit").click()
    wait(phone, lambda d: d.find_element(By.CSS_SELECTOR, "#notify-devices li.this-device"))
    assert "signing out turns it off" in phone.find_element(By.ID, "notify-state").text
    assert len(api(phone, "GET", "/api/push/devices")["devices"]) == 1

    account_menu(phone, "sign-out")
    visible(phone, "signin-form")
    assert phone.execute_script("return sessionStorage.getItem('fake-push')") is None
    sign_in(phone, local.base_url)
    assert api(phone, "GET", "/api/push/devices")["devices"] == []


def test_signing_out_does_not_wait_on_a_stack_that_does_not_answer(
    phone: WebDriver, local: LocalStackProcess
) -> None:
    """Signing out ends the session on this device whatever the network does: a removal of
    the device the stack never answers (a stalled connection) must not keep the console
    signed in, nor the browser's subscription alive."""
    phone.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": local.base_url, "permissions": ["notifications"]}
    )
    notify_state(phone, local, "off")
    phone.find_element(By.ID, "notify-submit").click()
    wait(phone, lambda d: d.find_element(By.CSS_SELECTOR, "#notify-devices li.this-device"))
    # The stack never answers this device's removal.
    phone.execute_script(
        """
        const fetch = window.fetch.bind(window);
        window.fetch = (url, options) =>
          options?.method === 'DELETE' && String(url).includes('/api/push/devices/')
            ? new Promise(() => {})
            : fetch(url, options);
        """
    )
    account_menu(phone, "sign-out")
    visible(phone, "signin-form")
    assert phone.execute_script("return sessionStorage.getItem('vstarcam-push.tokens')") is None
    wait(phone, lambda d: d.execute_script("return sessionStorage.getItem('fake-push')") is None)
