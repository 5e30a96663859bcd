"""``vstarcam-push notify``: destinations with their filters in DynamoDB, their secrets in SSM
(SecureString, under the stack's prefix), never printed; ``notify test`` sends a sample alarm
with a real picture and reports the service's own answer; ``cameras add --site``."""

from __future__ import annotations

import json
import socket
from typing import Any

import boto3
import pytest
from standardwebhooks import Webhook
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.destinations import DestinationStore
from vstarcam_tools.outputs import StackOutputs

from tests.conftest import REGION
from tests.push_fakes import FakeNtfy, FakeTelegram, FakeWebhookReceiver

TOKEN = "123456:AAE-fake-bot-token"
PREFIX = "/vstarcam-push/notify/"


def parameters() -> dict[str, dict[str, Any]]:
    ssm = boto3.client("ssm", region_name=REGION)
    found = ssm.get_parameters_by_path(Path=PREFIX, Recursive=True, WithDecryption=True)
    return {p["Name"]: p for p in found["Parameters"]}


def store(deployed: StackOutputs) -> DestinationStore:
    return DestinationStore(
        boto3.client("dynamodb", region_name=REGION), deployed.raw["DestinationsTableName"]
    )


def test_add_telegram_keeps_the_token_in_ssm_and_prints_no_secret(
    cli, deployed: StackOutputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a bot token in an environment variable
    WHEN `notify add telegram phone --chat-id 4242 --token-env BOT_TOKEN` with filters runs
    THEN the token is a SecureString under the stack's prefix, the destination and filters
    are in the table (without the token), and neither add nor list prints it."""
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    added = cli(
        "notify", "add", "telegram", "phone", "--chat-id", "4242", "--token-env", "BOT_TOKEN",
        "--events", "alarm,offline", "--types", "0x26,109", "--sites", "Harbour St 4",
        "--quiet-hours", "22:00-07:00", "--timezone", "Europe/Berlin", "--severity", "alert",
    )  # fmt: skip
    assert added.code == 0, added.err
    assert "chat 4242 via api.telegram.org" in added.out
    (parameter,) = parameters().values()
    assert parameter["Name"] == PREFIX + "phone/token"
    assert parameter["Type"] == "SecureString" and parameter["Value"] == TOKEN
    (destination,) = store(deployed).list()
    assert destination.filters.types == {"0x26", "0x6d"}
    assert destination.filters.sites == {"Harbour St 4"}
    assert destination.filters.severities == {"alert"}
    assert TOKEN not in json.dumps(destination.to_item())

    listed, as_json = cli("notify", "list"), cli("notify", "list", "--json")
    assert "phone" in listed.out and "quiet 22:00-07:00 Europe/Berlin" in listed.out
    (document,) = json.loads(as_json.out)
    assert document["secrets"] == ["token"] and document["events"] == ["alarm", "offline"]
    assert document["severities"] == ["alert"] and "severity alert" in listed.out
    for output in (added, listed, as_json):
        assert TOKEN not in output.out + output.err


def test_add_refuses_bad_options_before_storing_anything(
    cli, deployed: StackOutputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    base = ("notify", "add", "telegram", "phone", "--chat-id", "1", "--token-env")
    cases = {
        (*base, "UNSET_VARIABLE"): "environment variable UNSET_VARIABLE is not set",
        (*base, "BOT_TOKEN", "--events", "alarm,motion"): "--events: motion unknown",
        (*base, "BOT_TOKEN", "--types", "smoke"): "--types:",
        (*base, "BOT_TOKEN", "--severity", "urgent"): "--severity: severity 'urgent'",
        (*base, "BOT_TOKEN", "--quiet-hours", "22:00-07:00"): "needs --timezone",
        (*base, "BOT_TOKEN", "--quiet-hours", "22-7", "--timezone", "UTC"): "HH:MM-HH:MM",
        (*base, "BOT_TOKEN", "--cameras", "not a vuid"): "invalid vuid",
        ("notify", "add", "ntfy", "a/b", "--url", "https://ntfy.sh/x"): "destination name",
        ("notify", "add", "ntfy", "lan", "--url", "ftp://x/y"): "http:// or https://",
    }
    for argv, message in cases.items():
        result = cli(*argv)
        assert result.code == 1, argv
        assert message in result.err, (argv, result.err)
        assert len(result.err.strip().splitlines()) == 1
    assert store(deployed).list() == [] and parameters() == {}


def test_add_twice_is_refused_and_remove_deletes_item_and_secrets(
    cli, deployed: StackOutputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USER_KEY", "uQiRzpo4DXghDmr9QzzfQu27cmVRsG")
    monkeypatch.setenv("APP_TOKEN", "azGDORePK8gMaC0QOYAMyEEuzJnyUi")
    argv = (
        "notify",
        "add",
        "pushover",
        "me",
        "--user-key-env",
        "USER_KEY",
        "--token-env",
        "APP_TOKEN",
    )
    assert cli(*argv).code == 0
    again = cli(*argv)
    assert again.code == 1 and "destination me exists" in again.err
    assert sorted(parameters()) == [PREFIX + "me/token", PREFIX + "me/user_key"]

    removed = cli("notify", "remove", "me")
    assert removed.code == 0 and store(deployed).list() == [] and parameters() == {}
    assert cli("notify", "remove", "me").code == 1


def test_webhook_without_a_secret_generates_one_and_prints_it_once(
    cli, deployed: StackOutputs
) -> None:
    added = cli("notify", "add", "webhook", "ha", "--url", "https://ha.example/api/webhook/abc")
    assert added.code == 0
    (line,) = [line for line in added.out.splitlines() if "whsec_" in line]
    secret = line.split()[-1]
    Webhook(secret)  # a valid Standard Webhooks secret
    assert parameters()[PREFIX + "ha/signing_secret"]["Value"] == secret
    # The URL (Home Assistant's webhook id is its only secret) is not shown either.
    listed = cli("notify", "list")
    assert "POST to ha.example" in listed.out and "abc" not in listed.out
    assert secret not in listed.out


def test_notify_test_sends_a_real_picture_and_reports_the_services_answer(
    cli, deployed: StackOutputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a Telegram destination pointed at a fake Bot API server
    WHEN `notify test phone` runs
    THEN the fake receives sendPhoto with the sample JPEG, and the command says delivered;
    with the wrong chat id, it prints Telegram's own refusal and exits 1."""
    fake = FakeTelegram(token=TOKEN).start()
    try:
        monkeypatch.setenv("BOT_TOKEN", TOKEN)
        for name, chat in (("phone", "4242"), ("wrong-chat", "1")):
            assert cli(
                "notify", "add", "telegram", name, "--chat-id", chat, "--token-env",
                "BOT_TOKEN", "--api-url", fake.base_url,
            ).code == 0  # fmt: skip
        sent = cli("notify", "test", "phone")
        assert sent.code == 0, sent.err
        assert "phone (telegram): delivered" in sent.out
        (request,) = fake.received
        assert request.form["photo"].content[:3] == b"\xff\xd8\xff"
        assert "Test camera" in request.field("caption")

        refused = cli("notify", "test", "wrong-chat")
        assert refused.code == 1
        assert "refused: telegram answered 400: Bad Request: chat not found" in refused.out
        for output in (sent, refused):
            assert TOKEN not in output.out + output.err
    finally:
        fake.stop()


def test_notify_test_of_ntfy_and_webhook(
    cli, deployed: StackOutputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    ntfy = FakeNtfy().start()
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    hook = FakeWebhookReceiver(secret).start()
    try:
        assert cli("notify", "add", "ntfy", "lan", "--url", ntfy.url).code == 0
        assert cli("notify", "test", "lan").code == 0
        assert ntfy.received[0].headers["filename"] == "motion.jpg"
        monkeypatch.setenv("HOOK_SECRET", secret)
        added = cli(
            "notify", "add", "webhook", "ha", "--url", hook.url, "--secret-env", "HOOK_SECRET"
        )
        assert added.code == 0 and "whsec_" not in added.out
        assert cli("notify", "test", "ha").code == 0
        assert hook.received[0].json()["type"] == "camera.alarm"
    finally:
        ntfy.stop()
        hook.stop()


def test_notify_test_calls_a_refused_connection_refused(cli, deployed: StackOutputs) -> None:
    """GIVEN a ntfy destination whose server is not running (the port refuses connections)
    WHEN `notify test` runs
    THEN it says the connection was refused (not a timeout), naming the host, and exits 1."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{closed.getsockname()[1]}/alarms"
    closed.close()
    assert cli("notify", "add", "ntfy", "lan", "--url", url).code == 0

    tested = cli("notify", "test", "lan")

    assert tested.code == 1
    assert tested.out.strip() == (
        "lan (ntfy): failed (would be retried): ntfy: no answer (connection refused by 127.0.0.1)"
    )


def test_notify_test_that_fails_unexpectedly_prints_no_secret(
    cli, deployed: StackOutputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a ntfy destination whose token has a line break inside (pasted from two lines):
    http.client refuses the header, with an error quoting its value
    WHEN `notify test` runs
    THEN it says which destination failed and the error's kind, in one line, exit 1; the
    token is in no output."""
    first, second = "tk_FirstLineOfAPastedToken12", "tk_SecondLineOfAPastedToken34"
    monkeypatch.setenv("NTFY_TOKEN", f"{first}\n{second}")
    added = cli("notify", "add", "ntfy", "lan", "--url", "http://127.0.0.1:9/alarms",
                "--token-env", "NTFY_TOKEN")  # fmt: skip
    assert added.code == 0

    tested = cli("notify", "test", "lan")

    assert tested.code == 1
    assert tested.err.strip() == (
        "vstarcam-push: error: the push to 'lan' (ntfy) failed unexpectedly: ValueError"
    )
    for text in (first, second):
        assert text not in tested.out + tested.err


def test_cameras_add_site_is_shown_by_cameras_list_and_kept_short(
    cli, deployed: StackOutputs
) -> None:
    assert (
        cli(
            "cameras", "add", "VE0005622QHOW", "--name", "Front door", "--site", "Harbour St 4"
        ).code
        == 0
    )
    listed = cli("cameras", "list")
    assert "SITE" in listed.out.splitlines()[0] and "Harbour St 4" in listed.out
    (camera,) = json.loads(cli("cameras", "list", "--json").out)
    assert camera["site"] == "Harbour St 4"
    too_long = cli("cameras", "add", "VE0005622QHOW", "--site", "x" * 41)
    assert too_long.code == 1 and "site" in too_long.err
    registry = CameraRegistry(boto3.client("dynamodb", region_name=REGION), deployed.cameras_table)
    assert registry.get("VE0005622QHOW").site == "Harbour St 4"  # type: ignore[union-attr]
    assert cli("cameras", "add", "VE0005622QHOW", "--site", "").code == 0
    assert registry.get("VE0005622QHOW").site == ""  # type: ignore[union-attr]


def test_add_is_refused_in_a_stack_deployed_without_push_channels(cli, stack) -> None:
    """GIVEN a stack deployed with PushChannels=false (no delivery function)
    WHEN `notify add` runs
    THEN it stores nothing and says which parameter to deploy with; list still works."""
    from vstarcam_tools.outputs import publish_outputs

    from tests.tools.cli.conftest import STACK_NAME

    outputs = {**stack.outputs(), "PushChannels": "false"}
    publish_outputs(boto3.client("cloudformation", region_name=REGION), STACK_NAME, outputs)
    added = cli("notify", "add", "ntfy", "lan", "--url", "http://127.0.0.1:9/topic")

    assert added.code != 0
    assert "PushChannels=true" in added.err
    assert store(StackOutputs.from_dict(outputs)).list() == [] and parameters() == {}
    assert cli("notify", "list").code == 0


def test_notify_test_of_a_web_push_device(
    cli, deployed: StackOutputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a web push device (as the console stores one) subscribed on a fake push service
    WHEN `notify test DEVICE` runs against the local stack
    THEN the browser gets the sample alarm, encrypted to it and signed with the stack's key;
    when the service says the subscription is gone, the command says so and exits 1."""
    from vstarcam_push.dal.secrets import SecretStore
    from vstarcam_push.dal.vapid_key import VapidKeyStore, key_parameter
    from vstarcam_push.models.destination import Filters
    from vstarcam_push.models.web_push import Subscription, device_destination

    from tests.web_push_fakes import FakePushService

    monkeypatch.setenv("WEB_PUSH_ALLOW_LOOPBACK", "true")
    ssm = boto3.client("ssm", region_name=REGION)
    VapidKeyStore(ssm, key_parameter("vstarcam-push")).load(create=True)
    service = FakePushService().start()
    try:
        browser = service.browser()
        subscription = Subscription.parse(browser.subscription())
        device = device_destination("ann@example.com", "Phone", subscription, Filters(), 1)
        store(deployed).put(device)
        SecretStore(ssm, PREFIX).put(device.name, subscription.secrets())

        sent = cli("notify", "test", device.name)
        assert sent.code == 0, sent.out + sent.err
        assert f"{device.name} (webpush): delivered" in sent.out
        (received,) = service.received
        assert browser.decrypt(received.body)["title"] == "Test camera: Motion detection alarm"
        service.status = 410
        gone = cli("notify", "test", device.name)
        assert gone.code == 1 and "gone" in gone.out
        assert subscription.endpoint not in sent.out + gone.out + sent.err + gone.err
    finally:
        service.stop()
