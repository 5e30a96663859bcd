"""Two-step sign-in in the browser, on a stack deployed with ConsoleMfa=required: a new user
sets a new password, then sets up an authenticator app (the key is shown), and is signed in;
a user who turned two-step sign-in on is asked for a code at the next sign-in.

moto accepts any six-digit code (it does not run TOTP unless told to), so these tests prove
the page's side of the challenges, not the codes' arithmetic."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as expected

from tests.browser.conftest import account_menu, first_sign_in, sign_in, visible, wait
from tests.e2e.localstack import LocalStackProcess, start_local_stack

pytestmark = pytest.mark.slow

PASSWORD = "mfa-test-password-1"


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    stack = start_local_stack(
        schedule_rate=None,
        parameter_overrides={"ConsoleMfa": "required"},
        extra_args=["--console-password", PASSWORD],
        log_dir=tmp_path_factory.mktemp("local-stack-logs"),
    )
    yield stack
    stack.stop()


def test_a_new_user_sets_a_password_then_an_authenticator_app(
    browser: WebDriver, local: LocalStackProcess
) -> None:
    first_sign_in(
        browser, local, "installer@example.com", "temporary-password-2", "installer-own-password"
    )

    visible(browser, "mfa-setup-code")
    secret = browser.find_element(By.ID, "mfa-secret").text
    assert secret and secret.isalnum()  # moto's is a fixed 12 letters; Cognito's 32
    browser.find_element(By.ID, "mfa-setup-code").send_keys("123456")
    browser.find_element(By.CSS_SELECTOR, "#mfa-setup-form button[type=submit]").click()
    visible(browser, "bar")
    assert browser.find_element(By.ID, "who").text == "installer@example.com"
    account_menu(browser, "sign-out")
    visible(browser, "signin-form")


def test_after_turning_it_on_the_next_sign_in_asks_for_a_code(
    browser: WebDriver, local: LocalStackProcess
) -> None:
    sign_in(browser, local.base_url, password=PASSWORD)
    account_menu(browser, "mfa-button")
    prompt = wait(browser, expected.alert_is_present())
    assert "authenticator app" in prompt.text
    prompt.send_keys("654321")
    prompt.accept()
    wait(browser, lambda d: "Two-step sign-in is on" in d.find_element(By.ID, "status").text)
    account_menu(browser, "sign-out")

    sign_in(browser, local.base_url, password=PASSWORD, until="mfa-code")
    visible(browser, "mfa-code").send_keys("111111")
    browser.find_element(By.CSS_SELECTOR, "#mfa-form button[type=submit]").click()
    visible(browser, "bar")


def test_a_wrong_password_is_said_plainly(browser: WebDriver, local: LocalStackProcess) -> None:
    account_menu(browser, "sign-out")
    visible(browser, "signin-username").send_keys("admin")
    browser.find_element(By.ID, "signin-password").send_keys("not-the-password")
    browser.find_element(By.CSS_SELECTOR, "#signin-form button[type=submit]").click()
    wait(
        browser,
        lambda d: d.find_element(By.ID, "signin-error").text == "Wrong user name or password.",
    )
    assert browser.find_element(By.ID, "signin-form").is_displayed()
