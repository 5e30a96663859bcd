"""Deploying is three commands with nothing to guess: the committed samconfig.toml decides the
stack's settings, `make deploy` asks only what is the user's (region, the console's first user,
where notifications go) and runs `sam deploy` with it; no AWS call here."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from vstarcam_tools import deploy
from vstarcam_tools.cli.common import DEFAULT_STACK
from vstarcam_tools.template import PROJECT_ROOT, load_template

SAMCONFIG = PROJECT_ROOT / "samconfig.toml"
ANSWERED = {
    "Region": "eu-west-1",
    "ConsoleAdminEmail": "me@example.com",
    "NotificationEmail": "",
    "NotificationPhone": "+14155550100",
}


def test_samconfig_holds_the_stacks_settings_and_nothing_of_a_users() -> None:
    config = tomllib.loads(SAMCONFIG.read_text())["default"]
    settings = config["deploy"]["parameters"]
    assert settings["stack_name"] == DEFAULT_STACK == config["global"]["parameters"]["stack_name"]
    assert settings["capabilities"] == "CAPABILITY_IAM"
    assert settings["resolve_s3"] is True and settings["confirm_changeset"] is True
    assert not {"region", "profile", "parameter_overrides", "s3_bucket"} & set(settings)
    ignored = (PROJECT_ROOT / ".gitignore").read_text().splitlines()
    assert "deploy-answers.toml" in ignored and "samconfig.toml" not in ignored


def test_every_parameter_but_the_asked_ones_has_a_default() -> None:
    parameters = load_template()["Parameters"]
    assert set(deploy.PARAMETERS) <= set(parameters)
    assert [name for name, spec in parameters.items() if "Default" not in spec] == []


def scripted(*lines: str) -> Iterator[str]:
    yield from lines
    raise AssertionError("asked more questions than scripted")


def test_the_questions_refuse_what_the_stack_would_and_keep_the_defaults() -> None:
    lines = scripted("", "not-an-email", "me@example.com", "me@", "", "0155", "+14155550100")
    said: list[str] = []
    prompts: list[str] = []

    def read(prompt: str) -> str:
        prompts.append(prompt)
        return next(lines)

    answers = deploy.ask({}, "eu-west-1", read=read, write=said.append)

    assert answers == ANSWERED
    assert prompts[0] == "AWS region to deploy to [eu-west-1]: "
    assert len(prompts) == 7 and all(p.endswith(": ") for p in prompts)
    assert said == [
        "  ConsoleAdminEmail='not-an-email': an email address, or empty",
        "  'me@' is not an email address",
        "  NotificationPhone='0155': an E.164 phone number such as +14155550100, or empty",
    ]


def test_asking_again_offers_the_earlier_answers() -> None:
    prompts: list[str] = []
    answers = deploy.ask(ANSWERED, None, read=lambda p: prompts.append(p) or "", write=print)
    assert answers == ANSWERED
    assert prompts[1].endswith("(empty: none) [me@example.com]: ")


def test_a_region_is_needed(capsys: pytest.CaptureFixture[str]) -> None:
    lines = scripted("", "eu west", "eu-west-1", "", "", "")
    answers = deploy.ask({}, None, read=lambda _: next(lines), write=print)
    assert answers["Region"] == "eu-west-1"
    assert capsys.readouterr().out.splitlines() == [
        "  an answer is needed",
        "  'eu west' is not a region name",
    ]


def test_answers_are_kept_for_the_next_deploy(tmp_path: Path) -> None:
    path = tmp_path / "deploy-answers.toml"
    deploy.save_answers({**ANSWERED, "NotificationEmail": 'a"b@example.com'}, path)
    assert deploy.load_answers(path) == {**ANSWERED, "NotificationEmail": 'a"b@example.com'}
    assert deploy.load_answers(tmp_path / "none.toml") == {}


def test_the_command_passes_every_answer_and_more_overrides() -> None:
    command = deploy.deploy_command(
        ANSWERED, ["--parameter-overrides", "RetentionDays=90", "--no-confirm-changeset"], "sam"
    )
    assert command == [
        "sam",
        "deploy",
        "--region",
        "eu-west-1",
        "--parameter-overrides",
        'ConsoleAdminEmail="me@example.com" NotificationEmail="" NotificationPhone="+14155550100" '
        "RetentionDays=90",
        "--no-confirm-changeset",
    ]


@pytest.mark.slow
def test_sam_deploy_reads_the_committed_config_and_the_answers() -> None:
    """GIVEN the command make deploy runs
    WHEN SAM CLI's own `sam deploy` parses it (in the project, so with samconfig.toml), without
    running it
    THEN the stack name, capabilities, managed bucket and change set confirmation come from
    samconfig.toml and the parameters are the answers, an empty one included."""
    command = deploy.deploy_command(ANSWERED, [], "sam")
    script = (
        "import json, sys\n"
        "from samcli.commands.deploy.command import cli\n"
        "params = cli.make_context('deploy', sys.argv[1:]).params\n"
        "keys = ('stack_name', 'capabilities', 'resolve_s3', 's3_prefix', 'confirm_changeset',"
        " 'parameter_overrides')\n"
        "print(json.dumps({key: params[key] for key in keys}))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script, *command[2:]],
        cwd=PROJECT_ROOT,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    import json

    assert json.loads(ran.stdout.splitlines()[-1]) == {
        "stack_name": DEFAULT_STACK,
        "capabilities": ["CAPABILITY_IAM"],
        "resolve_s3": True,
        "s3_prefix": DEFAULT_STACK,
        "confirm_changeset": True,
        "parameter_overrides": {
            "ConsoleAdminEmail": "me@example.com",
            "NotificationEmail": "",
            "NotificationPhone": "+14155550100",
        },
    }


def test_make_deploy_prints_the_command_and_asks_nothing_once_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "deploy-answers.toml"
    deploy.save_answers(ANSWERED, answers)
    monkeypatch.setattr(deploy, "ANSWERS", answers)
    monkeypatch.setattr("builtins.input", lambda _: pytest.fail("asked a question"))

    assert deploy.main(["--print"]) == 0

    out = capsys.readouterr().out
    assert " deploy --region eu-west-1 --parameter-overrides ConsoleAdminEmail=" in out
