"""``vstarcam-push local``: the whole stack on one machine, with moto and without Docker.

This module only declares the command; :mod:`vstarcam_tools.local.runner`
does the work and is imported when the command runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from vstarcam_tools.arguments import number
from vstarcam_tools.cli.common import DEFAULT_STACK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to serve the camera URLs on (default 127.0.0.1; 0.0.0.0 lets cameras "
        "on your LAN push over plain HTTP)",
    )
    parser.add_argument(
        "--port", type=_port, default=3000, help="HTTP API port (default 3000; 0: any free port)"
    )
    parser.add_argument(
        "--aws-port",
        type=_port,
        default=4566,
        help="moto server port on 127.0.0.1, the AWS_ENDPOINT_URL (default 4566; 0: any free port)",
    )
    parser.add_argument(
        "--parameter-overrides",
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY=VALUE",
        help="template parameters, as for sam deploy (e.g. NotifyCooldownSeconds=60)",
    )
    parser.add_argument(
        "--schedule-rate",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="run the scheduled functions (the offline sweep) every SECONDS instead of "
        "the template's schedule",
    )
    parser.add_argument(
        "--one-time-schedules-early",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="fire the one-time schedules (push retries) up to SECONDS before they are due "
        "(tests: a retry without waiting out its backoff; default 0, at their time)",
    )
    parser.add_argument(
        "--async-retries-after",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="wait SECONDS before each of Lambda's two retries of a failed asynchronous "
        "invocation (tests; default Lambda's 60 and 120 s)",
    )
    parser.add_argument(
        "--concurrency",
        type=_workers,
        default=4,
        metavar="N",
        help="worker processes per function at most (default 4)",
    )
    parser.add_argument(
        "--log-dir",
        default=None,
        metavar="DIR",
        help="keep the functions' logs in DIR (default: a temporary directory, removed on exit)",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="show the functions' own logs on the console"
    )
    parser.add_argument(
        "--console-password",
        default=None,
        metavar="PASSWORD",
        help="password of the web console's user admin (default: a random one, shown at start)",
    )
    state = parser.add_mutually_exclusive_group()
    state.add_argument(
        "--fresh",
        action="store_true",
        help="start empty: the state kept from the last run is moved aside to "
        "DIR.before-fresh (replacing an older one), not deleted",
    )
    state.add_argument(
        "--no-state",
        action="store_true",
        help="keep nothing: start empty and save nothing (the tests' stacks)",
    )
    parser.add_argument(
        "--state-dir",
        default=None,
        metavar="DIR",
        help="where cameras, alarms and their media, destinations, console users and the "
        "push-key secret are kept across restarts (default: .local-state/<stack> in the "
        "checkout, ignored by git)",
    )
    parser.add_argument(
        "--stack",
        default=argparse.SUPPRESS,
        help=f"CloudFormation stack name the outputs are published as (default {DEFAULT_STACK})",
    )
    parser.add_argument(
        "--region",
        default=argparse.SUPPRESS,
        help="AWS region to emulate (default: AWS_REGION or us-east-1)",
    )


def register(subparsers: Any) -> None:
    """Add the ``local`` subcommand to the CLI's subparsers."""
    parser = subparsers.add_parser(
        "local",
        help="run the whole stack on this machine (moto, no Docker)",
        description="Run the whole stack on this machine without Docker: moto in server "
        "mode with the template's tables, bucket, topic and queue; the HTTP API routes served "
        "by the real handlers; the offline sweep schedule and the table stream subscriptions "
        "run as Lambda would. The stack's outputs are published so the other commands work "
        "against it with AWS_ENDPOINT_URL set.",
    )
    add_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the local stack until SIGINT or SIGTERM; 0 after a clean stop."""
    from pathlib import Path

    from vstarcam_tools.local.runner import Options, run_local
    from vstarcam_tools.local.state import default_folder
    from vstarcam_tools.template import parse_parameter_overrides

    try:
        overrides = parse_parameter_overrides(args.parameter_overrides)
    except ValueError as error:
        print(f"vstarcam-push local: error: {error}", file=sys.stderr)
        return 2
    region = (
        getattr(args, "region", None)
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1"
    )
    stack_name = getattr(args, "stack", None) or DEFAULT_STACK
    state_dir = None
    if not args.no_state:
        state_dir = Path(args.state_dir) if args.state_dir else default_folder(stack_name)
    return run_local(
        Options(
            host=args.host,
            port=args.port,
            aws_port=args.aws_port,
            stack_name=stack_name,
            region=region,
            overrides=overrides,
            schedule_rate_s=args.schedule_rate,
            one_time_schedules_early_s=args.one_time_schedules_early,
            async_retry_s=args.async_retries_after,
            concurrency=args.concurrency,
            verbose=args.verbose,
            log_dir=Path(args.log_dir) if args.log_dir else None,
            console_password=args.console_password,
            state_dir=state_dir,
            fresh=args.fresh,
        )
    )


_port = number(int, 0, 65535)
_seconds = number(float, 0, above=True, unit="seconds")
_workers = number(int, 1)
