"""The local stack keeps its state across restarts, as a user would see it.

GIVEN ``vstarcam-push local`` with a state folder WHEN a camera is registered with the
CLI, pushes an alarm with a picture, a push destination with a secret is added, and the
stack is stopped (SIGTERM, as Ctrl-C) and started again on the same ports THEN the same
push URL is accepted, the alarm and its picture are there, the console password signs
in and the destination and its secret are kept; and after a ``kill -9`` of the stack's
whole process group, the same, the second alarm included once a snapshot was taken.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.media import MediaStore
from vstarcam_push.models.alarm import Alarm
from vstarcam_tools.camera.simulator import load_testdata
from vstarcam_tools.cli.main import main
from vstarcam_tools.local.snapshot import SNAPSHOT

from tests.e2e.helpers import new_vuid, post_alarm, post_heartbeat, reply_of
from tests.e2e.localstack import LocalStackProcess, start_local_stack

pytestmark = pytest.mark.slow

PASSWORD = "Kept-across-restarts-1"
BOT_TOKEN = "123456:kept-token"
WAIT_S = 30.0


@pytest.fixture
def stacks() -> Iterator[list[LocalStackProcess]]:
    """Every stack a test starts, stopped whatever happens."""
    started: list[LocalStackProcess] = []
    yield started
    for stack in started:
        stack.kill()


def _start(
    stacks: list[LocalStackProcess], state: Path, *extra: str, like: LocalStackProcess | None = None
) -> LocalStackProcess:
    """A stack on ``state`` (on ``like``'s ports: the URLs handed out stay the same)."""
    args = list(extra)
    if like is not None:
        args += ["--port", str(urlsplit(like.base_url).port)]
        args += ["--aws-port", str(urlsplit(like.endpoint).port)]
    stack = start_local_stack(
        schedule_rate=None, state_dir=state, own_session=True, extra_args=args
    )
    stacks.append(stack)
    return stack


def _cli(
    stack: LocalStackProcess, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., str]:
    for name, value in stack.aws_environment().items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("TELEGRAM_TOKEN", BOT_TOKEN)

    def run(*argv: str) -> str:
        capsys.readouterr()
        assert main(list(argv)) == 0, capsys.readouterr().err
        return capsys.readouterr().out

    return run


def _stored(stack: LocalStackProcess, vuid: str, count: int) -> list[Alarm]:
    """The camera's alarms once ``count`` are stored with their picture (bounded wait)."""
    alarms = AlarmStore(stack.client("dynamodb"), stack.outputs.alarms_table)
    deadline = time.monotonic() + WAIT_S
    while True:
        found = alarms.for_camera(vuid, limit=10)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _picture(stack: LocalStackProcess, alarm: Alarm) -> bytes:
    return MediaStore(stack.client("s3"), stack.outputs.media_bucket).get(alarm.picture.key)


def _sign_in(stack: LocalStackProcess) -> str:
    answer = stack.client("cognito-idp").initiate_auth(
        ClientId=stack.outputs.raw["ConsoleUserPoolClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "admin", "PASSWORD": PASSWORD},
    )
    return str(answer["AuthenticationResult"]["AccessToken"])


def _snapshot_with(state: Path, text: str) -> None:
    """Wait (bounded) for a snapshot that holds ``text`` (an alarm id: pickles keep strings
    as they are)."""
    deadline = time.monotonic() + WAIT_S
    while text.encode() not in (state / SNAPSHOT).read_bytes():
        assert time.monotonic() < deadline, f"no snapshot holds {text}"
        time.sleep(0.1)


def test_a_camera_its_alarms_and_the_console_survive_a_stop_and_a_kill_9(
    stacks: list[LocalStackProcess],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    state = tmp_path / "state"
    vuid = new_vuid()
    picture = load_testdata("motion.jpg")
    first = _start(stacks, state, "--console-password", PASSWORD)
    assert any(line.startswith(f"State: {state} (new)") for line in first.lines)
    cli = _cli(first, monkeypatch, capsys)
    cli("cameras", "add", vuid, "--name", "Gate")
    urls = json.loads(cli("cameras", "urls", vuid, "--json"))
    heartbeat_url, alarm_url = urls["heartbeatUrl"], urls["alarmUrl"]
    assert reply_of(post_alarm(alarm_url, vuid, picture=picture, key=None), 200) == "Success"
    (alarm,) = _stored(first, vuid, 1)
    first.wait_for_line(rf"SNS +alarm +{vuid}")
    # No alarm after this one reaches the destination: it takes another camera only.
    cli("notify", "add", "telegram", "phone", "--chat-id", "42", "--token-env", "TELEGRAM_TOKEN",
        "--cameras", new_vuid())  # fmt: skip
    assert first.stop() == 0

    # -- a clean stop (SIGTERM, as Ctrl-C) and a start -----------------------------------
    second = _start(stacks, state, like=first)
    assert any("restored from the last run" in line for line in second.lines)
    assert any("password unchanged since the last run" in line for line in second.lines)
    cli = _cli(second, monkeypatch, capsys)
    assert reply_of(post_heartbeat(heartbeat_url, vuid, key=None), 200) == "Success"
    assert [a.alarm_id for a in _stored(second, vuid, 1)] == [alarm.alarm_id]
    assert _picture(second, alarm) == picture
    assert _sign_in(second)
    assert "phone" in cli("notify", "list")
    secret = second.client("ssm").get_parameters_by_path(
        Path="/", Recursive=True, WithDecryption=True
    )["Parameters"]
    assert BOT_TOKEN in [parameter["Value"] for parameter in secret]
    # What the last run's topic sent is not told again.
    assert not [line for line in second.lines if re.search(rf"SNS +alarm +{vuid}", line)]

    # -- a kill -9 of the whole process group, once a snapshot has the second alarm -------
    night = load_testdata("night.jpg")
    assert reply_of(post_alarm(alarm_url, vuid, picture=night, key=None), 200) == "Success"
    stored = {a.alarm_id: a for a in _stored(second, vuid, 2)}
    (later,) = set(stored) - {alarm.alarm_id}
    _snapshot_with(state, later)
    second.kill()

    third = _start(stacks, state, like=first)
    assert reply_of(post_heartbeat(heartbeat_url, vuid, key=None), 200) == "Success"
    kept = {a.alarm_id: a for a in _stored(third, vuid, 2)}
    assert set(kept) == set(stored)
    assert _picture(third, kept[alarm.alarm_id]) == picture
    assert _picture(third, kept[later]) == night
    assert _sign_in(third)
