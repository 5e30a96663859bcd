"""``vstarcam-push doctor`` against the local stack: all ok when healthy; each thing it checks,
broken on its own, reported with its fix; nothing left behind after any run, interrupted or
not; and the test alarm never reaches an email or SMS subscription.

One local stack serves the module: each test breaks one thing and repairs it afterwards.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest
from vstarcam_push.dal.camera_admission import CameraAdmission
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.destinations import DestinationStore
from vstarcam_push.dal.secrets import SecretStore
from vstarcam_push.dal.web_push_devices import WebPushDevices
from vstarcam_push.models.destination import Filters
from vstarcam_push.models.doctor_camera import TEST_ATTRIBUTE
from vstarcam_push.models.web_push import Subscription, device_destination

from tests.conftest import PUSH_KEY, register_camera
from tests.e2e.helpers import jpeg, new_vuid, post_alarm
from tests.e2e.localstack import LocalStackProcess
from tests.e2e.test_push_local import notify
from tests.push_fakes import FakeNtfy
from tests.tools.doctor.conftest import (
    DOCTOR_TIMEOUT_S,
    EMAIL,
    PHONE,
    THROTTLING_RATE_LIMIT,
    assert_nothing_left,
    doctor_command,
    run_doctor,
    stack_state,
)
from tests.web_push_fakes import FakeBrowser

pytestmark = pytest.mark.slow

# What the local stack cannot have (plain HTTP) or does not have yet: said, not pretended.
SKIPPED_ON_LOCAL = {"bucket TLS only", "push channels"}
PUSH_CHECKS = {
    "test camera",
    "heartbeat",
    "alarm push",
    "unknown camera refused",
    "plain HTTP front door heartbeat",
    "plain HTTP front door alarm",
    "media link",
    "notification",
    "media processing",
    "cleanup",
}


@pytest.fixture
def registry(local: LocalStackProcess) -> CameraRegistry:
    return CameraRegistry(local.client("dynamodb"), local.outputs.cameras_table)


def people_deliveries(local: LocalStackProcess, vuid: str) -> list[str]:
    """The console's record of what reached an email or SMS subscription for ``vuid``."""
    return [line for line in local.lines if re.search(rf"-> (email|sms) .*\({vuid}\)", line)]


def test_a_healthy_stack_is_all_ok_and_nothing_is_left(local: LocalStackProcess) -> None:
    """GIVEN a freshly started local stack with an email and an SMS subscription
    WHEN doctor runs
    THEN every check is ok except those whose subject the local stack lacks (skipped, with
    the reason), the exit status is 0, and the stack holds nothing of the run."""
    run = run_doctor(local)

    assert run.returncode == 0, run.stdout + run.stderr
    assert run.by_status("failed") == set()
    assert run.by_status("warning") == set()
    assert run.by_status("skipped") == SKIPPED_ON_LOCAL
    assert run.by_status("ok") >= PUSH_CHECKS
    for result in run.results:
        assert set(result) <= {"check", "status", "detail", "fix"}
        assert result["detail"]
    assert "401 without a valid token" in run.result("console")["detail"]
    assert "no push destination is configured" in run.result("push channels")["detail"]
    assert "byte for byte" in run.result("alarm push")["detail"]
    assert "thumbnail (image/" in run.result("media processing")["detail"]
    assert "playable video (video/mp4" in run.result("media processing")["detail"]
    # Progress went to stderr as each check ran; stdout is the JSON array alone.
    assert "  ok       heartbeat" in run.stderr
    assert "waiting for the derived work" in run.stderr
    assert_nothing_left(local)


