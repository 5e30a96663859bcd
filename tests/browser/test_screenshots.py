"""The console's pictures for the README and docs/, all from one realistic scene, at phone
size (390x844, touch, 2x) and on a desktop (1280x800), on a Paris wall clock.

The scene: five cameras on two sites (Home: Front door, Garage, Garden; Shop: Shop
entrance, Stockroom), the garden offline, the garage snoozed until tomorrow morning;
alerts (doorbell with its video, smoke, a person) and detections (motion) pushed through
the local stack as cameras push them, some reviewed; yesterday's alarms and outages for
the day view; this phone notified (its push subscription faked as in test_web_push).

``make screenshots`` runs this module alone with VSTARCAM_SCREENSHOTS_DIR=docs, which
writes every console picture the README shows; ``make test`` runs it too, into a scratch
folder, so each picture's page is also checked: nothing wider than the screen, every
touch target 44 px at least on the phone, no text cut off, no CSP violation.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.media import MediaStore
from vstarcam_push.dal.status_history import StatusHistory
from vstarcam_push.models.alarm import Alarm, alarm_id_for
from vstarcam_push.models.alarm_types import AlarmType
from vstarcam_push.models.media import JPEG, media_key
from vstarcam_push.models.push_keys import keyed_url
from vstarcam_push.models.snooze import snooze_until
from vstarcam_push.models.status_history import StatusChange
from vstarcam_tools.camera import simulator

from tests.browser.conftest import (
    cards,
    images_loaded,
    push_alarm,
    screenshot,
    sign_in,
    visible,
    wait,
)
from tests.browser.test_app import small_targets
from tests.browser.test_day import ZONE, csp_violations, set_status, wall
from tests.browser.test_web_push import STUB, keys, push_service  # noqa: F401 (fixtures)
from tests.conftest import PUSH_KEY, register_camera
from tests.e2e.localstack import LocalStackProcess
from tests.web_push_fakes import FakeBrowser

pytestmark = pytest.mark.slow

FRONT, GARAGE, GARDEN = "VE0005622QHOW", "VE0000013GRGE", "OKB0379853SNLJ"
SHOP, STOCK = "VE0000031SHOP", "VE0000032STCK"
CAMERAS = (
    (FRONT, "Front door", "Home"),
    (GARAGE, "Garage", "Home"),
    (GARDEN, "Garden", "Home"),
    (SHOP, "Shop entrance", "Shop"),
    (STOCK, "Stockroom", "Shop"),
)


@pytest.fixture(scope="module")
def scene(local: LocalStackProcess, registry: CameraRegistry) -> dict[str, Any]:
    now = int(time.time())
    for vuid, name, site in CAMERAS:
        register_camera(registry._db, registry.table, vuid, name, 180, now - 20 * 86_400)
        registry.set_site(vuid, site)
    for vuid in (FRONT, GARAGE, SHOP, STOCK):
        reply = requests.post(
            keyed_url(local.heartbeat_url, PUSH_KEY),
            data=simulator.heartbeat_body(vuid),
            timeout=30,
        )
        assert reply.ok, reply.text

    yesterday = datetime.now(ZONE).date() - timedelta(days=1)
    _yesterday(local, yesterday, now)

    # Today, oldest first, as the cameras push them (thumbnails, the doorbell's video).
    push_alarm(local, STOCK, 0x26, "night.jpg", "stockroom smoke")
    push_alarm(local, GARAGE, 0x12, "motion.jpg", "garage car")
    push_alarm(local, SHOP, 0x29, "motion.jpg", "shop person")
    push_alarm(local, SHOP, 0x12, "motion.jpg", "shop motion")
    push_alarm(local, FRONT, 0x12, "motion.jpg", "front walk")
    push_alarm(local, FRONT, 0x14, "doorbell.jpg", "front ring", video=True)
    store = AlarmStore(local.client("dynamodb"), local.outputs.alarms_table)
    today = store.latest(20)
    for alarm in today:
        if alarm.vuid == GARAGE:  # looked at already
            store.set_reviewed(alarm.alarm_id, now)
    registry.snooze(GARAGE, snooze_until("morning", now, "Europe/Paris"))
    # The garden went quiet 47 minutes ago: its last heartbeat three minutes before that.
    set_status(registry, GARDEN, "offline", now - 47 * 60)
    registry._db.update_item(
        TableName=registry.table,
        Key={"vuid": {"S": GARDEN}},
        UpdateExpression="SET lastSeen = :seen",
        ExpressionAttributeValues={":seen": {"N": str(now - 50 * 60)}},
    )
    return {"yesterday": yesterday.isoformat()}


def _yesterday(local: LocalStackProcess, day: Any, now: int) -> None:
    """Yesterday's alarms and outages (stored as the stack stores them) for the day view."""
    dynamodb = local.client("dynamodb")
    media = MediaStore(local.client("s3"), local.outputs.media_bucket)
    store = AlarmStore(dynamodb, local.outputs.alarms_table)
    pictures = {name: simulator.load_testdata(name) for name in ("night.jpg", "motion.jpg")}
    marks = (
        (FRONT, 2, 30, 0x26, "night.jpg", False),
        (FRONT, 8, 0, 0x12, "motion.jpg", True),
        (FRONT, 8, 10, 0x12, "motion.jpg", True),
        (FRONT, 17, 45, 0x14, "motion.jpg", True),
        (GARAGE, 7, 40, 0x12, "motion.jpg", True),
        (GARAGE, 18, 5, 0x12, "motion.jpg", False),
        (GARDEN, 12, 0, 0x12, "night.jpg", False),
        (SHOP, 9, 2, 0x29, "motion.jpg", True),
        (SHOP, 11, 30, 0x12, "motion.jpg", True),
        (SHOP, 16, 20, 0x12, "motion.jpg", False),
        (STOCK, 21, 15, 0x12, "night.jpg", False),
    )
    for vuid, hour, minute, code, picture, reviewed in marks:
        at_ms = wall(day, hour, minute)
        alarm_id = alarm_id_for(
            vuid, AlarmType(code), hashlib.sha256(str(at_ms).encode()).hexdigest()
        )
        stored = media.put(media_key(vuid, at_ms, alarm_id, "u1", "jpg"), pictures[picture], JPEG)
        assert store.put_new(
            Alarm(
                alarm_id=alarm_id,
                vuid=vuid,
                alarm_type=AlarmType(code),
                received_at_ms=at_ms,
                picture=stored,
                video=None,
                expires_at=at_ms // 1000 + 30 * 86_400,
                reviewed_at=now if reviewed else None,
            )
        )
    (table,) = [
        name
        for name in dynamodb.list_tables()["TableNames"]
        if name.lower().endswith("statushistorytable")
    ]
    history = StatusHistory(dynamodb, table)
    went = wall(day - timedelta(days=1), 22) // 1000
    for change in (
        StatusChange(GARDEN, "offline", went),
        StatusChange(GARDEN, "online", wall(day, 6, 30) // 1000, offline_since=went),
        StatusChange(STOCK, "offline", wall(day, 13) // 1000),
        StatusChange(
            STOCK, "online", wall(day, 14, 15) // 1000, offline_since=wall(day, 13) // 1000
        ),
    ):
        history.record(change)


def clipped(driver: WebDriver) -> list[str]:
    """Visible text cut off by its box (an ellipsis or hidden overflow), and anything that
    reaches past the screen's right edge."""
    return driver.execute_script(
        """
        const found = [];
        const width = document.documentElement.clientWidth;
        for (const e of document.querySelectorAll('body *')) {
          if (e.closest('[hidden]') || !e.getClientRects().length) continue;
          const style = getComputedStyle(e);
          if (style.visibility === 'hidden' || e.closest('dialog:not([open])')) continue;
          const r = e.getBoundingClientRect();
          // A visually hidden label (1 px, clipped) is read out, not seen.
          if (r.width <= 1 || r.height <= 1) continue;
          if (['IMG', 'VIDEO', 'svg'].includes(e.tagName)) continue;
          const name = `${e.tagName}#${e.id}.${e.className} "${e.textContent.trim().slice(0, 30)}"`;
          if (r.right > width + 0.5) found.push(`${name} past the edge (${Math.round(r.right)})`);
          const cuts = ['hidden', 'clip'].includes(style.overflowX)
            || style.textOverflow === 'ellipsis';
          if (cuts && e.scrollWidth > e.clientWidth + 1 && e.textContent.trim())
            found.push(`${name} cut off (${e.scrollWidth} > ${e.clientWidth})`);
        }
        return found;
        """
    )


def split_badges(driver: WebDriver) -> list[str]:
    """Each tile's "new" badge broken over two lines, or touching the text before it."""
    return driver.execute_script(
        """
        return [...document.querySelectorAll('#alarm-grid .new')].filter((badge) => {
          const before = badge.previousElementSibling.getClientRects();
          const own = badge.getClientRects();
          const last = before[before.length - 1];
          const sameLine = Math.abs(last.top - own[0].top) < 4;
          return own.length !== 1 || (sameLine && own[0].left - last.right < 2);
        }).map((badge) => badge.closest('li').dataset.alarmId);
        """
    )


def looks_right(driver: WebDriver, width: int, touch: bool) -> None:
    assert driver.execute_script("return document.documentElement.scrollWidth") <= width
    assert clipped(driver) == []
    if touch:
        assert small_targets(driver) == []
    assert csp_violations(driver) == []


def ready(driver: WebDriver, base_url: str) -> None:
    driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Paris"})
    sign_in(driver, base_url)
    wait(
        driver,
        lambda d: d.execute_script(
            "return navigator.serviceWorker.controller?.state === 'activated'"
        ),
    )


def go(driver: WebDriver, hash_: str) -> None:
    driver.execute_script("location.hash = arguments[0]; window.scrollTo(0, 0)", hash_)


def alarms_and_alarm(
    driver: WebDriver, name: str, alarm_name: str, width: int, touch: bool
) -> None:
    go(driver, "#/alarms")
    wait(driver, lambda d: len(cards(d)) >= 6)
    wait(driver, lambda d: images_loaded(d, "#alarm-grid img"))
    wait(driver, lambda d: d.find_element(By.ID, "unreviewed-badge").text != "")
    looks_right(driver, width, touch)
    assert split_badges(driver) == []
    screenshot(driver, name)
    cards(driver)[0].find_element(By.TAG_NAME, "a").click()
    wait(driver, lambda d: "Doorbell" in d.find_element(By.ID, "alarm-title").text)
    wait(driver, lambda d: images_loaded(d, "#alarm-picture"))
    wait(driver, lambda d: d.find_element(By.ID, "alarm-video").is_displayed())
    # Its first frame shown and the whole clip loaded: no player's spinner in the picture.
    wait(
        driver,
        lambda d: d.execute_script(
            "const v = document.getElementById('alarm-video');"
            "return v.readyState === 4 && v.networkState !== v.NETWORK_LOADING"
        ),
    )
    looks_right(driver, width, touch)
    screenshot(driver, alarm_name)


def cameras(driver: WebDriver, width: int, touch: bool) -> None:
    go(driver, "#/cameras")
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#camera-rows li")) == 5)
    wait(driver, lambda d: "Snoozed until" in d.find_element(By.ID, "camera-rows").text)
    wait(driver, lambda d: images_loaded(d, "#camera-rows img"))
    wait(driver, lambda d: "1 offline" in d.find_element(By.ID, "camera-counts").text)
    # Every card says its site (the snooze and the notification filters name sites).
    for vuid, _, site in CAMERAS:
        row = driver.find_element(By.CSS_SELECTOR, f'#camera-rows li[data-vuid="{vuid}"]')
        labels = [dt.text for dt in row.find_elements(By.TAG_NAME, "dt")]
        assert labels[:2] == ["Status", "Site"], labels
        assert row.find_elements(By.TAG_NAME, "dd")[1].text == site
    looks_right(driver, width, touch)


def day(driver: WebDriver, date: str, width: int, touch: bool) -> None:
    go(driver, f"#/day/{date}")
    # The last message (it goes after 6 s) would cover the strips in the picture.
    wait(driver, lambda d: d.find_element(By.ID, "status").text == "")
    visible(driver, "day-view")
    wait(
        driver,
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, f'#day-strips[data-loaded="{date}"]')
            and len(d.find_elements(By.CSS_SELECTOR, "#day-strips li.strip")) == 5
        ),
    )
    looks_right(driver, width, touch)


