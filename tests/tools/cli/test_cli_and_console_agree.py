"""The console registers and removes cameras with the same rules and words as the CLI."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from vstarcam_tools.outputs import StackOutputs
from vstarcam_tools.template import Stack

from tests.conftest import VUID, load_function
from tests.console.conftest import Console
from tests.tools.cli.conftest import Result


@pytest.fixture
def console(stack: Stack, deployed: StackOutputs, monkeypatch: pytest.MonkeyPatch) -> Console:
    import boto3

    return Console(
        load_function(stack, "ConsoleApiFunction", monkeypatch),
        stack,
        boto3.client("dynamodb"),
        boto3.client("s3"),
    )


def test_add_update_and_remove_say_what_the_cli_says(
    cli: Callable[..., Result], console: Console
) -> None:
    cli_added = cli("cameras", "add", VUID, "--name", "Front door").out.splitlines()[0]
    cli_updated = cli("cameras", "add", VUID, "--name", "Front door").out.splitlines()[0]
    cli_removed = cli("cameras", "remove", VUID).out.strip()
    cli_missing = cli("cameras", "remove", VUID).err

    added = console.call("POST /api/cameras", body={"vuid": VUID, "name": "Front door"})
    updated = console.call("POST /api/cameras", body={"vuid": VUID, "name": "Front door"})
    removed = console.call("DELETE /api/cameras/{vuid}", path={"vuid": VUID})
    missing = console.call("DELETE /api/cameras/{vuid}", path={"vuid": VUID})

    assert added.body["message"] == cli_added
    assert updated.body["message"] == cli_updated
    assert removed.body["message"] == cli_removed
    assert missing.body["message"] in cli_missing


def test_a_bad_vuid_is_refused_for_the_same_reason(
    cli: Callable[..., Result], console: Console
) -> None:
    cli_error = cli("cameras", "add", "VE-1").err
    reply = console.call("POST /api/cameras", body={"vuid": "VE-1"})
    assert reply.status == 400
    assert reply.body["message"].removeprefix("vuid: ") in cli_error


def test_a_name_too_long_is_refused_with_the_same_words(
    cli: Callable[..., Result], console: Console
) -> None:
    """One name rule: the CLI refuses a name over 64 characters as the console does (it
    used to cut it), and neither registers the camera."""
    name = "Front door " * 6
    cli_error = cli("cameras", "add", VUID, "--name", name)
    reply = console.call("POST /api/cameras", body={"vuid": VUID, "name": name})
    assert cli_error.code == 1 and reply.status == 400
    assert reply.body["message"] == "name is longer than 64 characters"
    assert reply.body["message"] in cli_error.err
    assert console.module.api.cameras.registry.get(VUID) is None
