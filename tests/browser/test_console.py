"""The web console in a real browser (headless Chromium) against the local stack: sign in,
see a camera, an alarm pushed by the simulator appears with its thumbnail, filter, open it
(picture loads, video plays), delete it, select several, sign out; the first sign-in's
new-password challenge; a refused token sends the page back to sign-in."""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.camera_registry import CameraRegistry

from tests.browser.conftest import (
    PASSWORD,
    account_menu,
    cards,
    click_in_row,
    first_sign_in,
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
# The console asks every 4 s whether the newest unreviewed alarm changed, then fetches the
# grid's first page: a new alarm shows within about 5 s. The wait is generous for this
# shared machine; the interval is what the design promises (unreviewed.js).
NEW_ALARM_WAIT_S = 20


def test_sign_in_shows_the_registered_cameras(
    browser: WebDriver, local: LocalStackProcess, registry: CameraRegistry
) -> None:
    now = int(time.time())
    register_camera(registry._db, registry.table, FRONT_DOOR, "Front door", 180, now)
    register_camera(registry._db, registry.table, GARDEN, "Garden", 300, now)
    # An alarm is a sign of life: the garden camera is online, the front door never seen.
    push_alarm(local, GARDEN, 0x12, "night.jpg", "garden first")

    sign_in(browser, local.base_url)
    # Tokens are in sessionStorage, never localStorage or cookies.
    assert browser.execute_script("return window.localStorage.length") == 0
    assert browser.get_cookies() == []
    assert browser.execute_script("return sessionStorage.length") == 1

    browser.find_element(By.ID, "nav-cameras").click()
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#camera-rows li")) == 2)
    text = browser.find_element(By.ID, "camera-rows").text
    assert "Front door" in text and FRONT_DOOR in text and "offline (never seen)" in text
    assert "Garden" in text and "online" in text and "Motion detection alarm" in text
    assert "2 cameras: 1 online, 1 offline" in browser.find_element(By.ID, "camera-counts").text
    wait(browser, lambda d: images_loaded(d, "#camera-rows img"))

    Select(browser.find_element(By.ID, "camera-status")).select_by_value("online")
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#camera-rows li")) == 1)
    assert "Garden" in browser.find_element(By.ID, "camera-rows").text
    Select(browser.find_element(By.ID, "camera-status")).select_by_value("")


def test_register_rename_show_urls_and_remove_a_camera(
    browser: WebDriver, local: LocalStackProcess, registry: CameraRegistry
) -> None:
    browser.find_element(By.ID, "nav-cameras").click()
    browser.find_element(By.CSS_SELECTOR, "#camera-add summary").click()
    visible(browser, "add-vuid").send_keys("ve0000001test")
    browser.find_element(By.ID, "add-name").send_keys("Shed")
    browser.find_element(By.CSS_SELECTOR, "#camera-add-form button").click()
    wait(
        browser,
        lambda d: (
            "added camera Shed (VE0000001TEST)" in d.find_element(By.ID, "camera-message").text
        ),
    )
    assert registry.get("VE0000001TEST").name == "Shed"

    click_in_row(browser, "VE0000001TEST", "Push URLs")
    urls = wait(
        browser,
        lambda d: d.find_element(By.CSS_SELECTOR, '[data-vuid="VE0000001TEST"] .urls'),
    )
    assert local.heartbeat_url.rsplit("/", 1)[0] in urls.text

    click_in_row(browser, "VE0000001TEST", "Edit")
    name = visible(browser, "edit-name")
    name.clear()
    name.send_keys("Tool shed")
    offline = browser.find_element(By.ID, "edit-offline")
    offline.clear()
    offline.send_keys("600")
    browser.find_element(By.CSS_SELECTOR, "#camera-edit-form button[value=save]").click()
    wait(
        browser,
        lambda d: (
            "updated camera Tool shed (VE0000001TEST)"
            in d.find_element(By.ID, "camera-message").text
        ),
    )
    camera = registry.get("VE0000001TEST")
    assert (camera.name, camera.offline_after) == ("Tool shed", 600)

    click_in_row(browser, "VE0000001TEST", "Remove")
    browser.switch_to.alert.accept()
    wait(
        browser,
        lambda d: d.find_element(By.ID, "camera-message").text == "removed camera VE0000001TEST",
    )
    assert registry.get("VE0000001TEST") is None


def test_a_pushed_alarm_appears_with_its_thumbnail_without_a_reload(
    browser: WebDriver, local: LocalStackProcess
) -> None:
    browser.find_element(By.ID, "nav-alarms").click()
    wait(browser, lambda d: len(cards(d)) == 1)
    browser.execute_script("window.notReloaded = true")

    push_alarm(local, FRONT_DOOR, 0x14, "doorbell.jpg", "front door ring", video=True)
    push_alarm(local, FRONT_DOOR, 0x12, "motion.jpg", "front door motion")

    wait(browser, lambda d: len(cards(d)) == 3, timeout=NEW_ALARM_WAIT_S)
    assert browser.execute_script("return window.notReloaded") is True
    wait(browser, lambda d: images_loaded(d, "#alarm-grid img"))
    newest = cards(browser)[0].text
    assert "Front door" in newest and "Motion detection alarm" in newest
    assert "3 unreviewed of 3 shown" in browser.find_element(By.ID, "unreviewed-count").text


def test_filter_by_camera_and_alarm_type(browser: WebDriver) -> None:
    wait(browser, lambda d: len(Select(d.find_element(By.ID, "filter-camera")).options) == 3)
    Select(browser.find_element(By.ID, "filter-camera")).select_by_value(GARDEN)
    wait(browser, lambda d: len(cards(d)) == 1 and "Garden" in cards(d)[0].text)

    Select(browser.find_element(By.ID, "filter-camera")).select_by_value("")
    Select(browser.find_element(By.ID, "filter-type")).select_by_value("0x14")
    wait(browser, lambda d: len(cards(d)) == 1 and "Doorbell button alarm" in cards(d)[0].text)

    Select(browser.find_element(By.ID, "filter-type")).select_by_value("")
    wait(browser, lambda d: len(cards(d)) == 3)


def test_open_an_alarm_the_picture_loads_and_the_video_plays(
    browser: WebDriver, local: LocalStackProcess
) -> None:
    doorbell = next(c for c in cards(browser) if "Doorbell" in c.text)
    doorbell.find_element(By.TAG_NAME, "a").click()
    wait(browser, lambda d: "Doorbell button alarm" in d.find_element(By.ID, "alarm-title").text)
    # The camera is named once, in the title; the line under it has its vuid and the type.
    assert browser.find_element(By.ID, "alarm-title").text.endswith(", Front door")
    meta = browser.find_element(By.ID, "alarm-meta").text
    assert meta.endswith(f" · {FRONT_DOOR} · 0x14") and "Front door" not in meta, meta
    wait(browser, lambda d: images_loaded(d, "#alarm-picture"))
    # HAVE_FUTURE_DATA (3) or more: the browser can play it.
    wait(
        browser,
        lambda d: d.execute_script("return document.getElementById('alarm-video').readyState") >= 3,
    )
    assert browser.execute_script("return document.getElementById('alarm-video').error") is None
    source = browser.execute_script("return document.getElementById('alarm-video').currentSrc")
    assert source.startswith(local.endpoint) and "X-Amz-Expires=300" in source
    assert browser.find_element(By.ID, "download-video").is_displayed()
    assert "attachment" in browser.find_element(By.ID, "download-picture").get_attribute("href")

    # Opening it marked it reviewed.
    browser.find_element(By.ID, "alarm-back").click()
    wait(
        browser,
        lambda d: "2 unreviewed of 3 shown" in d.find_element(By.ID, "unreviewed-count").text,
    )


def test_delete_an_alarm_removes_its_media_and_record(
    browser: WebDriver, local: LocalStackProcess
) -> None:
    alarms = AlarmStore(local.client("dynamodb"), local.outputs.alarms_table)
    (doorbell,) = [a for a in alarms.for_camera(FRONT_DOOR, 10) if a.alarm_type.code == 0x14]
    s3 = local.client("s3")
    keys = [doorbell.picture.key, doorbell.video.key]

    browser.get(f"{local.base_url}/#/alarms/{doorbell.alarm_id}")
    wait(browser, lambda d: "Doorbell" in d.find_element(By.ID, "alarm-title").text)
    browser.find_element(By.ID, "delete-alarm").click()
    browser.switch_to.alert.accept()
    wait(browser, lambda d: len(cards(d)) == 2)
    assert alarms.get(doorbell.alarm_id) is None
    listed = s3.list_objects_v2(Bucket=local.outputs.media_bucket, Prefix=f"alarms/{FRONT_DOOR}/")
    assert not set(keys) & {o["Key"] for o in listed.get("Contents", [])}


def test_select_several_to_mark_reviewed_and_delete(
    browser: WebDriver, local: LocalStackProcess
) -> None:
    wait(browser, lambda d: len(cards(d)) == 2)
    browser.find_element(By.ID, "select-all").click()
    assert browser.find_element(By.ID, "selected-count").text == "2 selected"
    browser.find_element(By.ID, "review-selected").click()
    wait(
        browser,
        lambda d: "0 unreviewed of 2 shown" in d.find_element(By.ID, "unreviewed-count").text,
    )
    assert not browser.find_elements(By.CSS_SELECTOR, "#alarm-grid li.unreviewed")

    cards(browser)[0].find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
    browser.find_element(By.ID, "delete-selected").click()
    browser.switch_to.alert.accept()
    wait(browser, lambda d: len(cards(d)) == 1)
    alarms = AlarmStore(local.client("dynamodb"), local.outputs.alarms_table)
    assert len(alarms.for_camera(FRONT_DOOR, 10)) + len(alarms.for_camera(GARDEN, 10)) == 1


def test_a_refused_token_sends_the_page_back_to_sign_in(
    browser: WebDriver, local: LocalStackProcess
) -> None:
    # The spoilt token and the click in one script: the page's 4 s poll for new alarms can
    # otherwise meet the token first and hide the bar under the click (seen once in CI).
    browser.execute_script(
        "const t = JSON.parse(sessionStorage.getItem('vstarcam-push.tokens'));"
        "t.access = t.access.slice(0, -4) + 'AAAA';"
        "sessionStorage.setItem('vstarcam-push.tokens', JSON.stringify(t));"
        "document.getElementById('nav-cameras').click();"
    )
    visible(browser, "signin-form")
    assert "sign in again" in browser.find_element(By.ID, "status").text
    sign_in(browser, local.base_url)


def test_the_password_reached_no_function_and_no_log(local: LocalStackProcess) -> None:
    for log in local.log_dir.iterdir():  # type: ignore[attr-defined]
        assert PASSWORD not in log.read_text(errors="replace"), log.name
    # The start message shows it once, as it must; the request log lines never do.
    assert local.console().count(PASSWORD) == 1


def test_sign_out_forgets_the_session(browser: WebDriver, local: LocalStackProcess) -> None:
    account_menu(browser, "sign-out")
    visible(browser, "signin-form")
    assert browser.execute_script("return sessionStorage.length") == 0
    browser.get(local.base_url + "/#/cameras")
    visible(browser, "signin-form")
    assert not browser.find_element(By.ID, "bar").is_displayed()


def test_first_sign_in_asks_for_a_new_password(
    browser: WebDriver, local: LocalStackProcess
) -> None:
    cognito, pool = first_sign_in(
        browser, local, "owner@example.com", "temporary-password-1", "my-own-long-password"
    )
    visible(browser, "bar")
    assert browser.find_element(By.ID, "who").text == "owner@example.com"
    user = cognito.admin_get_user(UserPoolId=pool, Username="owner@example.com")
    assert user["UserStatus"] == "CONFIRMED"