def test_phone(
    phone: WebDriver,
    local: LocalStackProcess,
    scene: dict[str, Any],
    keys: FakeBrowser,  # noqa: F811
) -> None:
    phone.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {"source": STUB % json.dumps(keys.subscription())},
    )
    phone.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": local.base_url, "permissions": ["notifications"]}
    )
    ready(phone, local.base_url)
    alarms_and_alarm(phone, "console-phone-alarms", "console-phone-alarm", 390, True)

    cameras(phone, 390, True)
    screenshot(phone, "console-phone-cameras")
    row = phone.find_element(By.CSS_SELECTOR, f'#camera-rows li[data-vuid="{SHOP}"]')
    row.find_element(By.XPATH, ".//button[text()='Snooze']").click()
    visible(phone, "snooze-dialog")
    looks_right(phone, 390, True)
    screenshot(phone, "console-phone-snooze-choices")
    phone.find_element(By.CSS_SELECTOR, '#snooze-form button[value="cancel"]').click()
    wait(phone, lambda d: not d.find_element(By.ID, "snooze-dialog").is_displayed())
    phone.execute_script(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'start'})",
        f'#camera-rows li[data-vuid="{GARAGE}"]',
    )
    screenshot(phone, "console-phone-snooze")

    # The day before the notify view: registering this device says so for 6 s, and the day's
    # picture waits until no message covers the strips.
    day(phone, scene["yesterday"], 390, True)
    screenshot(phone, "console-phone-day")
    phone.find_element(By.ID, "day-pick").click()
    wait(phone, lambda d: d.find_element(By.CSS_SELECTOR, "#month-grid .has-unreviewed"))
    looks_right(phone, 390, True)
    screenshot(phone, "console-phone-day-month")

    go(phone, "#/notify")
    visible(phone, "notify-submit").click()
    wait(phone, lambda d: "This device is notified" in d.find_element(By.ID, "notify-state").text)
    looks_right(phone, 390, True)
    screenshot(phone, "console-phone-notify")

    # Offline last: the installed app opens to the last alarms it saw.
    go(phone, "#/alarms")
    wait(phone, lambda d: len(cards(d)) >= 6)
    network: dict[str, Any] = {"latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    phone.execute_cdp_cmd("Network.enable", {})
    phone.execute_cdp_cmd("Network.emulateNetworkConditions", {**network, "offline": True})
    try:
        phone.refresh()
        visible(phone, "offline-view")
        wait(phone, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#offline-grid li")) >= 6)
        wait(phone, lambda d: images_loaded(d, "#offline-grid img"))
        screenshot(phone, "console-phone-offline")
    finally:
        phone.execute_cdp_cmd("Network.emulateNetworkConditions", {**network, "offline": False})


def test_desktop(browser: WebDriver, local: LocalStackProcess, scene: dict[str, Any]) -> None:
    browser.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": local.base_url, "permissions": ["notifications"]}
    )
    ready(browser, local.base_url)
    alarms_and_alarm(browser, "console-alarms", "console-alarm", 1280, False)
    cameras(browser, 1280, False)
    screenshot(browser, "console-cameras")
    go(browser, "#/notify")
    wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#notify-devices li"))
    visible(browser, "notify-submit")
    looks_right(browser, 1280, False)
    screenshot(browser, "console-desktop-notify")
    day(browser, scene["yesterday"], 1280, False)
    screenshot(browser, "console-desktop-day")
