"""The day view in headless Chromium against the local stack, at 390x844 (touch) and
1280x800, on the viewer's wall clock (Europe/Paris, set through DevTools):

- one strip per camera, its alarms as marks: an alert a different shape with a "!" and a
  different colour, marks closer than a finger's width one target that lists them;
- offline periods as hatched gaps, the one that began the day before from the strip's
  start and the one still going to its end;
- tapping a mark opens that alarm; the month marks the days with unreviewed alarms;
- every target 44 px at least, the strips as wide as the screen, no CSP violation.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.media import MediaStore
from vstarcam_push.dal.status_history import StatusHistory
from vstarcam_push.models.alarm import Alarm, alarm_id_for
from vstarcam_push.models.alarm_types import AlarmType
from vstarcam_push.models.media import JPEG, media_key
from vstarcam_push.models.status_history import StatusChange
from vstarcam_tools.camera import simulator

from tests.browser.conftest import sign_in, visible, wait
from tests.browser.test_app import small_targets
from tests.conftest import register_camera
from tests.e2e.localstack import LocalStackProcess

pytestmark = pytest.mark.slow

FRONT, GARAGE, GARDEN = "VE0000011FRNT", "VE0000013GRGE", "VE0000012GRDN"
ZONE = ZoneInfo("Europe/Paris")


def wall(day: date, hour: int, minute: int = 0) -> int:
    """Epoch ms of a Paris wall-clock time."""
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).timestamp() * 1000)


def set_status(registry: CameraRegistry, vuid: str, status: str, since: int | None = None) -> None:
    """The camera item's status as the heartbeat or the sweep leaves it (from no status:
    no change for the stream, so nothing is recorded twice)."""
    values = {":status": {"S": status}}
    update = "SET #status = :status"
    if since is not None:
        update += ", offlineSince = :since"
        values[":since"] = {"N": str(since)}
    registry._db.update_item(
        TableName=registry.table,
        Key={"vuid": {"S": vuid}},
        UpdateExpression=update,
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues=values,
    )


@pytest.fixture(scope="module")
def seeded(local: LocalStackProcess, registry: CameraRegistry) -> dict:
    """Yesterday in Paris: the front door's smoke alarm at 02:30, three motion alarms at
    08:00-08:20, a reviewed doorbell at 17:45, an outage 13:00-14:15; the garden offline
    from 22:00 the day before to 06:30 and again from 19:00, still; the garage quiet."""
    day = datetime.now(ZONE).date() - timedelta(days=1)
    now = int(datetime.now(ZONE).timestamp())
    for vuid, name in ((FRONT, "Front door"), (GARAGE, "Garage"), (GARDEN, "Garden")):
        register_camera(registry._db, registry.table, vuid, name, 180, now - 5 * 86_400)
    set_status(registry, FRONT, "online")
    set_status(registry, GARAGE, "online")
    set_status(registry, GARDEN, "offline", wall(day, 19) // 1000)

    dynamodb, s3 = local.client("dynamodb"), local.client("s3")
    media = MediaStore(s3, local.outputs.media_bucket)
    store = AlarmStore(dynamodb, local.outputs.alarms_table)
    picture = simulator.load_testdata("night.jpg")

    def alarm(vuid: str, at_ms: int, code: int = 0x12, reviewed: bool = False) -> str:
        kind = AlarmType(code)
        alarm_id = alarm_id_for(vuid, kind, hashlib.sha256(str(at_ms).encode()).hexdigest())
        stored = media.put(media_key(vuid, at_ms, alarm_id, "u1", "jpg"), picture, JPEG)
        assert store.put_new(
            Alarm(
                alarm_id=alarm_id,
                vuid=vuid,
                alarm_type=kind,
                received_at_ms=at_ms,
                picture=stored,
                video=None,
                expires_at=at_ms // 1000 + 30 * 86_400,
                reviewed_at=now if reviewed else None,
            )
        )
        return alarm_id

    alarms = {
        "smoke": alarm(FRONT, wall(day, 2, 30), 0x26),
        "m1": alarm(FRONT, wall(day, 8, 0)),
        "m2": alarm(FRONT, wall(day, 8, 10)),
        "m3": alarm(FRONT, wall(day, 8, 20)),
        "bell": alarm(FRONT, wall(day, 17, 45), 0x14, reviewed=True),
        "garden": alarm(GARDEN, wall(day, 12, 0)),
    }
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
        StatusChange(GARDEN, "offline", wall(day, 19) // 1000),
        StatusChange(FRONT, "offline", wall(day, 13) // 1000),
        StatusChange(
            FRONT, "online", wall(day, 14, 15) // 1000, offline_since=wall(day, 13) // 1000
        ),
    ):
        history.record(change)
    return {"day": day.isoformat(), "alarms": alarms}


def open_day(driver: WebDriver, local: LocalStackProcess, day: str) -> None:
    driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Paris"})
    if not driver.execute_script(
        "return !!document.getElementById('bar') && !document.getElementById('bar').hidden"
    ):
        sign_in(driver, local.base_url)
    driver.execute_script("location.hash = arguments[0]", f"#/day/{day}")
    visible(driver, "day-view")
    drawn(driver, day)


def drawn(driver: WebDriver, day: str) -> None:
    """Wait until the strips are drawn from that day's answer."""
    selector = f'#day-strips[data-loaded="{day}"]'
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, selector) and len(strips(d)) == 3)


