"""``vstarcam-push``'s entry point: the command groups, the parser, one-line errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)
from botocore.parsers import ResponseParserError

from vstarcam_tools.cli import (
    alarms,
    audit,
    cameras,
    cost,
    doctor,
    local,
    notify,
    simulate,
    users,
)
from vstarcam_tools.cli.common import DEFAULT_STACK, PROG, CliError, not_aws_answer
from vstarcam_tools.extras import missing_extra
from vstarcam_tools.version import project_version

# The command groups, in the order `vstarcam-push --help` lists them.
GROUPS = (
    cameras,
    alarms,
    users,
    audit,
    notify,
    simulate,
    local,
    doctor,
    cost,
)


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, like every other error, saying where the usage is.

    argparse makes every subcommand's parser of its parent's class, so this covers all.
    """

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {_one_line(message)} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Operate a vstarcam-push stack: cameras, alarms, camera simulator, "
        "local stack. Set AWS_ENDPOINT_URL to use the local stack.",
    )
    parser.add_argument(
        "--stack",
        default=DEFAULT_STACK,
        help=f"CloudFormation stack to read outputs from (default {DEFAULT_STACK})",
    )
    parser.add_argument("--region", default=None, help="AWS region (default: AWS environment)")
    parser.add_argument(
        "--version",
        action="version",
        version=f"{PROG} {project_version()}",
        help="this checkout's version (a stack's is its TemplateVersion output; doctor compares)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in GROUPS:
        group.register(subparsers)
    return parser


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:
        # Usage errors (status 2, one line) and --help: printed by the parser already.
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        return int(args.handler(args))
    except CliError as error:
        message = str(error)
    except NoCredentialsError:
        message = "no AWS credentials found: configure a profile or set AWS_ACCESS_KEY_ID"
    except NoRegionError:
        message = "no AWS region: pass --region or set AWS_REGION"
    except EndpointConnectionError as error:
        message = f"cannot reach {error.kwargs.get('endpoint_url', 'AWS')}: is the stack running?"
    except ClientError as error:
        details = error.response.get("Error", {})
        message = (
            f"AWS error {details.get('Code', 'Unknown')} in "
            f"{error.operation_name}: {details.get('Message', str(error))}"
        )
    except BotoCoreError as error:
        message = f"AWS error: {error}"
    except ResponseParserError:
        # Not JSON or XML as AWS writes it: AWS_ENDPOINT_URL names something else.
        message = not_aws_answer()
    except OSError as error:
        message = f"{error.filename}: {error.strerror}" if error.filename else str(error)
    except ModuleNotFoundError as error:
        # A library of an optional extra ([local], [media]) that this install lacks.
        extra = missing_extra(error)
        if extra is None:
            raise
        message = extra
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    print(f"{PROG}: error: {_one_line(message)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
