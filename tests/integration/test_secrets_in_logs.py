"""No secret reaches a log at the most verbose log level the template offers.

Lambda's Python runtime sets the root logger to the function's ``ApplicationLogLevel``
before it imports the handler, so at ``LogLevel=DEBUG`` or ``TRACE`` every library that
logs through ``logging`` writes its DEBUG lines to CloudWatch: botocore the responses it
parses (SSM's decrypted SecureStrings: the push-key secret, the channels' tokens), the
parameters it sends and the request it signs (the role's session token); urllib3 every
request line (a Telegram bot token, Discord and Slack webhook secrets are in the path).

GIVEN the runtime's root logger at the most verbose offered level and every function of
the template loaded as Lambda loads it, with known secrets: the push-key secret (made by
the console API), a camera's push key, a console user's bearer token, a media link token,
the role's session token, and a token or secret for each push channel
WHEN the console registers a camera and shows its URLs, the camera sends a heartbeat and
an alarm, the notifier, media processing and the delivery function run (to fake services
on 127.0.0.1), the media link is opened, the sweep runs and the console page is served
THEN no secret appears in anything written: the root logger's output, the functions' own
loggers and stdout/stderr.
"""

from __future__ import annotations

import io
import json
import logging
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.events.models import EventPattern
from vstarcam_push.dal.console_users import ConsoleUsers
from vstarcam_push.dal.destinations import DestinationStore
from vstarcam_push.dal.secrets import SecretStore
from vstarcam_push.delivery import channels as channels_package
from vstarcam_push.models.access import ADMIN, Access
from vstarcam_push.models.destination import Destination, Filters
from vstarcam_push.runtime.logs import WIRE_LOGGERS
from vstarcam_tools.camera.simulator import load_testdata
from vstarcam_tools.events import LambdaContext, console_event, link_event, scheduled_event
from vstarcam_tools.template import Stack, load_template

from tests.conftest import (
    REGION,
    VUID,
    WRONG_KEY,
    alarm_event,
    heartbeat_event,
    register_camera,
    reply_of,
)
from tests.integration.conftest import (
    DeliveryPath,
    LoadFunction,
    LogCapture,
    Pipeline,
    StreamReader,
)
from tests.push_fakes import (
    FakeDiscord,
    FakeNtfy,
    FakePushover,
    FakeSlack,
    FakeTelegram,
    FakeWebhookReceiver,
    running,
)
from tests.web_push_fakes import FakePushService

PICTURE = load_testdata("motion.jpg")
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLEsessionTokenOfTheFunctionRole0123456789"
BEARER_TOKEN = "eyJraWQiOiJjb25zb2xlIn0.eyJzdWIiOiJ1c2VyLTEifQ.consoleUserAccessTokenSig"
NTFY_TOKEN = "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def most_verbose_offered_level() -> str:
    """The first of the LogLevel parameter's allowed values (they go from TRACE up)."""
    offered = load_template()["Parameters"]["LogLevel"]["AllowedValues"]
    order = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
    return min(offered, key=order.index)


class Written:
    """Everything the functions write: what Lambda's runtime handler on the root logger
    gets (at the function's level, as the runtime sets it), the functions' own loggers'
    lines, and stdout/stderr."""

    def __init__(self, root: io.StringIO, logs: LogCapture, capsys: pytest.CaptureFixture[str]):
        self._root = root
        self._logs = logs
        self._capsys = capsys
        self._printed: list[str] = []

    def text(self) -> str:
        captured = self._capsys.readouterr()
        self._printed += [captured.out, captured.err]
        own = "\n".join(json.dumps(line) for line in self._logs.lines())
        return "\n".join([self._root.getvalue(), own, *self._printed])


@pytest.fixture
def written(
    stack: Stack,
    monkeypatch: pytest.MonkeyPatch,
    logs: LogCapture,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Written]:
    """Lambda's runtime at the most verbose offered level: ``AWS_LAMBDA_LOG_LEVEL`` set and
    the root logger at that level with its handler, before any handler module is loaded
    (and after the test's stack was made in moto: that is not a function's doing)."""
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", most_verbose_offered_level())
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    root = logging.getLogger()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # the runtime's mapping of TRACE: Python has no lower level
    try:
        yield Written(buffer, logs, capsys)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def forms(secret: str) -> set[str]:
    """A secret as it may be written: as it is, URL-quoted, JSON-escaped."""
    return {
        secret,
        urllib.parse.quote(secret),
        urllib.parse.quote(secret, safe=""),
        json.dumps(secret)[1:-1],
    }


