"""Snooze from a camera card on a phone: headless Chromium in device mode (390x844, touch)
against the local stack, which runs the same notifier.

- the Snooze control opens the choices (1 hour, 8 hours, tomorrow 07:00, until turned back
  on; the whole site), every touch target at least 44 px;
- the card then says until when and whose snooze it is ("Snoozed until 21:40 (site
  Garden)"); "Turn back on" clears it;
- a snoozed camera's alarm is stored and in the grid, and the local stack notifies nobody
  of it, while an alarm of a camera not snoozed is notified.
"""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.models.snooze import snooze_until

from tests.browser.conftest import click_in_row, push_alarm, sign_in, visible, wait
from tests.browser.test_app import small_targets
from tests.conftest import register_camera
from tests.e2e.localstack import LocalStackProcess, SnsInbox

pytestmark = pytest.mark.slow

GATE, SHED, PORCH = "VE0000021GATE", "VE0000022SHED", "VE0000023PRCH"


def notifications(driver: WebDriver, vuid: str) -> str:
    """The "Notifications" value on the camera's card."""
    row = driver.find_element(By.CSS_SELECTOR, f'#camera-rows li[data-vuid="{vuid}"]')
    return row.find_element(By.CSS_SELECTOR, ".snooze-state").text


def test_snooze_from_the_card_and_the_card_shows_until_when(
    phone: WebDriver, local: LocalStackProcess, registry: CameraRegistry
) -> None:
    now = int(time.time())
    for vuid, name in ((GATE, "Gate"), (SHED, "Shed"), (PORCH, "Porch")):
        register_camera(registry._db, registry.table, vuid, name, 180, now)
    registry.set_site(GATE, "Garden")
    registry.set_site(SHED, "Garden")
    inbox = SnsInbox(local, "snooze-inbox")

    sign_in(phone, local.base_url)
    phone.get(local.base_url + "/#/cameras")
    wait(phone, lambda d: notifications(d, GATE) == "On")

    # The whole site, 8 hours: both of its cards say so, the third camera is untouched.
    click_in_row(phone, GATE, "Snooze")
    visible(phone, "snooze-dialog")
    assert phone.find_element(By.ID, "snooze-site-name").text == "Garden"
    assert small_targets(phone) == []
    phone.find_element(By.ID, "snooze-whole-site").click()
    phone.find_element(By.CSS_SELECTOR, '#snooze-form button[value="8h"]').click()
    wait(phone, lambda d: notifications(d, SHED).endswith("(site Garden)"))
    assert notifications(phone, GATE).startswith("Snoozed until ")
    assert notifications(phone, GATE).endswith("(site Garden)")
    assert notifications(phone, PORCH) == "On"
    site_until = registry.get(SHED).site_snoozed_until  # type: ignore[union-attr]
    assert site_until is not None and now + 8 * 3600 <= site_until <= int(time.time()) + 8 * 3600

    # The gate back on, then its own snooze until tomorrow morning on the phone's clock.
    click_in_row(phone, GATE, "Turn back on")
    wait(phone, lambda d: notifications(d, GATE) == "On")
    assert notifications(phone, SHED).endswith("(site Garden)")
    click_in_row(phone, GATE, "Snooze")
    visible(phone, "snooze-dialog")
    started = int(time.time())
    phone.find_element(By.CSS_SELECTOR, '#snooze-form button[value="morning"]').click()
    wait(phone, lambda d: "07:00" in notifications(d, GATE))
    assert "(site" not in notifications(phone, GATE)
    zone = phone.execute_script("return Intl.DateTimeFormat().resolvedOptions().timeZone")
    mornings = {snooze_until("morning", t, zone) for t in range(started, int(time.time()) + 1)}
    assert registry.get(GATE).snoozed_until in mornings  # type: ignore[union-attr]
    assert phone.find_element(By.ID, "camera-message").text.startswith("Snoozed Gate until ")
    assert small_targets(phone) == []
    # The gate's own snooze and, under it, the shed's site snooze, on one screen.
    phone.execute_script(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'start'})",
        f'#camera-rows li[data-vuid="{GATE}"]',
    )

    # The snoozed gate's alarm is stored and in the grid, and notifies nobody; the porch's is
    # notified (waited for first, so the gate's had its turn through the same notifier).
    push_alarm(local, GATE, 0x12, "motion.jpg", "snoozed gate")
    push_alarm(local, PORCH, 0x12, "motion.jpg", "porch")
    inbox.wait_for(PORCH, "alarm")
    phone.get(local.base_url + "/#/alarms")
    wait(
        phone,
        lambda d: any(
            "Gate" in tile.text for tile in d.find_elements(By.CSS_SELECTOR, "#alarm-grid li")
        ),
    )
    assert inbox.of(GATE) == []
