"""Browser tests: Debian's headless Chromium, driven by Selenium, against the local stack.

The stack is ``vstarcam-push local`` as ``make run`` starts it (free ports, a
known console password); the browser signs in as ``admin`` exactly as a person
would. Chromium and its driver are system packages (``chromium``,
``chromium-driver``): ``.ci/run`` installs them. Without them these tests fail,
they do not skip.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as expected
from selenium.webdriver.support.ui import WebDriverWait
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.models.push_keys import keyed_url
from vstarcam_tools.camera import simulator

from tests.conftest import PUSH_KEY
from tests.e2e.localstack import LocalStackProcess, StartState, start_local_stack

PASSWORD = "browser-test-password"
WAIT_S = 20.0
# Screenshots (test_screenshots.py takes them all) land in a scratch folder unless
# `make screenshots` asks for docs/: a test run must not rewrite the committed pictures
# (every run's pixels differ a little).
# Under xdist each worker has its own scratch folder (PYTEST_XDIST_WORKER: gw0, gw1...).
SCREENSHOTS = Path(
    os.environ.get("VSTARCAM_SCREENSHOTS_DIR")
    or Path(tempfile.gettempdir())
    / "-".join(filter(None, ("vstarcam-screenshots", os.environ.get("PYTEST_XDIST_WORKER"))))
)


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        f"{names[0]} is not installed: the browser tests need Debian's chromium and "
        "chromium-driver (apt-get install chromium chromium-driver; .ci/run does it)"
    )


# The scheduled functions (the offline sweep, every 60 s by the template) never run on the
# shared stack: a module's own stack never ran them either (the first run is one period after
# the start, and no module took a minute), and a sweep in the middle of a module would mark
# its cameras offline at a moment no test chose.
SHARED_SCHEDULE_RATE_S = 86_400


class _SharedStack:
    """One local stack for the browser modules a worker runs one after the other (starting one
    took 3-5 s, and each function's first request another Python process with its imports):
    started by the first module that asks for it, taken back to its start state for each
    next one, stopped once the next test is not a browser test (an idle stack takes about a
    tenth of a core; tests/conftest.py hands the browser modules out first, so a worker
    starts it once)."""

    def __init__(self) -> None:
        self.stack: LocalStackProcess | None = None
        self.start: StartState | None = None

    def get(self, tmp_path_factory: pytest.TempPathFactory) -> LocalStackProcess:
        if self.stack is not None and self.start is not None and self.stack.process.poll() is None:
            self.start.restore(self.stack, PASSWORD)
            return self.stack
        self.stop()
        log_dir = tmp_path_factory.mktemp("local-stack-logs")
        stack = start_local_stack(
            schedule_rate=SHARED_SCHEDULE_RATE_S,
            extra_args=["--console-password", PASSWORD],
            log_dir=log_dir,
        )
        stack.log_dir = log_dir  # type: ignore[attr-defined]
        self.stack = stack
        self.start = StartState.of(stack)
        return stack

    def stop(self) -> None:
        stack, self.stack, self.start = self.stack, None, None
        if stack is not None:
            stack.stop()


_SHARED = _SharedStack()


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> LocalStackProcess:
    """The worker's shared local stack, as it was when it started: no camera, alarm, object,
    destination or console user but ``admin`` (password ``PASSWORD``), whatever the modules
    before this one did. A module that needs other options (test_mfa.py) or a stack nothing
    else has touched (test_local_emulator_guard.py) defines its own ``local``."""
    return _SHARED.get(tmp_path_factory)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After the last browser test before another folder's (or none): the shared stack goes."""
    if nextitem is None or Path(nextitem.path).parent != Path(__file__).parent:
        _SHARED.stop()


def pytest_sessionfinish(session: pytest.Session) -> None:
    _SHARED.stop()


def own_local_stack(
    tmp_path_factory: pytest.TempPathFactory, **options: Any
) -> Iterator[LocalStackProcess]:
    """A module's own local stack (for its ``local`` fixture), stopped after the module."""
    log_dir = tmp_path_factory.mktemp("local-stack-logs")
    stack = start_local_stack(log_dir=log_dir, **options)
    stack.log_dir = log_dir  # type: ignore[attr-defined]
    try:
        yield stack
    finally:
        stack.stop()


def _chromium(*arguments: str, phone: bool = False) -> WebDriver:
    """Debian's headless Chromium with the browser console's log kept; ``phone`` turns on
    Chromium's mobile emulation (``PHONE``)."""
    options = webdriver.ChromeOptions()
    options.binary_location = _binary("chromium", "chromium-browser")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        *arguments,
    ):
        options.add_argument(argument)
    if phone:
        options.add_experimental_option("mobileEmulation", PHONE)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(
        service=Service(executable_path=_binary("chromedriver")), options=options
    )
    driver.set_page_load_timeout(WAIT_S)
    return driver


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    driver = _chromium("--window-size=1280,800", "--autoplay-policy=no-user-gesture-required")
    # The viewport itself 1280x800 (a laptop's screen), whatever the window's frame takes.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        yield driver
    finally:
        driver.quit()


