"""Only the camera can push: its push key in the URL path, checked with no extra AWS call.

A wrong or missing key is answered exactly like an unknown camera, counted by
reason; the key never reaches a log line or a metric.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest
from moto import mock_aws
from vstarcam_push.dal.push_key_secret import SecretUnavailable, load_secret

from tests.conftest import (
    PUSH_KEY,
    VUID,
    WRONG_KEY,
    alarm_event,
    heartbeat_event,
    invoke,
    reply_of,
)
from tests.integration.conftest import Aws, AwsSpy, Emf, LoadFunction, LogCapture, metric

SUCCESS = {"code": "200", "message": "Success"}
STRANGER = "VE0009999ZZZZ"


def refusal(response: dict[str, object], vuid: str = VUID) -> str:
    """The 403's message with the vuid the sender gave taken out: the same for every reason."""
    document = reply_of(response)  # type: ignore[arg-type]
    assert document["code"] == "403"
    return document["message"].replace(vuid, "<vuid>")


def test_a_wrong_or_missing_key_is_answered_exactly_like_an_unknown_camera(
    aws: Aws, functions: LoadFunction, emf: Emf, logs: LogCapture
) -> None:
    """GIVEN a registered camera
    WHEN heartbeats and alarms come with a wrong key, a malformed key, no key, or for an
    unknown vuid
    THEN every one gets the same 403 and message (but for the vuid the sender named),
    and the metrics count each reason apart."""
    aws.register()
    heartbeat, alarm = functions("HeartbeatFunction"), functions("AlarmFunction")
    logs.attach("heartbeat")
    emf()

    messages = {
        refusal(invoke(heartbeat, heartbeat_event({"vuid": VUID}, key=WRONG_KEY))),
        refusal(invoke(heartbeat, heartbeat_event({"vuid": VUID}, key="short"))),
        refusal(invoke(heartbeat, heartbeat_event({"vuid": VUID}, key=None))),
        refusal(invoke(heartbeat, heartbeat_event({"vuid": STRANGER})), STRANGER),
        refusal(invoke(alarm, alarm_event(key=WRONG_KEY))),
        refusal(invoke(alarm, alarm_event(key=None))),
        refusal(invoke(alarm, alarm_event(vuid=STRANGER)), STRANGER),
    }

    assert len(messages) == 1
    # The heartbeat's refusals are counted from their log lines (metric filters), the
    # alarm's as metrics.
    heartbeat_reasons = [line["reason"] for line in logs.lines() if "reason" in line]
    assert heartbeat_reasons == ["wrong_key", "wrong_key", "missing_key", "unknown_camera"]
    blobs = emf()
    assert metric(blobs, "Refusals", reason="wrong_key") == 1
    assert metric(blobs, "Refusals", reason="missing_key") == 1
    assert metric(blobs, "Refusals", reason="unknown_camera") == 1
    assert aws.alarms() == [] and aws.media_keys() == []
    camera = aws.camera()
    assert camera is not None and "lastSeen" not in camera