def strips(driver: WebDriver) -> list:
    return driver.find_elements(By.CSS_SELECTOR, "#day-strips li.strip")


def marks(driver: WebDriver, vuid: str) -> list:
    return driver.find_elements(By.CSS_SELECTOR, f'#day-strips li[data-vuid="{vuid}"] .mark')


def gaps(driver: WebDriver, vuid: str) -> list[dict]:
    """Each offline gap's edges as a share of its track's width, and its classes."""
    return driver.execute_script(
        """
        const track = document.querySelector(`#day-strips li[data-vuid="${arguments[0]}"] .track`);
        const box = track.getBoundingClientRect();
        return [...track.querySelectorAll('.gap')].map((gap) => {
          const r = gap.getBoundingClientRect();
          return {left: (r.left - box.left) / box.width, right: (r.right - box.left) / box.width,
                  classes: gap.className, text: gap.textContent, hatched:
                  getComputedStyle(gap).backgroundImage.includes('repeating-linear-gradient')};
        });
        """,
        vuid,
    )


def shape_styles(driver: WebDriver, selector: str) -> dict:
    return driver.execute_script(
        """
        const shape = document.querySelector(arguments[0]);
        const own = getComputedStyle(shape), before = getComputedStyle(shape, '::before');
        return {radius: own.borderRadius, colour: own.backgroundColor,
                sign: getComputedStyle(shape, '::after').content,
                diamond: before.transform, diamondColour: before.backgroundColor};
        """,
        selector,
    )


def csp_violations(driver: WebDriver) -> list[str]:
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]
    ]


def check_day(driver: WebDriver, seeded: dict, width: int) -> None:
    """What both sizes show of the seeded day."""
    alarms = seeded["alarms"]
    assert [s.get_attribute("data-vuid") for s in strips(driver)] == [FRONT, GARAGE, GARDEN]
    # The smoke alarm: its own mark, an alert by class, label, shape and sign.
    (smoke,) = [
        m for m in marks(driver, FRONT) if m.get_attribute("data-alarm-id") == alarms["smoke"]
    ]
    assert "alert" in smoke.get_attribute("class").split()
    assert smoke.get_attribute("aria-label").startswith("Smoke alarm, alert, 02:30")
    alert = shape_styles(driver, f'[data-alarm-id="{alarms["smoke"]}"] .mark-shape')
    detection = shape_styles(driver, f'[data-vuid="{GARDEN}"] .mark .mark-shape')
    assert alert["sign"] == '"!"' and detection["sign"] in ("none", "normal")
    assert alert["diamond"] != "none" and detection["radius"] == "50%"
    assert alert["diamondColour"] != detection["colour"]
    # The three motion alarms within 20 minutes: one target that says how many.
    (group,) = [m for m in marks(driver, FRONT) if m.get_attribute("data-count") == "3"]
    assert group.tag_name == "button" and "3 alarms" in group.get_attribute("aria-label")
    # The garden's outages: from the strip's start to 06:30, and from 19:00 to its end.
    first, second = gaps(driver, GARDEN)
    assert first["left"] == pytest.approx(0, abs=0.002) and "before" in first["classes"]
    assert first["right"] == pytest.approx(6.5 / 24, abs=0.01)
    assert second["left"] == pytest.approx(19 / 24, abs=0.01) and "continues" in second["classes"]
    assert second["right"] == pytest.approx(1, abs=0.002)
    assert first["hatched"] and second["hatched"]
    assert first["text"].startswith("Offline since") and "to 06:30" in first["text"]
    (outage,) = gaps(driver, FRONT)
    assert (outage["left"], outage["right"]) == (
        pytest.approx(13 / 24, abs=0.01),
        pytest.approx(14.25 / 24, abs=0.01),
    )
    assert gaps(driver, GARAGE) == []
    # Strips as wide as the screen, nothing sideways, every target a finger's size.
    assert driver.execute_script("return document.documentElement.scrollWidth") <= width
    assert small_targets(driver) == []
    assert csp_violations(driver) == []