def add_destination(
    stack: Stack, name: str, channel: str, secrets: dict[str, str], **settings: str
) -> None:
    """As ``vstarcam-push notify add`` stores a destination and its secrets."""
    service = channels_package.channel(channel)
    DestinationStore(
        boto3.client("dynamodb", region_name=REGION), stack.physical_name("DestinationsTable")
    ).add(
        Destination(
            name=name,
            channel=channel,
            target=service.target(settings, secrets),
            settings=settings,
            secret_fields=tuple(sorted(secrets)),
            filters=Filters(),
            created_at=int(time.time()),
        )
    )
    SecretStore(boto3.client("ssm", region_name=REGION), "/vstarcam-push/notify/").put(
        name, secrets
    )


def console_call(module: Any, route: str, path: dict[str, str] | None = None, body: Any = None):
    event = console_event(route, path)
    event["headers"]["authorization"] = f"Bearer {BEARER_TOKEN}"
    if body is not None:
        event["body"] = json.dumps(body)
        event["headers"]["content-type"] = "application/json"
    response = module.lambda_handler(event, LambdaContext(aws_request_id="console"))
    return response["statusCode"], json.loads(response["body"])


def invoke(module: Any, event: dict[str, Any]) -> Any:
    return module.lambda_handler(event, LambdaContext(aws_request_id="r-1"))


