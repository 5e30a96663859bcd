"""What every command group of ``vstarcam-push`` shares: stack access, errors, output.

Every command finds the tables, bucket and URLs in the stack's outputs
(``--stack``, default ``vstarcam-push``), through the standard AWS
environment and profiles. With ``AWS_ENDPOINT_URL`` pointing at the local
stack the same commands work against it unchanged.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import boto3
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.camera_fleet import CameraFleet
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.media import MediaStore
from vstarcam_push.dal.push_key_secret import SecretUnavailable, load_secret, secret_parameter
from vstarcam_push.ingest.protocol import validate_vuid
from vstarcam_push.models.errors import BadRequest

from vstarcam_tools.arguments import number
from vstarcam_tools.outputs import StackNotFound, StackOutputs, read_outputs

PROG = "vstarcam-push"
DEFAULT_STACK = "vstarcam-push"
# The local stack's moto server accepts any credentials; these are not secrets.
LOOPBACK_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
LOOPBACK_REGION = "us-east-1"
# The local stack's AWS endpoint unless started with --aws-port.
LOCAL_ENDPOINT = "http://127.0.0.1:4566"


class CliError(Exception):
    """An error the operator can act on: printed as one line, exit status 1."""


# ---------------------------------------------------------------- stack access


def add_stack_options(parser: argparse.ArgumentParser) -> None:
    """``--stack`` and ``--region``, accepted after the subcommand too."""
    # SUPPRESS keeps a value given before the subcommand from being reset to the default.
    parser.add_argument(
        "--stack",
        default=argparse.SUPPRESS,
        help=f"CloudFormation stack to read outputs from (default {DEFAULT_STACK})",
    )
    parser.add_argument(
        "--region", default=argparse.SUPPRESS, help="AWS region (default: AWS environment)"
    )


def hint(args: argparse.Namespace, command: str) -> str:
    """The command to type next, with this one's ``--stack`` and ``--region``: a hint printed
    after acting on another stack must act on that stack too, not on the default one."""
    words = [PROG, command]
    stack = getattr(args, "stack", None)
    if stack and stack != DEFAULT_STACK:
        words += ["--stack", shlex.quote(stack)]
    region = getattr(args, "region", None)
    if region:
        words += ["--region", shlex.quote(region)]
    return " ".join(words)


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def aws_session(region: str | None) -> boto3.Session:
    """A session from the standard AWS environment, usable against the local stack as is.

    Against a loopback ``AWS_ENDPOINT_URL`` (the local stack) dummy credentials
    and region are filled in when none are configured.
    """
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    if endpoint and urlsplit(endpoint).scheme not in ("http", "https"):
        # botocore would take "127.0.0.1:4566" for a scheme and a path, and fail later.
        raise CliError(
            f"AWS_ENDPOINT_URL={endpoint} is not a URL: "
            f"set AWS_ENDPOINT_URL=http://{endpoint.split('://')[-1]}"
        )
    loopback = bool(endpoint) and _is_loopback(endpoint)
    settings: dict[str, str | None] = {"region_name": region}
    session = boto3.Session(**settings)
    if session.get_credentials() is None:
        if not loopback:
            raise CliError(
                "no AWS credentials found: configure a profile (AWS_PROFILE) or set "
                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or point AWS_ENDPOINT_URL "
                "at the local stack"
            )
        settings.update(LOOPBACK_CREDENTIALS)
    if session.region_name is None:
        if not loopback:
            raise CliError("no AWS region: pass --region or set AWS_REGION")
        settings["region_name"] = LOOPBACK_REGION
    return boto3.Session(**settings)


@dataclass
class StackContext:
    """A stack's outputs and the AWS clients to act on its resources."""

    name: str
    session: boto3.Session
    cloudformation: Any
    outputs: StackOutputs
    # One client per service for the command's lifetime (making one costs milliseconds).
    clients: dict[str, Any] = field(default_factory=dict, repr=False)
    # Who runs the command, as AWS knows them (read once, for the audit trail).
    caller: str | None = None

    @classmethod
    def resolve(cls, args: argparse.Namespace) -> StackContext:
        name = getattr(args, "stack", None) or DEFAULT_STACK
        session = aws_session(getattr(args, "region", None))
        cloudformation = session.client("cloudformation")
        try:
            outputs = read_outputs(cloudformation, name)
        except StackNotFound as error:
            raise CliError(
                f"{error} in {session.region_name}: deploy it with 'sam deploy', or start the "
                f"local stack and set AWS_ENDPOINT_URL, or pass --stack NAME"
            ) from error
        return cls(name, session, cloudformation, outputs)

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = self.session.client(service)
        return self.clients[service]

    def cameras(self) -> CameraRegistry:
        return CameraRegistry(self.client("dynamodb"), self.outputs.cameras_table)

    def fleet(self) -> CameraFleet:
        return CameraFleet(self.client("dynamodb"), self.outputs.cameras_table)

    def alarms(self) -> AlarmStore:
        return AlarmStore(self.client("dynamodb"), self.outputs.alarms_table)

    def media(self) -> MediaStore:
        return MediaStore(self.client("s3"), self.outputs.media_bucket)

    def push_key_secret(self, create: bool = True) -> bytes:
        """The stack's push key secret: an SSM SecureString the cameras' keys derive from.

        Made on first use (``create``) by whichever command first issues a key; the
        functions never read it (they check a key's hash on the camera item).
        """
        try:
            return load_secret(self.client("ssm"), secret_parameter(self.name), create)
        except SecretUnavailable as error:
            raise CliError(str(error)) from None

    def default_offline_after(self) -> int:
        """The stack's OfflineAfterSeconds (an output, so the local stack reports it too)."""
        return self.outputs.offline_after_seconds


def not_aws_answer() -> str:
    """The one line for an answer botocore could not read: the endpoint is no AWS."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    if not endpoint:
        return "AWS answered something that is not an AWS reply: try again"
    return (
        f"AWS_ENDPOINT_URL={endpoint} is not an AWS endpoint: set AWS_ENDPOINT_URL to the "
        f"one the local stack prints at start ({LOCAL_ENDPOINT} by default), or unset it"
    )


# ---------------------------------------------------------------- output


def iso_time(epoch_seconds: float | None, milliseconds: bool = False) -> str | None:
    """``2024-05-01T12:00:00Z`` (UTC), or None for a missing time."""
    if epoch_seconds is None:
        return None
    at = datetime.fromtimestamp(epoch_seconds, tz=UTC)
    return at.isoformat(timespec="milliseconds" if milliseconds else "seconds").replace(
        "+00:00", "Z"
    )


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns two spaces apart, for a person to read."""
    widths = [len(header) for header in headers]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [list(headers), *rows]
    ]
    return "\n".join(lines)


def print_json(document: Any) -> None:
    print(json.dumps(document, indent=2))


def parse_vuid(value: str) -> str:
    """A command-line vuid, validated as the protocol does, or a one-line refusal."""
    try:
        return validate_vuid(value)
    except BadRequest as error:
        raise CliError(f"invalid vuid {value!r}: {error.message}") from error


positive_int = number(int, 1)
non_negative_float = number(float, 0)
positive_float = number(float, 0, above=True)
