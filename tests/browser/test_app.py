"""The console as the alarm app on a phone: headless Chromium in device mode (390x844,
touch) against the local stack.

- it installs: Chromium's own installability check finds nothing missing, and the
  service worker controls the page;
- phone first: the first alarm tile is on the first screen, the filters behind one
  button that says how many are on, every touch target at least 44 px, every value on a
  camera card labelled, a registered camera's URLs shown at once with copy buttons;
- the alarm page: the picture full width, the video right after it, previous and next
  through the filtered list by button, swipe and arrow key;
- the nav badge and the tab title count every unreviewed alarm, whatever the filter; a
  new alarm appears with the page open; alerts stand out and the grid filters by severity;
- offline (no network, or the API unreachable) it opens to the last alarms it saw,
  thumbnails included; signing out forgets them.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select
from vstarcam_push.dal.camera_registry import CameraRegistry

from tests.browser.conftest import (
    account_menu,
    cards,
    click_in_row,
    images_loaded,
    push_alarm,
    sign_in,
    visible,
    wait,
)
from tests.conftest import register_camera
from tests.e2e.localstack import LocalStackProcess

pytestmark = pytest.mark.slow

FRONT_DOOR = "VE0005622QHOW"
GARDEN = "OKB0379853SNLJ"
# Apple's and WCAG 2.5.5's smallest comfortable touch target, in CSS pixels.
TOUCH_PX = 44


@pytest.fixture(scope="module")
def seeded(local: LocalStackProcess, registry: CameraRegistry) -> list[str]:
    """Two cameras, four alarms (the front door's doorbell with a video), oldest first."""
    now = int(time.time())
    register_camera(registry._db, registry.table, FRONT_DOOR, "Front door", 180, now)
    register_camera(registry._db, registry.table, GARDEN, "Garden", 300, now)
    push_alarm(local, FRONT_DOOR, 0x14, "doorbell.jpg", "ring", video=True)
    push_alarm(local, GARDEN, 0x12, "night.jpg", "garden")
    push_alarm(local, FRONT_DOOR, 0x12, "motion.jpg", "walk")
    push_alarm(local, FRONT_DOOR, 0x26, "night.jpg", "smoke")
    return [FRONT_DOOR, GARDEN]


def rect(driver: WebDriver, selector: str) -> dict[str, float]:
    return driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width,"
        " height: r.height, viewport: innerHeight, viewportWidth: innerWidth};",
        selector,
    )


def small_targets(driver: WebDriver) -> list[str]:
    """Every visible control smaller than TOUCH_PX either way (a checkbox counts as the
    label around it, which takes its taps)."""
    return driver.execute_script(
        """
        const targets = document.querySelectorAll(
          'a[href], button, select, input:not([type=checkbox]), summary,' +
          'label:has(> input[type=checkbox])');
        const small = [];
        for (const t of targets) {
          const r = t.getBoundingClientRect();
          if (!r.width || !r.height || t.closest('[hidden]')) continue;
          if (r.width < arguments[0] - 0.5 || r.height < arguments[0] - 0.5) {
            const text = t.textContent.trim().slice(0, 30);
            const name = `${t.tagName} ${t.id || t.className} "${text}"`;
            small.push(`${name} ${Math.round(r.width)}x${Math.round(r.height)}`);
          }
        }
        return small;
        """,
        TOUCH_PX,
    )


def current_alarm(driver: WebDriver) -> str:
    return driver.execute_script("return decodeURIComponent(location.hash.split('/')[2] || '')")


