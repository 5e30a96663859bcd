"""`make deploy`: `sam deploy` with the only questions that are the user's to answer.

Everything else about the stack is decided in the committed ``samconfig.toml`` (stack
name, capabilities, the SAM-managed artifacts bucket, a change set to confirm) and in
the template's parameter defaults. ``sam deploy --guided`` would ask all 22 template
parameters again and a dozen SAM questions (SAM CLI prompts for every parameter, with no
way to skip one), so this asks four, once: the AWS region, the web console's first user,
and where notifications go. The answers are kept in ``deploy-answers.toml`` (not
committed: they are yours) and used again by every later ``make deploy``; ``--ask``
asks again. Other parameters: ``make deploy ARGS="--parameter-overrides Key=Value"``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vstarcam_tools.template import PROJECT_ROOT, Stack

ANSWERS = PROJECT_ROOT / "deploy-answers.toml"
REGION_PATTERN = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    optional: bool


QUESTIONS = (
    Question("Region", "AWS region to deploy to", optional=False),
    Question(
        "ConsoleAdminEmail",
        "Your email: the web console's first user (Cognito emails it a temporary password)",
        optional=True,
    ),
    Question(
        "NotificationEmail",
        "Email for alarm and offline notifications (confirm the email SNS sends)",
        optional=True,
    ),
    Question(
        "NotificationPhone",
        "Phone for SMS notifications, E.164 like +14155550100",
        optional=True,
    ),
)
PARAMETERS = tuple(q.key for q in QUESTIONS if q.key != "Region")


def problem(key: str, value: str) -> str | None:
    """Why an answer would be refused (by CloudFormation, or by SNS for an email)."""
    if key == "Region":
        return None if REGION_PATTERN.fullmatch(value) else f"{value!r} is not a region name"
    if key == "NotificationEmail" and value and not EMAIL_PATTERN.fullmatch(value):
        return f"{value!r} is not an email address"
    try:
        Stack(overrides={key: value})
    except ValueError as error:
        return str(error)
    return None


def load_answers(path: Path | None = None) -> dict[str, str]:
    path = path or ANSWERS
    if not path.exists():
        return {}
    with path.open("rb") as file:
        return {key: str(value) for key, value in tomllib.load(file).items()}


def save_answers(answers: dict[str, str], path: Path | None = None) -> None:
    path = path or ANSWERS
    lines = [
        "# make deploy's answers for this stack (not committed: they are yours).",
        "# Edit them here, or run 'make deploy ARGS=--ask' to be asked again.",
        *(f"{key} = {_toml_string(answers[key])}" for key in (q.key for q in QUESTIONS)),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def ask(
    answers: dict[str, str],
    default_region: str | None,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
) -> dict[str, str]:
    """Each question, with the earlier answer (or the AWS region configured) as default;
    an answer the stack would refuse is asked again."""
    asked = dict(answers)
    for question in QUESTIONS:
        fallback = (default_region or "") if question.key == "Region" else ""
        default = answers.get(question.key, fallback)
        suffix = " (empty: none)" if question.optional else ""
        shown = f" [{default}]" if default else ""
        while True:
            value = read(f"{question.prompt}{suffix}{shown}: ").strip() or default
            if not value and not question.optional:
                write("  an answer is needed")
                continue
            reason = problem(question.key, value)
            if reason is None:
                break
            write(f"  {reason}")
        asked[question.key] = value
    return asked


def deploy_command(answers: dict[str, str], extra: list[str], sam: str) -> list[str]:
    """``sam deploy`` with the committed samconfig.toml, the region and the answered
    parameters (an empty answer too, so that clearing one reaches the stack)."""
    overrides = [f'{key}="{answers.get(key, "")}"' for key in PARAMETERS]
    if "--parameter-overrides" in extra:
        at = extra.index("--parameter-overrides")
        overrides += extra[at + 1 : at + 2]
        extra = extra[:at] + extra[at + 2 :]
    return [
        sam,
        "deploy",
        "--region",
        answers["Region"],
        "--parameter-overrides",
        " ".join(overrides),
        *extra,
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make deploy ARGS=...",
        description="Deploy the stack with sam deploy, asking only your own answers.",
    )
    parser.add_argument("--ask", action="store_true", help="ask the questions again")
    parser.add_argument(
        "--print", action="store_true", help="print the sam deploy command instead of running it"
    )
    args, extra = parser.parse_known_args(argv)
    answers = load_answers()
    if args.ask or any(q.key not in answers for q in QUESTIONS):
        import boto3

        answers = ask(answers, boto3.Session().region_name)
        save_answers(answers)
        print(f"answers saved in {ANSWERS.name}")
    sam = str(Path(sys.executable).parent / "sam")
    command = deploy_command(answers, extra, sam)
    if args.print:
        print(" ".join(command))
        return 0
    ran = subprocess.run(
        command, cwd=PROJECT_ROOT, env={**os.environ, "SAM_CLI_TELEMETRY": "0"}, check=False
    )
    if ran.returncode == 0:
        print(
            "\nDeployed. Next, check it end to end:\n"
            f"  .venv/bin/vstarcam-push doctor --region {answers['Region']}"
        )
    return ran.returncode


if __name__ == "__main__":
    sys.exit(main())
