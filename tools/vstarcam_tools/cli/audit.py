"""``vstarcam-push audit``: the trail of changes made through the console and the CLI.

Every command that changes the stack (cameras registered, renamed, moved to a site,
removed, their keys rotated; alarms deleted; users and destinations changed) records
itself here through :func:`record`: who (the AWS principal the CLI runs as), when,
what, and that it came from the CLI. The console records its users' changes the same way.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import UTC, date, datetime
from typing import Any

from vstarcam_push.dal.audit import AuditLog
from vstarcam_push.models.audit import CLI, AuditEntry

from vstarcam_tools.cli.common import (
    CliError,
    StackContext,
    add_stack_options,
    format_table,
    iso_time,
    print_json,
)

_AGO = re.compile(r"(\d{1,4})([hd])")
DEFAULT_SINCE_DAYS = 7
MAX_LIMIT = 10_000


def audit_log(context: StackContext) -> AuditLog | None:
    table = context.outputs.audit_table
    if not table:
        return None
    return AuditLog(context.client("dynamodb"), table, context.outputs.retention_days)


def cli_user(context: StackContext) -> str:
    """Who runs the CLI: the AWS principal of its credentials (an IAM user or role's ARN)."""
    if context.caller is None:
        context.caller = str(context.client("sts").get_caller_identity().get("Arn") or "unknown")
    return context.caller


def record(
    context: StackContext, action: str, target: str, details: dict[str, Any] | None = None
) -> None:
    """Record a change the CLI made. A stack without an audit table (deployed before it
    existed) is told to update; a failed write is said on stderr: the change is made."""
    log = audit_log(context)
    if log is None:
        print(
            f"note: stack {context.name} has no audit table: this change is not recorded "
            "(deploy the current template with 'sam deploy')",
            file=sys.stderr,
        )
        return
    try:
        log.record(
            AuditEntry(
                at_ms=int(time.time() * 1000),
                user=cli_user(context),
                source=CLI,
                action=action,
                target=target,
                details=details or {},
            )
        )
    except Exception as error:  # the change is made: say the record is missing, go on
        print(
            f"warning: the change was made but not recorded in the audit trail: {error}",
            file=sys.stderr,
        )


def _since(value: str) -> int:
    """``7d``, ``24h`` or ``YYYY-MM-DD`` (UTC) -> epoch milliseconds."""
    match = _AGO.fullmatch(value.strip())
    if match:
        hours = int(match.group(1)) * (24 if match.group(2) == "d" else 1)
        return int((time.time() - hours * 3600) * 1000)
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid --since {value!r}: expected YYYY-MM-DD, or a number of days or hours "
            "like 7d or 24h"
        ) from None
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def _limit(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"--limit must be from 1 to {MAX_LIMIT}")
    return int(value)


def _audit(args: argparse.Namespace) -> int:
    context = StackContext.resolve(args)
    log = audit_log(context)
    if log is None:
        raise CliError(
            f"stack {context.name} has no audit table (no AuditTableName output): "
            "deploy the current template with 'sam deploy'"
        )
    now_ms = int(time.time() * 1000)
    since = args.since if args.since is not None else now_ms - DEFAULT_SINCE_DAYS * 86_400_000
    entries = log.read(since, now_ms, user=args.user, limit=args.limit)
    if args.json:
        print_json([entry.to_json() for entry in entries])
        return 0
    if not entries:
        print(f"no changes recorded since {iso_time(since / 1000)}")
        return 0
    rows = [
        [
            iso_time(entry.at_ms / 1000) or "-",
            entry.user,
            entry.source + (f" {entry.origin}" if entry.origin else ""),
            entry.action,
            entry.target,
            entry.describe() or "-",
        ]
        for entry in entries
    ]
    print(format_table(["WHEN", "WHO", "FROM", "WHAT", "ON", "DETAILS"], rows))
    if len(entries) == args.limit:
        print(f"\n(the newest {args.limit}: --limit shows more, --since fewer days)")
    return 0


def register(subparsers: Any) -> None:
    audit = subparsers.add_parser(
        "audit",
        help="who changed what, when, from the console or the CLI",
        description="The audit trail, newest first: every change made through the web "
        "console or this CLI, kept for the stack's RetentionDays.",
    )
    audit.add_argument(
        "--since",
        type=_since,
        default=None,
        metavar="WHEN",
        help=f"from this day (YYYY-MM-DD, UTC) or this long ago (7d, 24h); default "
        f"{DEFAULT_SINCE_DAYS}d",
    )
    audit.add_argument(
        "--user", default=None, help="only this user's changes (an email, or an AWS ARN)"
    )
    audit.add_argument("--limit", type=_limit, default=1000, help="at most this many entries")
    audit.add_argument("--json", action="store_true", help="print a JSON array")
    audit.set_defaults(handler=_audit)
    add_stack_options(audit)