def swipe(driver: WebDriver, selector: str, dx: int) -> None:
    """A one-finger swipe across an element, as the touch screen sends it."""
    box = rect(driver, selector)
    x = box["left"] + box["width"] / 2 - dx / 2
    y = box["top"] + box["height"] / 2
    touch = "Input.dispatchTouchEvent"
    driver.execute_cdp_cmd(touch, {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in (1, 2, 3):
        point = {"x": x + dx * step / 3, "y": y}
        driver.execute_cdp_cmd(touch, {"type": "touchMove", "touchPoints": [point]})
    driver.execute_cdp_cmd(touch, {"type": "touchEnd", "touchPoints": []})


def press(driver: WebDriver, key: str) -> None:
    """A key pressed on the page (whatever has the focus), as a keyboard sends it."""
    ActionChains(driver).send_keys(key).perform()


def caches(driver: WebDriver) -> dict[str, list[str]]:
    """The Cache Storage of the page's origin: each cache's request URLs."""
    return driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        (async () => {
          const found = {};
          for (const name of await caches.keys()) {
            found[name] = (await (await caches.open(name)).keys()).map((r) => r.url);
          }
          return found;
        })().then(done, (error) => done({error: String(error)}));
        """
    )


def test_the_console_installs_as_an_app(
    phone: WebDriver, local: LocalStackProcess, seeded: list[str]
) -> None:
    sign_in(phone, local.base_url)
    wait(
        phone,
        lambda d: d.execute_script(
            "return !!navigator.serviceWorker.controller"
            " && navigator.serviceWorker.controller.state === 'activated'"
        ),
    )
    # Chromium's own verdict: a manifest with a name, 192 and 512 px icons, a start URL and
    # a standalone display, served under the CSP, in a secure context.
    assert phone.execute_cdp_cmd("Page.getInstallabilityErrors", {}) == {"installabilityErrors": []}
    manifest = phone.execute_cdp_cmd("Page.getAppManifest", {})
    assert manifest["errors"] == [] and "/console/" in manifest["url"]
    # The worker keeps this version's app shell, and nothing of the API.
    kept = caches(phone)
    (shell,) = [name for name in kept if name.startswith("shell-")]
    assert f"{local.base_url}/" in kept[shell]
    assert all("/api/" not in url for urls in kept.values() for url in urls)


def test_the_first_alarm_is_on_the_first_screen_with_the_filters_behind_one_button(
    phone: WebDriver, local: LocalStackProcess
) -> None:
    phone.get(f"{local.base_url}/#/alarms")
    wait(phone, lambda d: len(cards(d)) == 4)
    wait(phone, lambda d: images_loaded(d, "#alarm-grid img"))
    first = rect(phone, "#alarm-grid li")
    assert first["top"] > 0 and first["bottom"] <= first["viewport"], first
    wait(phone, lambda d: d.find_element(By.ID, "unreviewed-badge").text == "4")
    assert phone.title == "(4) VStarcam push"
    assert phone.execute_script("return document.documentElement.scrollWidth") <= 390
    assert not phone.find_element(By.ID, "alarm-filter").is_displayed()
    toggle = phone.find_element(By.ID, "filter-toggle")
    assert toggle.text == "Filters"

    toggle.click()
    Select(visible(phone, "filter-camera")).select_by_value(FRONT_DOOR)
    wait(phone, lambda d: len(cards(d)) == 3)
    assert toggle.text == "Filters (1)" and toggle.get_attribute("aria-expanded") == "true"
    # The badge counts the fleet's unreviewed alarms, not the filter's.
    assert phone.find_element(By.ID, "unreviewed-badge").text == "4"
    toggle.click()
    assert not phone.find_element(By.ID, "alarm-filter").is_displayed()


def test_previous_and_next_walk_the_filtered_list(
    phone: WebDriver, local: LocalStackProcess
) -> None:
    """The front door's three alarms, newest first: the smoke alarm, the motion, the
    doorbell (the garden's alarm, filtered out, is never reached)."""
    ids = [card.get_attribute("data-alarm-id") for card in cards(phone)]
    assert len(ids) == 3 and all(i.startswith(FRONT_DOOR) for i in ids)
    cards(phone)[0].find_element(By.TAG_NAME, "a").click()
    wait(phone, lambda d: "Smoke alarm" in d.find_element(By.ID, "alarm-title").text)
    wait(phone, lambda d: d.find_element(By.ID, "alarm-position").text == "1 of 3")
    assert not phone.find_element(By.ID, "alarm-previous").is_enabled()

    phone.find_element(By.ID, "alarm-next").click()
    wait(phone, lambda d: current_alarm(d) == ids[1])
    wait(phone, lambda d: d.find_element(By.ID, "alarm-position").text == "2 of 3")
    wait(phone, lambda d: images_loaded(d, "#alarm-picture"))
    swipe(phone, "#alarm-picture", -220)  # right to left: the next one
    wait(phone, lambda d: current_alarm(d) == ids[2])
    wait(phone, lambda d: "Doorbell button alarm" in d.find_element(By.ID, "alarm-title").text)
    wait(phone, lambda d: not d.find_element(By.ID, "alarm-next").is_enabled())

    # The picture is as wide as the screen and the video follows it at once.
    wait(phone, lambda d: images_loaded(d, "#alarm-picture"))
    wait(phone, lambda d: d.find_element(By.ID, "alarm-video").is_displayed())
    picture, video = rect(phone, "#alarm-picture"), rect(phone, "#alarm-video")
    assert picture["width"] == picture["viewportWidth"] == 390
    assert 0 <= video["top"] - picture["bottom"] <= 8, (picture, video)
    assert picture["top"] < picture["viewport"] / 3

    swipe(phone, "#alarm-picture", 220)  # left to right: the previous one
    wait(phone, lambda d: current_alarm(d) == ids[1])
    wait(phone, lambda d: d.find_element(By.ID, "alarm-position").text == "2 of 3")
    press(phone, Keys.ARROW_LEFT)
    wait(phone, lambda d: current_alarm(d) == ids[0])
    wait(phone, lambda d: d.find_element(By.ID, "alarm-position").text == "1 of 3")
    press(phone, Keys.ARROW_RIGHT)
    wait(phone, lambda d: current_alarm(d) == ids[1])
    phone.find_element(By.ID, "alarm-previous").click()
    wait(phone, lambda d: current_alarm(d) == ids[0])
    # Opening them reviewed the front door's three: the garden's one is left, whatever
    # the filter.
    wait(phone, lambda d: d.find_element(By.ID, "unreviewed-badge").text == "1")
    assert phone.title == "(1) VStarcam push"


def test_every_touch_target_is_at_least_44_px(phone: WebDriver, local: LocalStackProcess) -> None:
    assert small_targets(phone) == []  # the alarm page
    phone.find_element(By.ID, "alarm-back").click()
    wait(phone, lambda d: len(cards(d)) == 3)
    phone.find_element(By.ID, "filter-toggle").click()
    cards(phone)[0].find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
    visible(phone, "review-selected")
    phone.find_element(By.CSS_SELECTOR, "#account summary").click()
    visible(phone, "sign-out")
    assert small_targets(phone) == []  # the grid, its filters, the selection, the menu
    phone.find_element(By.CSS_SELECTOR, "#account summary").click()
    phone.find_element(By.ID, "filter-clear").click()
    wait(phone, lambda d: len(cards(d)) == 4)

    phone.find_element(By.ID, "nav-cameras").click()
    wait(phone, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#camera-rows li")) == 2)
    phone.find_element(By.CSS_SELECTOR, "#camera-add summary").click()
    assert small_targets(phone) == []  # the cards and the registration form


def test_every_value_on_a_camera_card_is_labelled(phone: WebDriver) -> None:
    for card in phone.find_elements(By.CSS_SELECTOR, "#camera-rows li"):
        labels = [dt.text for dt in card.find_elements(By.TAG_NAME, "dt")]
        values = [dd.text for dd in card.find_elements(By.TAG_NAME, "dd")]
        assert labels == ["Status", "Last seen", "Last alarm", "Offline after", "Notifications"]
        assert all(values) and "-" not in values, values
    wait(phone, lambda d: images_loaded(d, "#camera-rows img"))


def test_registering_a_camera_shows_its_urls_at_once_with_copy_buttons(
    phone: WebDriver, local: LocalStackProcess
) -> None:
    permissions = ["clipboardReadWrite", "clipboardSanitizedWrite"]
    phone.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": local.base_url, "permissions": permissions}
    )
    visible(phone, "add-vuid").send_keys("VE0000002TEST")
    phone.find_element(By.ID, "add-name").send_keys("Porch")
    phone.find_element(By.CSS_SELECTOR, "#camera-add-form button[type=submit]").click()
    added = visible(phone, "camera-added")
    assert "Set these in Porch" in added.text
    codes = added.find_elements(By.TAG_NAME, "code")
    urls = [code.text.replace("\n", "") for code in codes]
    assert [url.rsplit("/", 2)[-2] for url in urls] == ["heartbeat", "alarm"]
    key = urls[1].rsplit("/", 1)[1]
    assert urls[0].endswith("/" + key) and len(key) >= 16
    # The key is never cut across two lines: it is one text run, on one line.
    lines = phone.execute_script(
        "const code = arguments[0]; const range = document.createRange();"
        "range.selectNodeContents(code.lastChild); return range.getClientRects().length;",
        codes[1],
    )
    assert lines == 1
    # Whatever the key holds: a base64url key with a "-" (a break opportunity) stays whole.
    assert (
        phone.execute_script(
            "return getComputedStyle(arguments[0].lastChild).whiteSpace;", codes[1]
        )
        == "nowrap"
    )

    added.find_elements(By.TAG_NAME, "button")[1].click()
    wait(phone, lambda d: "Copied" in d.find_element(By.ID, "camera-added").text)
    pasted = phone.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.clipboard.readText().then(done, (e) => done(String(e)));"
    )
    assert pasted == urls[1]
    assert small_targets(phone) == []  # the copy buttons

    # The same list on the camera's card, on demand.
    click_in_row(phone, "VE0000002TEST", "Push URLs")
    listed = wait(phone, lambda d: d.find_element(By.CSS_SELECTOR, "#camera-rows .urls"))
    assert [c.text.replace("\n", "") for c in listed.find_elements(By.TAG_NAME, "code")] == urls


def test_a_new_alarm_appears_and_is_counted_with_the_page_open(
    phone: WebDriver, local: LocalStackProcess
) -> None:
    """The open page asks every 4 s whether the newest unreviewed alarm changed; then the
    grid fetches its first page: a new alarm shows within about 5 s, without a reload."""
    phone.get(f"{local.base_url}/#/alarms")
    wait(phone, lambda d: len(cards(d)) == 4)
    phone.execute_script("window.notReloaded = true")
    push_alarm(local, GARDEN, 0x28, "night.jpg", "baby")
    wait(phone, lambda d: len(cards(d)) == 5, timeout=20)
    assert phone.execute_script("return window.notReloaded") is True
    assert "Baby crying" in cards(phone)[0].text
    wait(phone, lambda d: d.find_element(By.ID, "unreviewed-badge").text == "2")


def test_alerts_stand_out_and_the_grid_filters_by_severity(
    phone: WebDriver, local: LocalStackProcess
) -> None:
    """Smoke, the doorbell and the baby crying are alerts: a red frame, a sign and the
    word (never colour alone); motion is a detection, plain."""
    by_severity: dict[str, list[str]] = {"alert": [], "detection": []}
    for card in cards(phone):
        severity = card.get_attribute("data-severity")
        by_severity[severity].append(card.text)
        marked = "alert" in (card.get_attribute("class") or "").split()
        assert marked == (severity == "alert") == ("Alert" in card.text), card.text
    assert len(by_severity["alert"]) == 3 and len(by_severity["detection"]) == 2
    assert all("Motion" in text for text in by_severity["detection"])

    phone.execute_script("window.scrollTo(0, 0)")
    if not phone.find_element(By.ID, "alarm-filter").is_displayed():
        phone.find_element(By.ID, "filter-toggle").click()
    Select(visible(phone, "filter-severity")).select_by_value("alert")
    wait(phone, lambda d: len(cards(d)) == 3)
    assert all(c.get_attribute("data-severity") == "alert" for c in cards(phone))
    assert phone.find_element(By.ID, "filter-toggle").text == "Filters (1)"
    phone.find_element(By.ID, "filter-clear").click()
    wait(phone, lambda d: len(cards(d)) == 5)


def test_offline_it_opens_to_the_last_alarms_it_saw(
    phone: WebDriver, local: LocalStackProcess
) -> None:
    phone.get(f"{local.base_url}/#/alarms")
    wait(phone, lambda d: len(cards(d)) == 5)
    wait(phone, lambda d: images_loaded(d, "#alarm-grid img"))
    wait(phone, lambda d: len(caches(d).get("pictures", [])) >= 4)

    network: dict[str, Any] = {"latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    phone.execute_cdp_cmd("Network.enable", {})
    phone.execute_cdp_cmd("Network.emulateNetworkConditions", {**network, "offline": True})
    try:
        phone.refresh()
        offline = visible(phone, "offline-view")
        assert "cannot reach its server" in offline.text
        assert "last alarms it saw" in offline.text
        wait(phone, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#offline-grid li")) == 5)
        # The thumbnails come from the worker's copies: the bucket is out of reach too.
        wait(phone, lambda d: images_loaded(d, "#offline-grid img"))
        assert not phone.find_element(By.ID, "bar").is_displayed()
    finally:
        phone.execute_cdp_cmd("Network.emulateNetworkConditions", {**network, "offline": False})
    # Back online, the console goes on where it was.
    wait(phone, lambda d: len(cards(d)) == 5)


def test_an_unreachable_api_shows_the_offline_view(
    phone: WebDriver, local: LocalStackProcess
) -> None:
    phone.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/api/*"]})
    try:
        phone.find_element(By.ID, "nav-cameras").click()
        visible(phone, "offline-view")
    finally:
        phone.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
    phone.find_element(By.ID, "offline-retry").click()
    wait(phone, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#camera-rows li")) == 3)


def test_signing_out_forgets_what_was_kept_for_offline(
    phone: WebDriver, local: LocalStackProcess
) -> None:
    assert {"offline", "pictures"} <= set(caches(phone))
    account_menu(phone, "sign-out")
    visible(phone, "signin-form")
    kept = caches(phone)
    assert "offline" not in kept and "pictures" not in kept
    assert any(name.startswith("shell-") for name in kept)  # the app itself stays


def test_a_tiles_new_chip_never_splits_across_two_lines(
    phone: WebDriver, local: LocalStackProcess, seeded: list[str]
) -> None:
    """GIVEN an unreviewed fire alarm on the phone's grid WHEN its caption narrows, step by
    step, so that the "new" chip has to leave the type's line THEN the chip moves whole to
    the next line: never a sliver of its colour after the type and the word below it (as
    "Fire detection alarm new" showed at 390 px)."""
    push_alarm(local, GARDEN, 0x6D, "night.jpg", "fire")
    phone.get(f"{local.base_url}/#/alarms")
    if (
        phone.find_elements(By.ID, "signin-username")
        and phone.find_element(By.ID, "signin-username").is_displayed()
    ):
        sign_in(phone, local.base_url)
        phone.get(f"{local.base_url}/#/alarms")
    wait(phone, lambda d: d.find_elements(By.CSS_SELECTOR, "#alarm-grid li[data-severity] .new"))
    # At most 60 widths per chip, from the tile's own down to 60 px; CSSOM, which the CSP
    # allows (no style attribute is written into the page).
    split = phone.execute_script(
        """
        const found = [];
        for (const chip of document.querySelectorAll('#alarm-grid .new')) {
          const caption = chip.parentElement;
          const full = caption.getBoundingClientRect().width;
          for (let width = full, step = 0; width >= 60 && step < 60; width -= 4, step++) {
            caption.style.width = `${width}px`;
            if (chip.getClientRects().length !== 1) {
              found.push([chip.previousElementSibling.textContent, width]);
              break;
            }
          }
          caption.style.width = '';
        }
        return found;
        """
    )
    assert split == []


def test_an_alarm_that_no_longer_exists_shows_only_why(
    phone: WebDriver, local: LocalStackProcess, seeded: list[str]
) -> None:
    """GIVEN an alarm just looked at WHEN the page of one that does not exist opens (a
    notification tapped after the alarm was deleted or expired, another site's alarm)
    THEN it says why, with no empty picture frame, and no download or delete button left
    over (the download link was the previous alarm's picture)."""
    phone.get(f"{local.base_url}/#/alarms")
    if phone.find_element(By.ID, "signin-username").is_displayed():
        sign_in(phone, local.base_url)
    # Found and pressed in one go: the grid may be redrawn meanwhile (a stale element).
    wait(phone, lambda d: cards(d)[0].find_element(By.TAG_NAME, "a").click() or True)
    wait(phone, lambda d: d.find_element(By.ID, "download-picture").get_attribute("href"))
    wait(phone, lambda d: images_loaded(d, "#alarm-picture"))

    phone.get(f"{local.base_url}/#/alarms/{FRONT_DOOR}-00000000000000000000")
    wait(phone, lambda d: "does not exist" in d.find_element(By.ID, "alarm-view-message").text)
    for element in ("alarm-picture", "download-picture", "delete-alarm"):
        assert not phone.find_element(By.ID, element).is_displayed(), element
    assert not phone.find_element(By.ID, "download-picture").get_attribute("href")