def test_the_test_alarm_reaches_no_email_or_sms_subscription(local: LocalStackProcess) -> None:
    """GIVEN email and SMS subscriptions whose filters (SMS: alarm types 0x12, 0x26) match a
    motion alarm
    WHEN doctor runs, and then a real camera sends the same kind of alarm
    THEN the topic received the doctor's alarm notification, marked with the test attribute,
    and moto's filter matching delivered it to neither subscription; the real camera's
    alarm reached both (so the record would show a delivery)."""
    start = len(local.lines)
    run = run_doctor(local)
    assert run.returncode == 0, run.stdout + run.stderr
    (test_vuid,) = re.findall(r"registered (DOCTOR[0-9A-F]{12})", run.stderr + run.stdout)
    local.wait_for_line(rf"SNS +alarm +{test_vuid}", start=start)
    sent = _sent_notifications(local, test_vuid)
    assert sent and all(TEST_ATTRIBUTE in attributes for attributes in sent)

    registry = CameraRegistry(local.client("dynamodb"), local.outputs.cameras_table)
    vuid = new_vuid()
    register_camera(local.client("dynamodb"), registry.table, vuid, "Porch", 180, int(time.time()))
    try:
        assert post_alarm(local.alarm_url, vuid, picture=jpeg("control")).status_code == 200
        local.wait_for_line(rf"-> sms {re.escape(PHONE)} \({vuid}\)", start=start)
        local.wait_for_line(rf"-> email {re.escape(EMAIL)} \({vuid}\)", start=start)
        assert people_deliveries(local, test_vuid) == []
    finally:
        registry.remove(vuid)


def _sent_notifications(local: LocalStackProcess, vuid: str) -> list[dict[str, object]]:
    """Message attributes of what the topic was sent for ``vuid``, from moto's own record."""
    data = local.moto_api("data.json").json()
    found = []
    for topic in data["sns"]["Topic"]:
        for notification in topic.get("sent_notifications", []):
            attributes = notification[3] or {}
            if (attributes.get("vuid") or {}).get("Value") == vuid:
                found.append(attributes)
    return found


@pytest.fixture
def no_public_access_block(local: LocalStackProcess) -> Iterator[None]:
    s3, bucket = local.client("s3"), local.outputs.media_bucket
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    s3.delete_public_access_block(Bucket=bucket)
    yield
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=block)


def test_a_bucket_without_its_public_access_block_fails(
    local: LocalStackProcess, no_public_access_block: None
) -> None:
    run = run_doctor(local)

    assert run.returncode == 1
    assert run.by_status("failed") == {"bucket public access"}
    result = run.result("bucket public access")
    assert "does not block public access" in result["detail"]
    assert "put-public-access-block" in result["fix"]
    assert local.outputs.media_bucket in result["fix"]
    assert_nothing_left(local)