def test_the_phone_shows_a_strip_per_camera_with_marks_and_gaps(
    phone: WebDriver, local: LocalStackProcess, seeded: dict
) -> None:
    open_day(phone, local, seeded["day"])
    check_day(phone, seeded, 390)
    assert phone.find_element(By.ID, "nav-day").get_attribute("aria-current") == "page"


def test_the_month_marks_the_days_with_unreviewed_alarms(
    phone: WebDriver, local: LocalStackProcess, seeded: dict
) -> None:
    """Yesterday's four unreviewed alarms (the doorbell is reviewed) mark its day; a day
    without any is plain; choosing a day opens it; previous and next step a day."""
    open_day(phone, local, seeded["day"])
    phone.find_element(By.ID, "day-pick").click()
    day = seeded["day"]
    marked = wait(
        phone,
        lambda d: d.find_element(
            By.CSS_SELECTOR, f'#month-grid button[data-date="{day}"].has-unreviewed'
        ),
    )
    assert marked.get_attribute("aria-label").endswith(": 5 unreviewed alarms")
    assert marked.find_element(By.CSS_SELECTOR, ".unreviewed-count").text == "5"
    earlier = (date.fromisoformat(day) - timedelta(days=3)).isoformat()
    buttons = phone.find_elements(By.CSS_SELECTOR, f'#month-grid button[data-date="{earlier}"]')
    if buttons:  # in the same six weeks
        assert "has-unreviewed" not in buttons[0].get_attribute("class")
        buttons[0].click()
        wait(phone, lambda d: d.execute_script("return location.hash") == f"#/day/{earlier}")
        assert not phone.find_element(By.ID, "day-month").is_displayed()
    assert small_targets(phone) == []
    phone.execute_script("location.hash = arguments[0]", f"#/day/{day}")
    drawn(phone, day)
    phone.find_element(By.ID, "day-previous").click()
    before = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
    wait(phone, lambda d: d.execute_script("return location.hash") == f"#/day/{before}")
    phone.find_element(By.ID, "day-next").click()
    wait(phone, lambda d: d.execute_script("return location.hash") == f"#/day/{day}")


def test_tapping_a_group_lists_its_alarms_and_a_mark_opens_its_alarm(
    phone: WebDriver, local: LocalStackProcess, seeded: dict
) -> None:
    alarms = seeded["alarms"]
    open_day(phone, local, seeded["day"])
    (group,) = [m for m in marks(phone, FRONT) if m.get_attribute("data-count") == "3"]
    group.click()
    visible(phone, "day-cluster")
    listed = phone.find_elements(By.CSS_SELECTOR, "#day-cluster-list a")
    assert [a.get_attribute("data-alarm-id") for a in listed] == [
        alarms[n] for n in ("m1", "m2", "m3")
    ]
    listed[1].click()
    wait(phone, lambda d: d.execute_script("return location.hash") == f"#/alarms/{alarms['m2']}")
    wait(phone, lambda d: "Motion detection alarm" in d.find_element(By.ID, "alarm-title").text)
    assert not phone.find_element(By.ID, "day-cluster").is_displayed()

    phone.back()
    drawn(phone, seeded["day"])
    (smoke,) = [
        m for m in marks(phone, FRONT) if m.get_attribute("data-alarm-id") == alarms["smoke"]
    ]
    smoke.click()
    wait(phone, lambda d: "Smoke alarm" in d.find_element(By.ID, "alarm-title").text)


def test_the_desktop_shows_the_same_day_and_is_reached_from_the_alarms(
    browser: WebDriver, local: LocalStackProcess, seeded: dict
) -> None:
    open_day(browser, local, seeded["day"])
    check_day(browser, seeded, 1280)
    browser.execute_script("location.hash = '#/alarms'")
    visible(browser, "alarms-day-link").click()
    wait(browser, lambda d: d.find_element(By.ID, "day-view").is_displayed())
    wait(browser, lambda d: d.find_element(By.ID, "day-title").text == "Today")