# A phone as Chromium's device mode plays it: 390x844 CSS pixels, touch, mobile (2x: the
# screenshots in docs/ stay small enough to commit).
PHONE = {
    "deviceMetrics": {
        "width": 390,
        "height": 844,
        "pixelRatio": 2.0,
        "touch": True,
        "mobile": True,
    },
    "userAgent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0 Mobile Safari/537.36"
    ),
}


@pytest.fixture(scope="module")
def phone() -> Iterator[WebDriver]:
    """Headless Chromium emulating a phone (mobile emulation, touch events)."""
    driver = _chromium(phone=True)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def registry(local: LocalStackProcess) -> CameraRegistry:
    return CameraRegistry(local.client("dynamodb"), local.outputs.cameras_table)


def wait(driver: WebDriver, condition: Callable[[WebDriver], Any], timeout: float = WAIT_S) -> Any:
    """``condition``'s first true value; a view that redraws meanwhile is looked at again."""
    return WebDriverWait(
        driver,
        timeout,
        poll_frequency=0.2,
        ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
    ).until(condition)


def click_in_row(driver: WebDriver, vuid: str, label: str) -> None:
    """Press a camera card's button, even if the list is redrawn while it is found."""

    def press(d: WebDriver) -> bool:
        row = d.find_element(By.CSS_SELECTOR, f'#camera-rows li[data-vuid="{vuid}"]')
        row.find_element(By.XPATH, f".//button[text()='{label}']").click()
        return True

    wait(driver, press)


def visible(driver: WebDriver, element_id: str) -> Any:
    return wait(driver, expected.visibility_of_element_located((By.ID, element_id)))


def sign_in(
    driver: WebDriver,
    base_url: str,
    user: str = "admin",
    password: str = PASSWORD,
    until: str = "bar",
) -> None:
    """Fill in the sign-in form and wait for the element ``until`` (the console's bar)."""
    driver.get(base_url + "/")
    visible(driver, "signin-username").send_keys(user)
    driver.find_element(By.ID, "signin-password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "#signin-form button[type=submit]").click()
    visible(driver, until)


def first_sign_in(
    driver: WebDriver, local: LocalStackProcess, user: str, temporary: str, chosen: str
) -> tuple[Any, str]:
    """An invited user (made as the users CLI makes them) signs in with the temporary
    password and chooses their own; returns the Cognito client and the pool id."""
    cognito = local.client("cognito-idp")
    pool = local.outputs.raw["ConsoleUserPoolId"]
    cognito.admin_create_user(
        UserPoolId=pool, Username=user, TemporaryPassword=temporary, MessageAction="SUPPRESS"
    )
    sign_in(driver, local.base_url, user, temporary, until="newpass-password")
    visible(driver, "newpass-password").send_keys(chosen)
    driver.find_element(By.ID, "newpass-confirm").send_keys(chosen)
    driver.find_element(By.CSS_SELECTOR, "#newpass-form button[type=submit]").click()
    return cognito, pool


def account_menu(driver: WebDriver, button_id: str) -> None:
    """Press a button of the bar's account menu (two-step sign-in, sign out)."""
    if not driver.find_element(By.ID, button_id).is_displayed():
        driver.find_element(By.CSS_SELECTOR, "#account summary").click()
    visible(driver, button_id).click()


def push_alarm(
    local: LocalStackProcess,
    vuid: str,
    alarm_type: int,
    picture: str,
    note: str,
    video: bool = False,
) -> None:
    """One alarm push, as the camera simulator sends it."""
    form = simulator.alarm_form(
        vuid,
        alarm_type,
        simulator.unique_picture(simulator.load_testdata(picture), note),
        simulator.load_testdata(simulator.VIDEO) if video else None,
    )
    reply = requests.post(
        keyed_url(local.alarm_url, PUSH_KEY),
        data=form,
        headers={"Content-Type": form.content_type},
        timeout=30,
    )
    assert reply.json() == {"code": "200", "message": "Success"}, reply.text


def cards(driver: WebDriver) -> list:
    return driver.find_elements(By.CSS_SELECTOR, "#alarm-grid li")


def images_loaded(driver: WebDriver, selector: str) -> bool:
    return bool(
        driver.execute_script(
            "const images = [...document.querySelectorAll(arguments[0])];"
            "return images.length > 0 && images.every((i) => i.complete && i.naturalWidth > 0);",
            selector,
        )
    )


def screenshot(driver: WebDriver, name: str) -> None:
    """A picture of the page for the README (docs/<name>.png), taken as the test saw it."""
    # The assertions before waited for the images to load; now for them to be decoded and for
    # two frames to be drawn (the picture is the page as painted, not a half-decoded image).
    # Was a fixed 0.3 s per picture.
    painted = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const images = [...document.images].filter((i) => i.complete && i.naturalWidth > 0);
        const twoFrames = () => new Promise((drawn) => {
          requestAnimationFrame(() => requestAnimationFrame(drawn));
        });
        Promise.all(images.map((i) => i.decode().catch(() => null)))
          .then(twoFrames)
          .then(() => done(true), (error) => done(String(error)));
        """
    )
    assert painted is True, painted
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    assert driver.save_screenshot(str(path)), f"Chromium took no screenshot for {path}"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