@pytest.fixture
def dead_letter(local: LocalStackProcess) -> Iterator[None]:
    sqs, url = local.client("sqs"), local.outputs.raw["NotifyDeadLetterQueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"requestContext": "a failed batch"}))
    yield
    sqs.purge_queue(QueueUrl=url)


def test_a_message_in_the_dead_letter_queue_is_a_warning_with_the_readme_section(
    local: LocalStackProcess, dead_letter: None
) -> None:
    run = run_doctor(local)

    assert run.returncode == 0
    assert run.by_status("warning") == {"dead-letter queue"}
    result = run.result("dead-letter queue")
    assert result["detail"].startswith("1 failed push delivery ")
    assert "When notifications fail" in result["fix"]
    assert "purge-queue" in result["fix"]


@pytest.fixture
def alarm_in_alarm_state(local: LocalStackProcess) -> Iterator[str]:
    cloudwatch = local.client("cloudwatch")
    # The stack's one alarm (refused requests).
    alarm = cloudwatch.describe_alarms()["MetricAlarms"][0]
    cloudwatch.set_alarm_state(
        AlarmName=alarm["AlarmName"], StateValue="ALARM", StateReason="Threshold Crossed"
    )
    yield alarm["AlarmName"]
    cloudwatch.set_alarm_state(AlarmName=alarm["AlarmName"], StateValue="OK", StateReason="ok")


def test_a_cloudwatch_alarm_in_alarm_is_a_warning(
    local: LocalStackProcess, alarm_in_alarm_state: str
) -> None:
    run = run_doctor(local, "--skip-push")

    assert run.by_status("warning") == {"CloudWatch alarms"}
    assert alarm_in_alarm_state in run.result("CloudWatch alarms")["detail"]


@pytest.fixture
def pending_subscription(local: LocalStackProcess) -> Iterator[str]:
    sns = local.client("sns")
    arn = sns.subscribe(
        TopicArn=local.outputs.topic_arn,
        Protocol="email",
        Endpoint="new-owner@example.com",
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    yield "new-owner@example.com"
    sns.unsubscribe(SubscriptionArn=arn)


def test_an_unconfirmed_email_subscription_is_a_warning_with_the_confirm_help(
    local: LocalStackProcess, pending_subscription: str
) -> None:
    """GIVEN an email subscription nobody confirmed (the local stack keeps it pending, as AWS
    does) THEN doctor warns, naming it, and says how to confirm; SNS sends it nothing, so the
    no-spam rule holds and the test push still runs."""
    run = run_doctor(local)

    assert run.returncode == 0
    assert run.by_status("warning") == {"subscriptions"}
    result = run.result("subscriptions")
    assert pending_subscription in result["detail"]
    assert "Confirm subscription" in result["fix"]
    assert run.result("no spam")["status"] == "ok"
    assert run.result("notification")["status"] == "ok"


@pytest.fixture
def unfiltered_email(local: LocalStackProcess) -> Iterator[None]:
    sns = local.client("sns")
    (email,) = [
        s
        for s in sns.list_subscriptions_by_topic(TopicArn=local.outputs.topic_arn)["Subscriptions"]
        if s["Protocol"] == "email"
    ]
    arn = email["SubscriptionArn"]
    policy = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]["FilterPolicy"]
    sns.set_subscription_attributes(
        SubscriptionArn=arn, AttributeName="FilterPolicy", AttributeValue=""
    )
    yield
    sns.set_subscription_attributes(
        SubscriptionArn=arn, AttributeName="FilterPolicy", AttributeValue=policy
    )


def test_an_email_subscription_without_the_test_filter_stops_the_push(
    local: LocalStackProcess, unfiltered_email: None
) -> None:
    """GIVEN the email subscription lost its filter policy (a stack deployed from an older
    template) THEN doctor fails 'no spam', names the subscription, and sends nothing."""
    before = stack_state(local)
    run = run_doctor(local)

    assert run.returncode == 1
    assert run.by_status("failed") == {"no spam"}
    result = run.result("no spam")
    assert EMAIL in result["detail"]
    assert "redeploy" in result["fix"]
    assert run.result("camera path")["status"] == "skipped"
    assert "test camera" not in {r["check"] for r in run.results}
    assert stack_state(local) == before


@pytest.fixture
def busy_fleet(local: LocalStackProcess, registry: CameraRegistry) -> Iterator[list[str]]:
    """Cameras with a 10 s heartbeatTime (offlineAfter 30 s): 0.1 heartbeats/s each."""
    count = 10 * THROTTLING_RATE_LIMIT // 2 + 2
    vuids = [new_vuid() for _ in range(count)]
    now = int(time.time())
    admission = CameraAdmission(local.client("dynamodb"), registry.table, offline_after=30)
    for vuid in vuids:
        register_camera(local.client("dynamodb"), registry.table, vuid, "", 30, now)
        admission.heartbeat(vuid, now, key=PUSH_KEY)
    yield vuids
    for vuid in vuids:
        registry.remove(vuid)


def test_a_throttle_too_low_for_the_fleet_is_a_warning_with_the_parameter_to_set(
    local: LocalStackProcess, busy_fleet: list[str]
) -> None:
    run = run_doctor(local, "--skip-push")

    assert run.returncode == 0
    assert run.by_status("warning") == {"throttling"}
    result = run.result("throttling")
    assert f"ThrottlingRateLimit {THROTTLING_RATE_LIMIT}/s" in result["detail"]
    assert f"{len(busy_fleet)} camera(s)" in result["detail"]
    assert "ThrottlingRateLimit=" in result["fix"]


def test_cameras_that_never_sent_a_heartbeat_are_named(
    local: LocalStackProcess, registry: CameraRegistry
) -> None:
    vuid = new_vuid()
    register_camera(local.client("dynamodb"), registry.table, vuid, "Garage", 180, int(time.time()))
    try:
        run = run_doctor(local, "--skip-push")
    finally:
        registry.remove(vuid)

    assert run.by_status("warning") == {"silent cameras"}
    assert vuid in run.result("silent cameras")["detail"]
    assert "cameras configure" in run.result("silent cameras")["fix"]


@pytest.fixture
def failing_alarm_function(local: LocalStackProcess) -> Iterator[None]:
    """The alarm function cannot store pictures: its PutObject is denied by the bucket."""
    s3, bucket = local.client("s3"), local.outputs.media_bucket
    statement = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/alarms/*",
    }
    s3.put_bucket_policy(
        Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    yield
    s3.delete_bucket_policy(Bucket=bucket)


def test_a_failing_alarm_function_fails_the_alarm_push_and_leaves_nothing(
    local: LocalStackProcess, failing_alarm_function: None
) -> None:
    run = run_doctor(local)

    assert run.returncode == 1
    assert run.by_status("failed") == {"alarm push", "plain HTTP front door alarm"}
    result = run.result("alarm push")
    assert "code: 500" in result["detail"]
    assert "AlarmFunction" in result["fix"]
    # What depends on the stored alarm says why it did not run.
    assert run.result("notification")["status"] == "skipped"
    assert run.result("media link")["status"] == "skipped"
    assert run.result("heartbeat")["status"] == "ok"
    assert run.result("cleanup")["status"] == "ok"
    assert_nothing_left(local)


def test_skip_push_writes_nothing(local: LocalStackProcess) -> None:
    before = stack_state(local)
    run = run_doctor(local, "--skip-push")

    assert run.returncode == 0
    assert run.result("camera path")["status"] == "skipped"
    assert "--skip-push" in run.result("camera path")["detail"]
    assert stack_state(local) == before


def _start_doctor(local: LocalStackProcess) -> subprocess.Popen[str]:
    return subprocess.Popen(
        doctor_command(),
        env=local.aws_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # A test run started in the background (make test &, CI) ignores SIGINT, and a child
        # inherits that: give the doctor the terminal's default, as an operator's shell does.
        preexec_fn=_default_sigint,
    )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _read_until(process: subprocess.Popen[str], text: str) -> list[str]:
    """The doctor's output up to the first line containing ``text`` (bounded by its exit)."""
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if text in line:
            return lines
    raise AssertionError(f"doctor ended before printing {text!r}:\n{''.join(lines)}")


def test_ctrl_c_in_the_middle_of_the_push_still_removes_everything(
    local: LocalStackProcess,
) -> None:
    process = _start_doctor(local)
    try:
        _read_until(process, "sending a heartbeat and an alarm push")
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=DOCTOR_TIMEOUT_S)
    finally:
        process.kill()

    assert process.returncode == 130, output
    assert re.search(r"ok +cleanup: removed test camera\(s\) DOCTOR", output), output
    assert "interrupted" in output
    assert_nothing_left(local)


def test_a_killed_run_leaves_a_test_camera_that_the_next_run_removes(
    local: LocalStackProcess,
) -> None:
    process = _start_doctor(local)
    try:
        _read_until(process, "waiting for the derived work")
        # SIGKILL: no cleanup can run, as when a laptop's lid closes mid-run.
        process.kill()
        process.wait(DOCTOR_TIMEOUT_S)
    finally:
        process.kill()
    left = stack_state(local)
    assert len(left.test_cameras) == 1
    assert left.test_alarms and left.test_media and left.queues

    run = run_doctor(local)

    assert run.returncode == 0, run.stdout
    assert run.by_status("warning") == {"leftovers"}
    result = run.result("leftovers")
    assert left.test_cameras[0] in result["detail"]
    assert "removed" in result["detail"]
    assert_nothing_left(local)


@pytest.fixture
def ntfy_destination(local: LocalStackProcess) -> Iterator[FakeNtfy]:
    """A ntfy destination (added with 'vstarcam-push notify add') on a fake ntfy server."""
    fake = FakeNtfy()
    fake.start()
    try:
        notify(local, "add", "ntfy", "lan-ntfy", "--url", fake.url)
        yield fake
        notify(local, "remove", "lan-ntfy")
    finally:
        fake.stop()


def _test_deliveries(local: LocalStackProcess) -> list[str]:
    table = local.outputs.raw["DeliveriesTableName"]
    return [
        item["deliveryId"]["S"]
        for item in local.client("dynamodb").scan(TableName=table)["Items"]
        if item["deliveryId"]["S"].startswith("DOCTOR")
    ]


def test_push_channels_get_the_test_alarm_only_with_channels(
    local: LocalStackProcess, ntfy_destination: FakeNtfy
) -> None:
    """GIVEN a ntfy push destination
    WHEN doctor runs without --channels THEN ntfy receives nothing, and the check says the
    destination was not sent the test;
    WHEN doctor runs with --channels THEN ntfy receives the test alarm's picture once and the
    check is ok; and either way no delivery record of the test alarm is left."""
    run = run_doctor(local)

    assert run.returncode == 0, run.stdout + run.stderr
    result = run.result("push channels")
    assert result["status"] == "skipped"
    assert "lan-ntfy" in result["detail"] and "--channels" in result["detail"]
    assert ntfy_destination.received == []

    run = run_doctor(local, "--channels")

    assert run.returncode == 0, run.stdout + run.stderr
    assert run.result("push channels") == {
        "check": "push channels",
        "status": "ok",
        "detail": "the test alarm was delivered to lan-ntfy",
    }
    (received,) = ntfy_destination.received
    assert received.body[:3] == b"\xff\xd8\xff"
    assert "DOCTORPUSH" in received.headers["title"]
    assert _test_deliveries(local) == []
    assert_nothing_left(local)


def test_a_web_push_device_the_stack_may_not_send_to_is_withheld_not_failed(
    local: LocalStackProcess,
) -> None:
    """GIVEN a web push device whose owner is no console user any more (the stack removes
    it at its next push, as it withholds a viewer's device from cameras not of their sites)
    WHEN doctor runs with --channels THEN the check is ok and says the test alarm was
    withheld from it, not that delivery failed; the device is gone afterwards."""
    raw = local.outputs.raw
    dynamodb = local.client("dynamodb")
    devices = WebPushDevices(
        DestinationStore(dynamodb, raw["DestinationsTableName"]),
        SecretStore(local.client("ssm"), raw["DestinationSecretsPrefix"]),
    )
    subscription = Subscription.parse(
        FakeBrowser("https://push.example.com/send/doctor-ghost").subscription()
    )
    device = device_destination("ghost@example.com", "Phone", subscription, Filters(), 0)
    devices.save(device, subscription)

    run = run_doctor(local, "--channels")

    assert run.returncode == 0, run.stdout + run.stderr
    result = run.result("push channels")
    assert result["status"] == "ok", result
    assert f"withheld from {device.name}" in result["detail"]
    assert "failed" not in result["detail"]
    assert devices.get(device.name) is None
    assert _test_deliveries(local) == []
    assert_nothing_left(local)