def test_no_secret_is_written_at_the_most_verbose_offered_level(
    written: Written,
    stack: Stack,
    functions: LoadFunction,
    logs: LogCapture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A web push device on the fake push service (127.0.0.1): the local stack's setting.
    monkeypatch.setenv("WEB_PUSH_ALLOW_LOOPBACK", "true")
    # Each function as in its own fresh process: nothing has set the wire loggers' levels,
    # so only the function's own start-up can keep them quiet under the DEBUG root.
    loaded: dict[str, Any] = {}
    quiet: dict[str, bool] = {}
    for logical_id in stack.functions():
        for name in WIRE_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
        loaded[logical_id] = functions(logical_id)
        quiet[logical_id] = all(
            logging.getLogger(name).getEffectiveLevel() >= logging.INFO
            for name in (*WIRE_LOGGERS, "botocore.parsers", "urllib3.connectionpool")
        )
    assert quiet == dict.fromkeys(stack.functions(), True)
    for spec in stack.functions().values():
        service = spec.environment.get("POWERTOOLS_SERVICE_NAME")
        if service:
            logs.attach(service)
    ssm = boto3.client("ssm", region_name=REGION)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    # The same notify function the pipeline feeds: the one loaded above.
    pipeline = _pipeline(stack, loaded["NotifyFunction"])
    # The notifier's asynchronous invocations of the delivery function, run in process.
    path = DeliveryPath(stack, loaded["DeliveryFunction"], loaded["DeliveryFailedFunction"])
    path.attach(loaded["NotifyFunction"].notifier.push._lambda)
    telegram, ntfy = FakeTelegram(), FakeNtfy(token=NTFY_TOKEN)
    hook, discord, slack, pushover = (
        FakeWebhookReceiver(WEBHOOK_SECRET),
        FakeDiscord(),
        FakeSlack(),
        FakePushover(),
    )

    web = FakePushService()
    browser = web.browser()

    with running(telegram, ntfy, hook, discord, slack, pushover, web):
        # The console registers the camera (making the push-key secret) and shows its URLs.
        console = loaded["ConsoleApiFunction"]
        status, _ = console_call(console, "POST /api/cameras", body={"vuid": VUID, "name": "Door"})
        assert status == 201
        status, urls = console_call(console, "GET /api/cameras/{vuid}/urls", {"vuid": VUID})
        assert status == 200
        push_key = urls["heartbeatUrl"].rsplit("/", 1)[1]
        key_secret = ssm.get_parameter(Name="/vstarcam-push/push-key-secret", WithDecryption=True)[
            "Parameter"
        ]["Value"]

        # A console user's browser subscribes to web push (making the VAPID key); the
        # delivery reads the user's groups from the pool.
        ConsoleUsers(
            boto3.client("cognito-idp", region_name=REGION),
            stack.physical_name("ConsoleUserPool"),
        ).add("owner@example.com", Access("owner@example.com", ADMIN))
        assert console_call(console, "GET /api/push/key")[0] == 200
        subscribed = {"subscription": browser.subscription(), "name": "Phone"}
        assert console_call(console, "POST /api/push/devices", body=subscribed)[0] == 201
        vapid_key = ssm.get_parameter(Name="/vstarcam-push/webpush-vapid-key", WithDecryption=True)[
            "Parameter"
        ]["Value"]

        add_destination(
            stack, "phone", "telegram", {"token": telegram.token}, chat_id="4242",
            api_url=telegram.base_url,
        )  # fmt: skip
        add_destination(stack, "lan", "ntfy", {"url": ntfy.url, "token": NTFY_TOKEN})
        add_destination(
            stack, "home", "webhook", {"url": hook.url, "signing_secret": WEBHOOK_SECRET}
        )
        add_destination(stack, "chat", "discord", {"url": discord.url})
        add_destination(stack, "team", "slack", {"url": slack.url})
        add_destination(
            stack, "pager", "pushover", {"token": pushover.token, "user_key": pushover.user},
            api_url=pushover.url,
        )  # fmt: skip

        # The camera: a heartbeat with its key, one with a wrong key, an alarm.
        heartbeat = heartbeat_event({"vuid": VUID}, key=push_key)
        assert reply_of(invoke(loaded["HeartbeatFunction"], heartbeat))["code"] == "200"
        wrong = heartbeat_event({"vuid": VUID}, key=WRONG_KEY)
        assert reply_of(invoke(loaded["HeartbeatFunction"], wrong))["code"] == "403"
        alarm = alarm_event(key=push_key, picture=PICTURE)
        assert reply_of(invoke(loaded["AlarmFunction"], alarm))["code"] == "200"
        (stored,) = dynamodb.scan(TableName=stack.physical_name("AlarmsTable"))["Items"]
        link_token = stored["linkToken"]["S"]

        # The stream: media processing and the notifier; the queue: the delivery function.
        media_records = _media_records(stack)
        assert media_records
        assert invoke(loaded["MediaProcessFunction"], {"Records": media_records}) == {
            "batchItemFailures": []
        }
        records = pipeline.selected()
        assert records
        assert invoke(loaded["NotifyFunction"], {"Records": records}) == {"batchItemFailures": []}
        path.run(rounds=5)
        for fake in (telegram, ntfy, hook, discord, slack, pushover):
            assert len(fake.received) == 1, type(fake).__name__
        (pushed,) = web.received
        action_token = browser.decrypt(pushed.body)["actions"][0]["token"]
        assert (
            console_call(console, "POST /api/push/action", body={"token": action_token})[0] == 200
        )

        # The alarm email's link, the sweep and the console's page.
        link = f"https://api.example/alarms/{stored['alarmId']['S']}/picture?token={link_token}"
        assert invoke(loaded["MediaLinkFunction"], link_event(link))["statusCode"] == 302
        sweep_rule = "arn:aws:events:us-east-1:123456789012:rule/sweep"
        invoke(loaded["OfflineSweepFunction"], scheduled_event(sweep_rule))
        page = console_event("GET /")
        assert invoke(loaded["ConsoleFunction"], page)["statusCode"] == 200

    secrets = {
        "the push-key secret": key_secret,
        "the camera's push key": push_key,
        "a wrong push key": WRONG_KEY,
        "the console user's token": BEARER_TOKEN,
        "the media link token": link_token,
        "the role's session token": SESSION_TOKEN,
        "the Telegram bot token": telegram.token,
        "the ntfy access token": NTFY_TOKEN,
        "the webhook signing secret": WEBHOOK_SECRET,
        "the Discord webhook token": discord.path.rsplit("/", 1)[1],
        "the Slack webhook secret": slack.path.rsplit("/", 1)[1],
        "the Pushover token": pushover.token,
        "the Pushover user key": pushover.user,
        "the web push endpoint's path": browser.endpoint.split("/push/", 1)[1],
        "the browser's auth secret": browser.subscription()["keys"]["auth"],
        "the VAPID private key": vapid_key,
        "a notification's action token": action_token,
    }
    text = written.text()
    # Something was written (the capture works), and none of it is a secret.
    assert "alarm stored" in text
    leaked = sorted(
        name for name, secret in secrets.items() if any(form in text for form in forms(secret))
    )
    assert not leaked, "written: " + ", ".join(leaked)


def _pipeline(stack: Stack, notify: Any) -> Pipeline:
    from tests.integration.conftest import stream_subscriptions

    streams = boto3.client("dynamodbstreams", region_name=REGION)
    subscriptions = stream_subscriptions(stack)
    return Pipeline(
        notify=notify,
        subscriptions=subscriptions,
        readers={
            name: StreamReader(streams, subscription.stream_arn)
            for name, subscription in subscriptions.items()
        },
    )


def _media_records(stack: Stack) -> list[dict[str, Any]]:
    (event,) = stack.functions()["MediaProcessFunction"].events.values()
    properties = event["Properties"]
    patterns = [f["Pattern"] for f in properties["FilterCriteria"]["Filters"]]
    reader = StreamReader(boto3.client("dynamodbstreams", region_name=REGION), properties["Stream"])
    return [
        record
        for record in reader.read()
        if any(EventPattern.load(p).matches_event(record) for p in patterns)
    ]


# A token pasted with a line break in it: http.client refuses the header, and its
# ValueError quotes the header's value (the token) in its message.
BROKEN_NTFY_TOKEN = "tk_FirstHalfOfTheNtfyToken1234\ntk_SecondHalfOfTheNtfyToken5678"


def operations_messages(stack: Stack) -> list[str]:
    """What the operations topic sent its subscribers (email and SMS): subject and text."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    topic = sns_backends[DEFAULT_ACCOUNT_ID][REGION].topics[stack.physical_name("OperationsTopic")]
    return [f"{subject}\n{message}" for _, message, subject, _, _ in topic.sent_notifications]


def test_a_delivery_failing_every_attempt_tells_the_operations_topic_no_secret(
    written: Written,
    stack: Stack,
    functions: LoadFunction,
    logs: LogCapture,
) -> None:
    """GIVEN the runtime at the most verbose offered level, an alarm with a media link, and
    an ntfy destination whose token has a line break in it (so sending raises an error
    whose message quotes the Authorization header), on an ntfy that would answer
    WHEN the notifier hands the alarm to the delivery function, which fails, and fails
    Lambda's two retries, so Lambda sends the invocation's record to the function's
    on-failure destination, which tells the owner (the operations topic: email and SMS)
    THEN the owner is told in one sentence, and neither the ntfy token nor the media link
    token is in what the operations topic sent, in the record Lambda makes (the request
    and the error), or in anything written."""
    notify, delivery = functions("NotifyFunction"), functions("DeliveryFunction")
    failed = functions("DeliveryFailedFunction")
    for service in ("notify", "delivery", "delivery-failed"):
        logs.attach(service)
    pipeline = _pipeline(stack, notify)
    path = DeliveryPath(stack, delivery, failed)
    path.attach(notify.notifier.push._lambda)
    ntfy = FakeNtfy()
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    with running(ntfy):
        add_destination(stack, "lan", "ntfy", {"url": ntfy.url, "token": BROKEN_NTFY_TOKEN})
        register_camera(dynamodb, stack.physical_name("CamerasTable"), VUID, "Door", 180, 0)
        alarm = functions("AlarmFunction")
        assert reply_of(invoke(alarm, alarm_event(picture=PICTURE)))["code"] == "200"
        (stored,) = dynamodb.scan(TableName=stack.physical_name("AlarmsTable"))["Items"]
        assert invoke(notify, {"Records": pipeline.selected()}) == {"batchItemFailures": []}
        path.run(rounds=3)
    assert ntfy.received == []

    (record,) = path.failure_records
    # The owner is told in one sentence, naming the destination and the error's kind.
    (told,) = operations_messages(stack)
    assert told.startswith("VStarcam push: the push to lan failed\nThe alarm of camera")
    assert "the push to 'lan' (ntfy) failed unexpectedly: ValueError" in told
    secrets = {
        "the ntfy token (its first line)": BROKEN_NTFY_TOKEN.split("\n")[0],
        "the ntfy token (its second line)": BROKEN_NTFY_TOKEN.split("\n")[1],
        "the media link token": stored["linkToken"]["S"],
    }
    places = {
        "the operations topic": "\n".join(told),
        "Lambda's error record": json.dumps(record["responsePayload"]),
        "the request Lambda records": json.dumps(record["requestPayload"]),
        "the logs": written.text(),
    }
    leaked = sorted(
        f"{name} in {place}"
        for name, secret in secrets.items()
        for place, text in places.items()
        if any(form in text for form in forms(secret))
    )
    assert not leaked, "; ".join(leaked)
