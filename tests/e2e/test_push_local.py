"""Push destinations on the local stack (`make run`): added with the CLI, delivered by the
delivery function through the emulated asynchronous invocation (and its retries through the
emulated one-time schedules), to services on this machine
(fakes on 127.0.0.1 standing in for a ntfy server on the LAN, a Telegram bot, a Home
Assistant webhook)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest
from standardwebhooks import Webhook

from tests.e2e.helpers import RETENTION_DAYS, post_alarm, reply_of
from tests.e2e.localstack import LocalStackProcess, start_local_stack
from tests.push_fakes import FakeNtfy, FakeService, FakeTelegram, FakeWebhookReceiver

pytestmark = pytest.mark.slow

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
WAIT_S = 60.0
# The retry's one-time schedule is made for 30 s later (the delivery function decides and
# logs that); the local stack fires it up to this much earlier so the test does not wait.
EARLY_S = 29


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    """The e2e stack (tests/e2e/conftest.py), firing one-time schedules EARLY_S early and
    retrying a failed asynchronous invocation after 1 s."""
    stack = start_local_stack(
        schedule_rate=1,
        parameter_overrides={"RetentionDays": str(RETENTION_DAYS)},
        log_dir=tmp_path_factory.mktemp("local-stack-logs"),
        # Lambda's two retries of a crashed invocation after 1 s, not 1 and 2 minutes.
        extra_args=["--one-time-schedules-early", str(EARLY_S), "--async-retries-after", "1"],
    )
    yield stack
    stack.stop()


def notify(local: LocalStackProcess, *argv: str, **environment: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "vstarcam_tools.cli", "notify", *argv],
        env={**local.aws_environment(), **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def wait_until_received(fake: FakeService, count: int) -> None:
    deadline = time.monotonic() + WAIT_S
    while len(fake.received) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(fake.received) == count


def test_destinations_added_with_the_cli_receive_an_alarm_and_a_bad_token_is_reported(
    local: LocalStackProcess, register: Callable[..., str]
) -> None:
    """GIVEN the local stack, and ntfy, webhook and (wrong-token) Telegram destinations added
    with `vstarcam-push notify add`, each pointing at a server on this machine
    WHEN a camera pushes an alarm over HTTP
    THEN ntfy receives the picture and the webhook a verified body, each once; the console
    logs each push's one outcome and why the Telegram destination gave up, and the owner is
    told (the operations topic); a ntfy server that is down at the first attempt gets the
    alarm, once, from the one-time schedule made for 30 s later (fired early here); and a
    second alarm inside the cooldown gets a line saying why it is quiet."""
    ntfy, hook, telegram = FakeNtfy(), FakeWebhookReceiver(SECRET), FakeTelegram()
    later = FakeNtfy(topic="later")
    later.down_for = 1
    for fake in (ntfy, hook, telegram, later):
        fake.start()
    try:
        notify(local, "add", "ntfy", "lan-ntfy", "--url", ntfy.url)
        notify(local, "add", "ntfy", "back-soon", "--url", later.url)
        notify(local, "add", "webhook", "ha", "--url", hook.url, "--secret-env", "S", S=SECRET)
        notify(
            local, "add", "telegram", "phone", "--chat-id", "4242", "--token-env", "T",
            "--api-url", telegram.base_url, T="1:wrong",
        )  # fmt: skip
        vuid = register(name="Front door")

        assert reply_of(post_alarm(local.alarm_url, vuid, "18"), 200) == "Success"

        wait_until_received(ntfy, 1)
        wait_until_received(hook, 1)
        assert ntfy.received[0].body[:3] == b"\xff\xd8\xff"
        assert ntfy.received[0].headers["title"] == f"Motion detection alarm: Front door ({vuid})"
        document = Webhook(SECRET).verify(hook.received[0].body, hook.received[0].headers)
        assert document["data"]["camera"]["vuid"] == vuid
        assert document["data"]["links"]["picture"].startswith(local.outputs.raw["AlarmUrl"][:-6])
        local.wait_for_line(rf"PUSH +alarm +{vuid} +-> lan-ntfy +delivered$", timeout_s=WAIT_S)
        gave_up = local.wait_for_line(
            rf"PUSH +alarm +{vuid} +-> phone +gave up: telegram answered 401: Unauthorized",
            timeout_s=WAIT_S,
        )
        assert "notify list" in gave_up
        assert "phone" in notify(local, "list") and "Unauthorized" in notify(local, "list")
        assert telegram.attempts == 1
        told = local.wait_for_line(
            rf"SNS .*Push destination 'phone' \(telegram\) gave up on the alarm of camera {vuid}",
            timeout_s=WAIT_S,
        )
        # The one that was down: retried by its one-time schedule (30 s), delivered once.
        local.wait_for_line(
            rf"PUSH +alarm +{vuid} +-> back-soon +failed, will retry in 30 s \(attempt 1\)",
            timeout_s=WAIT_S,
        )
        wait_until_received(later, 1)
        local.wait_for_line(rf"PUSH +alarm +{vuid} +-> back-soon +delivered$", timeout_s=WAIT_S)
        assert later.attempts == 2

        # The same alarm type again, inside the 300 s cooldown: stored, and the console says
        # why nobody is told, and until when.
        assert reply_of(post_alarm(local.alarm_url, vuid, "18"), 200) == "Success"
        local.wait_for_line(
            rf"HELD +alarm +{vuid} +not notified: Motion detection alarm \(0x12\) is inside "
            r"its 300 s cooldown until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$",
            timeout_s=WAIT_S,
        )
        # One outcome per attempt: the give-up was never also "handled" or "FAILED". (The
        # two lines come from different processes: either may be printed first.)
        about_phone = [line for line in local.lines if vuid in line and "phone" in line]
        assert sorted(about_phone) == sorted([gave_up, told]), about_phone
    finally:
        for fake in (ntfy, hook, telegram, later):
            fake.stop()


def test_a_delivery_crashing_every_attempt_is_told_in_one_sentence_and_no_secret_printed(
    local: LocalStackProcess, register: Callable[..., str]
) -> None:
    """GIVEN the local stack and, as the only destination, a ntfy one whose token has a line
    break inside (pasted from two lines): sending raises an error quoting the header
    WHEN a camera pushes an alarm, and the delivery function crashes on each of Lambda's
    three attempts
    THEN the operations topic tells the owner in one sentence naming the destination and
    the error's kind, and nothing the local stack printed (the functions' lines, the
    failures, what the topics sent) holds the token, nor the alarm's media link token but
    in the alarm email's own links."""
    for name in ("lan-ntfy", "back-soon", "ha", "phone"):
        # The first test's destinations, their servers stopped: not part of this one.
        subprocess.run(
            [sys.executable, "-m", "vstarcam_tools.cli", "notify", "remove", name],
            env=local.aws_environment(),
            capture_output=True,
            timeout=120,
        )
    first, second = "tk_FirstLineOfAPastedNtfyToken", "tk_SecondLineOfAPastedNtfyToken"
    ntfy = FakeNtfy()
    ntfy.start()
    try:
        notify(local, "add", "ntfy", "pasted", "--url", ntfy.url, "--token-env", "T",
               T=f"{first}\n{second}")  # fmt: skip
        vuid = register(name="Back door")

        assert reply_of(post_alarm(local.alarm_url, vuid, "18"), 200) == "Success"

        told = local.wait_for_line(
            r"SNS .*did not reach push destination 'pasted': 3 attempt\(s\) failed",
            timeout_s=WAIT_S,
        )
        assert "the push to 'pasted' (ntfy) failed unexpectedly: ValueError" in told
        assert ntfy.received == []
    finally:
        ntfy.stop()
    dynamodb = local.client("dynamodb")
    (alarm,) = [
        item
        for item in dynamodb.scan(TableName=local.outputs.alarms_table)["Items"]
        if item["vuid"]["S"] == vuid
    ]
    # The alarm email's own links carry the token, by design (the terminal stands in for
    # the inbox): every other line is searched.
    printed = "\n".join(line for line in local.lines if "Open the picture: " not in line)
    for secret in (first, second, alarm["linkToken"]["S"]):
        assert secret not in printed