def test_the_key_never_reaches_the_logs_or_metrics(
    aws: Aws, functions: LoadFunction, logs: LogCapture, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.register()
    heartbeat, alarm = functions("HeartbeatFunction"), functions("AlarmFunction")
    logs.attach("heartbeat")
    logs.attach("alarm")

    for module, event in (
        (heartbeat, heartbeat_event({"vuid": VUID})),
        (heartbeat, heartbeat_event({"vuid": VUID}, key=WRONG_KEY)),
        (alarm, alarm_event()),
        (alarm, alarm_event(key=WRONG_KEY)),
    ):
        invoke(module, event)

    written = json.dumps(logs.lines()) + capsys.readouterr().out
    assert PUSH_KEY not in written and WRONG_KEY not in written
    assert VUID in written


def test_the_alarm_checks_the_key_on_its_one_read(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN a registered camera WHEN it pushes an alarm THEN the calls are those of an alarm
    without keys: one BatchGetItem (reading the key's hash, consistently), the media put,
    the record put, the camera update; a wrong key stops after the read."""
    aws.register()
    alarm = functions("AlarmFunction")
    with spy.watching() as calls:
        assert reply_of(invoke(alarm, alarm_event())) == SUCCESS
    assert spy.operations() == ["BatchGetItem", "PutObject", "PutItem", "UpdateItem"]
    cameras = calls[0].params["RequestItems"][aws.cameras_table]
    assert "pushKeyHash" in cameras["ProjectionExpression"] and cameras["ConsistentRead"]

    with spy.watching():
        assert reply_of(invoke(alarm, alarm_event(key=WRONG_KEY)))["code"] == "403"
    assert spy.operations() == ["BatchGetItem"]


def test_require_push_key_false_opens_the_bare_routes_to_registered_cameras(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN RequirePushKey=false WHEN a registered camera pushes to the bare routes THEN it is
    accepted; an unknown camera is still refused, and a wrong key on the keyed route too."""
    aws.register()
    heartbeat = functions("HeartbeatFunction", REQUIRE_PUSH_KEY="false")
    alarm = functions("AlarmFunction", REQUIRE_PUSH_KEY="false")

    assert reply_of(invoke(heartbeat, heartbeat_event({"vuid": VUID}, key=None))) == SUCCESS
    assert reply_of(invoke(alarm, alarm_event(key=None))) == SUCCESS
    unknown = invoke(heartbeat, heartbeat_event({"vuid": STRANGER}, key=None))
    assert reply_of(unknown)["code"] == "403"
    wrong = invoke(heartbeat, heartbeat_event({"vuid": VUID}, key=WRONG_KEY))
    assert reply_of(wrong)["code"] == "403"


def test_the_template_requires_push_keys_by_default(aws: Aws) -> None:
    functions = aws.stack.functions()
    for name in ("HeartbeatFunction", "AlarmFunction"):
        assert functions[name].environment["REQUIRE_PUSH_KEY"] == "true"
    assert aws.stack.parameters["RequirePushKey"] == "true"


# -- the alarm rate limit --------------------------------------------------------------


def test_over_the_alarm_rate_limit_a_push_is_answered_429_and_nothing_is_stored(
    aws: Aws, functions: LoadFunction, spy: AwsSpy, emf: Emf
) -> None:
    """GIVEN AlarmRateLimit=3 WHEN a camera pushes 5 different alarms within a minute
    THEN 3 are stored and the other 2 are answered 429 in the wire shape after the one read,
    with nothing stored; a minute later the camera may push again."""
    aws.register()
    alarm = functions("AlarmFunction", ALARM_RATE_LIMIT="3")
    start_ms = 1_795_700_000_000
    emf()

    codes = []
    for number in range(5):
        event = alarm_event(start_ms + number * 1000, picture=b"\xff\xd8\xff" + bytes([number]))
        with spy.watching():
            codes.append(reply_of(invoke(alarm, event))["code"])
    assert spy.operations() == ["BatchGetItem"]  # the last one: refused after its read

    assert codes == ["200", "200", "200", "429", "429"]
    assert len(aws.alarms()) == 3 and len(aws.media_keys()) == 3
    assert metric(emf(), "Refusals", reason="alarm_rate") == 2
    later = alarm_event(start_ms + 61_000, picture=b"\xff\xd8\xff\x09")
    assert reply_of(invoke(alarm, later)) == SUCCESS
    camera = aws.camera()
    assert camera is not None
    assert camera["alarmWindow"] == {"N": str((start_ms + 61_000) // 1000)}
    assert camera["alarmCount"] == {"N": "1"}


def test_retries_of_a_stored_alarm_are_answered_200_and_not_counted(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN AlarmRateLimit=2 WHEN a camera stores one alarm and retries it 5 times (a
    camera whose replies were lost, or its main and sub server both pointing here)
    THEN every retry is answered 200 and the count stays 1, so a second alarm is stored;
    once the limit is reached, a retry of a stored alarm is still 200, a new one 429."""
    aws.register()
    alarm = functions("AlarmFunction", ALARM_RATE_LIMIT="2")
    start_ms = 1_795_700_000_000
    first = alarm_event(start_ms, picture=b"\xff\xd8\xff\x01")

    codes = [reply_of(invoke(alarm, first))["code"] for _ in range(6)]

    assert codes == ["200"] * 6
    camera = aws.camera()
    assert camera is not None and camera["alarmCount"] == {"N": "1"}
    second = alarm_event(start_ms + 1000, picture=b"\xff\xd8\xff\x02")
    assert reply_of(invoke(alarm, second)) == SUCCESS
    third = alarm_event(start_ms + 2000, picture=b"\xff\xd8\xff\x03")
    assert reply_of(invoke(alarm, third))["code"] == "429"
    assert reply_of(invoke(alarm, first)) == reply_of(invoke(alarm, second)) == SUCCESS
    assert len(aws.alarms()) == 2 and len(aws.media_keys()) == 2


def test_the_rate_limit_is_per_camera(aws: Aws, functions: LoadFunction) -> None:
    aws.register()
    aws.register("OKB0379853SNLJ", "Garage")
    alarm = functions("AlarmFunction", ALARM_RATE_LIMIT="1")
    now_ms = 1_795_700_000_000

    first = invoke(alarm, alarm_event(now_ms))
    other = invoke(alarm, alarm_event(now_ms, vuid="OKB0379853SNLJ"))

    assert reply_of(first) == reply_of(other) == SUCCESS


class _RacedSsm:
    """A real (moto) SSM client whose first read misses the secret another tool writes
    right then: two first ``cameras add`` racing to make the stack's secret."""

    def __init__(self, client: Any, winner: str) -> None:
        self._client = client
        self._winner = winner
        self.exceptions = client.exceptions
        self.missed = False

    def get_parameter(self, **params: Any) -> Any:
        if not self.missed:
            self.missed = True
            self._client.put_parameter(Name=params["Name"], Value=self._winner, Type="SecureString")
            raise self._client.exceptions.ParameterNotFound(
                {"Error": {"Code": "ParameterNotFound", "Message": ""}}, "GetParameter"
            )
        return self._client.get_parameter(**params)

    def put_parameter(self, **params: Any) -> Any:
        return self._client.put_parameter(**params)


def test_two_first_uses_racing_to_make_the_secret_both_get_the_winners() -> None:
    """GIVEN no secret yet, and another tool writing one between this read and this write
    THEN this tool neither overwrites it nor keeps its own: both derive keys from one
    secret, so the winner's keys keep working."""
    winner = base64.b64encode(bytes(range(32))).decode("ascii")
    name = "/vstarcam-push/push-key-secret"
    with mock_aws():
        client = boto3.client("ssm", region_name="us-east-1")
        raced = _RacedSsm(client, winner)

        secret = load_secret(raced, name, create=True)

        assert raced.missed
        assert secret == bytes(range(32))
        stored = client.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        assert stored["Value"] == winner and stored["Version"] == 1


def test_the_secret_made_on_first_use_is_a_described_securestring() -> None:
    name = "/vstarcam-push/push-key-secret"
    with mock_aws():
        client = boto3.client("ssm", region_name="us-east-1")

        secret = load_secret(client, name, create=True)

        assert len(secret) == 32 and load_secret(client, name, create=False) == secret
        (described,) = client.describe_parameters()["Parameters"]
        assert described["Type"] == "SecureString"
        assert described["Description"] == (
            "vstarcam-push: the secret every camera's push key derives from"
        )


@pytest.mark.parametrize(
    "stored",
    [
        "not base64 at all!",
        base64.b64encode(bytes(32)).decode("ascii") + "!",  # 32 bytes once the "!" is dropped
        base64.b64encode(bytes(16)).decode("ascii"),
    ],
)
def test_a_parameter_that_is_not_exactly_32_bytes_of_base64_is_refused(stored: str) -> None:
    name = "/vstarcam-push/push-key-secret"
    with mock_aws():
        client = boto3.client("ssm", region_name="us-east-1")
        client.put_parameter(Name=name, Value=stored, Type="SecureString")

        with pytest.raises(SecretUnavailable) as refused:
            load_secret(client, name, create=True)

    assert str(refused.value) == (
        f"the SSM parameter {name} is not a push key secret (32 bytes, base64)"
    )
