"""``vstarcam-push doctor``: prove the stack works end to end, say what is wrong and how to fix it.

The checks are in :mod:`vstarcam_tools.doctor`; this module declares the command.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from vstarcam_tools.cli.common import (
    DEFAULT_STACK,
    _is_loopback,
    add_stack_options,
    aws_session,
    positive_float,
)


def _run(args: argparse.Namespace) -> int:
    from vstarcam_tools.doctor.context import LOCAL_POLL_S, DoctorContext, Limits
    from vstarcam_tools.doctor.results import Reporter
    from vstarcam_tools.doctor.runner import run_doctor

    name = getattr(args, "stack", None) or DEFAULT_STACK
    session = aws_session(getattr(args, "region", None))
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    local = bool(endpoint) and _is_loopback(endpoint)
    context = DoctorContext(
        session=session,
        stack_name=name,
        local=local,
        limits=Limits(wait_s=args.wait, poll_s=LOCAL_POLL_S) if local else Limits(wait_s=args.wait),
    )
    reporter = Reporter(json_output=args.json)
    if not args.json:
        where = f"the local stack at {endpoint}" if context.local else session.region_name
        print(f"vstarcam-push doctor: stack {name!r} in {where}")
    try:
        healthy = run_doctor(context, reporter, skip_push=args.skip_push, channels=args.channels)
    finally:
        context.close()
    reporter.finish()
    return 0 if healthy else 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check that the stack works end to end (run it after sam deploy)",
        description="Check everything a camera and an owner depend on: the stack and its "
        "outputs; a temporary test camera's heartbeat and alarm push over the stack's public "
        "URLs, stored byte for byte and notified (never to your email or phone); the bucket's "
        "guard rails, failed notifications, subscriptions, the throttle and silent cameras. "
        "Each check is ok, warning, failed or skipped, with what to do when it is not ok. "
        "Everything the test creates is removed, also on Ctrl-C. Exit status 0 when nothing "
        "failed. docs/doctor.md explains each check.",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='print a JSON array of {"check", "status", "detail"[, "fix"]} (progress on stderr)',
    )
    parser.add_argument(
        "--skip-push",
        action="store_true",
        help="only the read-only checks: no test camera, nothing written",
    )
    parser.add_argument(
        "--channels",
        action="store_true",
        help="also send the test alarm to the stack's push channels (never to email or SMS)",
    )
    parser.add_argument(
        "--wait",
        type=positive_float,
        default=60.0,
        metavar="SECONDS",
        help="how long to wait for the test alarm's notification and media (default 60)",
    )
    add_stack_options(parser)
    parser.set_defaults(handler=_run)
