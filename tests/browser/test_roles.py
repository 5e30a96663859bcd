"""Roles and sites in a real browser (headless Chromium) against the local stack: a viewer
signs in and sees only their site's cameras and alarms, with no Remove, Push URLs or
Delete control and no Users page; an admin invites a viewer through the Users page."""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.console_users import ConsoleUsers
from vstarcam_push.models.access import VIEWER, Access

from tests.browser.conftest import account_menu, push_alarm, sign_in, visible, wait
from tests.conftest import register_camera
from tests.e2e.localstack import LocalStackProcess

pytestmark = pytest.mark.slow

SMITH, JONES = "VE0000021SMTH", "VE0000022JONS"
VIEWER_PASSWORD = "viewer-test-password"


def sign_out(driver: WebDriver) -> None:
    account_menu(driver, "sign-out")
    visible(driver, "signin-username")


def press(driver: WebDriver, element_id: str) -> None:
    """Click a form's button in the middle of the screen (the status line covers the bottom)."""
    element = driver.find_element(By.ID, element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def shown(driver: WebDriver, text: str) -> list:
    """The displayed buttons (or links styled as buttons) whose label is ``text``."""
    return [
        element
        for element in driver.find_elements(By.XPATH, f"//button[normalize-space()='{text}']")
        if element.is_displayed()
    ]


def test_a_viewer_sees_only_their_site_and_no_admin_control(
    browser: WebDriver, local: LocalStackProcess, registry: CameraRegistry
) -> None:
    """GIVEN cameras of Smith house and Jones shop, an alarm each, and Ann, a viewer of
    Smith house
    WHEN Ann signs in
    THEN she sees Smith house's camera and alarm only; no Edit, Push URLs, Remove,
    Register or Delete control; no Users page (its address shows the alarms); she can
    still mark an alarm reviewed."""
    now = int(time.time())
    for vuid, name, site in (
        (SMITH, "Smith porch", "Smith house"),
        (JONES, "Jones till", "Jones shop"),
    ):
        register_camera(registry._db, registry.table, vuid, name, 180, now)
        registry.set_site(vuid, site)
        push_alarm(local, vuid, 0x12, "motion.jpg", f"{name} alarm")
    pool = local.outputs.raw["ConsoleUserPoolId"]
    cognito = local.client("cognito-idp")
    ConsoleUsers(cognito, pool).add(
        "ann@example.com", Access("ann@example.com", VIEWER, frozenset({"Smith house"}))
    )
    cognito.admin_set_user_password(
        UserPoolId=pool, Username="ann@example.com", Password=VIEWER_PASSWORD, Permanent=True
    )

    sign_in(browser, local.base_url, "ann@example.com", VIEWER_PASSWORD)
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#alarm-grid li")) == 1)
    assert "Smith porch" in browser.find_element(By.ID, "alarm-grid").text
    assert not browser.find_element(By.ID, "nav-users").is_displayed()
    browser.find_element(By.CSS_SELECTOR, "#alarm-grid li input[type=checkbox]").click()
    assert not shown(browser, "Delete")
    assert shown(browser, "Mark reviewed") and shown(browser, "Download")

    browser.find_element(By.ID, "nav-cameras").click()
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#camera-rows li")) == 1)
    rows = browser.find_element(By.ID, "camera-rows").text
    assert "Smith porch" in rows and "Jones" not in rows
    assert "1 camera" in browser.find_element(By.ID, "camera-counts").text
    for label in ("Edit", "Push URLs", "Remove", "Register"):
        assert not shown(browser, label), label
    assert shown(browser, "Snooze")  # any user may snooze the cameras they see
    assert not browser.find_element(By.ID, "camera-add").is_displayed()

    browser.find_element(By.CSS_SELECTOR, "#camera-rows a").click()
    visible(browser, "alarm-picture")
    # The alarm's buttons are shown once its record is read (the picture's frame may be
    # visible before): wait for the download, then the delete is known to stay hidden.
    visible(browser, "download-picture")
    assert not browser.find_element(By.ID, "delete-alarm").is_displayed()

    browser.get(local.base_url + "/#/users")
    visible(browser, "alarms-view")
    assert not browser.find_element(By.ID, "users-view").is_displayed()
    sign_out(browser)


def test_an_admin_invites_a_viewer_of_a_site_through_the_users_page(
    browser: WebDriver, local: LocalStackProcess, registry: CameraRegistry
) -> None:
    """GIVEN the admin signed in
    WHEN they open Users, invite bob@example.com as a viewer of Jones shop, then make him
    a viewer of all sites
    THEN Cognito has him in the viewer and Jones shop groups, then in all-sites; the page
    lists him, and the changes are in the page's audit trail under the admin's name."""
    if registry.get(JONES) is None:
        register_camera(registry._db, registry.table, JONES, "Jones till", 180, int(time.time()))
        registry.set_site(JONES, "Jones shop")
    sign_in(browser, local.base_url)
    visible(browser, "nav-users").click()
    visible(browser, "users-view")
    wait(browser, lambda d: "admin" in d.find_element(By.ID, "user-rows").text)
    browser.find_element(By.ID, "user-email").send_keys("bob@example.com")
    Select(browser.find_element(By.ID, "user-role")).select_by_value("viewer")
    box = wait(
        browser,
        lambda d: d.find_element(By.CSS_SELECTOR, "#user-site-choices input[value='Jones shop']"),
    )
    box.click()
    press(browser, "user-submit")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'tr[data-user="bob@example.com"]'))

    pool = local.outputs.raw["ConsoleUserPoolId"]
    users = ConsoleUsers(local.client("cognito-idp"), pool)
    assert users.groups_of("bob@example.com") == {"viewer", "site:Jones%20shop"}
    bob = browser.find_element(By.CSS_SELECTOR, 'tr[data-user="bob@example.com"]').text
    assert "viewer" in bob and "Jones shop" in bob and "FORCE_CHANGE_PASSWORD" in bob

    row = browser.find_element(By.CSS_SELECTOR, 'tr[data-user="bob@example.com"]')
    row.find_element(By.XPATH, ".//button[text()='Change']").click()
    press(browser, "user-all-sites")
    press(browser, "user-submit")
    wait(
        browser,
        lambda d: (
            "all sites" in d.find_element(By.CSS_SELECTOR, 'tr[data-user="bob@example.com"]').text
        ),
    )
    assert users.groups_of("bob@example.com") == {"viewer", "all-sites"}
    audit = browser.find_element(By.ID, "audit-rows").text.splitlines()
    assert "admin" in audit[0] and "user.changed" in audit[0] and "bob@example.com" in audit[0]
    assert "user.added" in audit[1]
    sign_out(browser)
