"""``vstarcam-push simulate``: act as cameras against a stack, then summarize."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from vstarcam_push.models.camera import PushKeyUnavailable

from vstarcam_tools.cli.common import (
    CliError,
    StackContext,
    add_stack_options,
    format_table,
    non_negative_float,
    parse_vuid,
    positive_float,
    positive_int,
    print_json,
)


def _run(args: argparse.Namespace) -> int:
    # Imported here: requests and the multipart encoder are only needed by this command.
    from vstarcam_tools.camera import simulator

    vuids = [parse_vuid(args.vuid)] if args.vuid else simulator.simulated_vuids(args.cameras or 1)
    heartbeat_url, alarm_url = args.heartbeat_url, args.alarm_url
    keys: dict[str, str] | None = None
    if args.register or not (heartbeat_url and alarm_url):
        # The stack's URLs, and each camera's push key (derived from the stack's secret).
        context = StackContext.resolve(args)
        heartbeat_url = heartbeat_url or context.outputs.heartbeat_url
        alarm_url = alarm_url or context.outputs.alarm_url
        registry = context.cameras()
        if args.register:
            # Three missed heartbeats before offline, as the template advises.
            offline_after = max(context.default_offline_after(), math.ceil(3 * args.heartbeat_time))
            try:
                registered = simulator.register_cameras(
                    registry, vuids, offline_after, context.push_key_secret()
                )
            except PushKeyUnavailable as error:
                raise CliError(str(error)) from None
            keys = registered.keys
            print(
                f"registered {registered.added} of {len(vuids)} simulated cameras",
                file=sys.stderr,
            )
        else:
            secret = context.push_key_secret(create=False)
            try:
                keys = {vuid: registry.push_key(vuid, secret) for vuid in vuids}
            except PushKeyUnavailable as error:
                raise CliError(f"{error} (or pass --register)") from None
    summary = simulator.run_simulation(
        heartbeat_url,
        alarm_url,
        vuids,
        heartbeat_time=args.heartbeat_time,
        alarms_per_minute=args.alarms_per_minute,
        duration=args.duration,
        video=args.video,
        concurrency=args.concurrency,
        push_keys=keys,
    )
    if args.json:
        print_json(summary.to_dict())
        return 0
    shown = vuids[0] if len(vuids) == 1 else f"{vuids[0]}..{vuids[-1]}"
    print(f"simulated {len(vuids)} camera(s) {shown} for {summary.duration_s:.1f} s")
    rows = []
    for endpoint in (simulator.HEARTBEAT, simulator.ALARM):
        outcomes = [
            *(f"{code}: {n}" for code, n in sorted(summary.replies.get(endpoint, {}).items())),
            *(f"{error}: {n}" for error, n in sorted(summary.errors.get(endpoint, {}).items())),
        ]
        latency = summary.latency_ms(endpoint) or {}
        rows.append(
            [
                endpoint,
                str(summary.sent(endpoint)),
                ", ".join(outcomes) or "-",
                *(f"{latency[p]:.1f}" if latency else "-" for p in ("p50", "p90", "p99", "max")),
            ]
        )
    headers = ["ENDPOINT", "SENT", "REPLIES", "P50 MS", "P90 MS", "P99 MS", "MAX MS"]
    print(format_table(headers, rows))
    print(f"worst start delay behind schedule: {summary.max_lag_s:.3f} s")
    return 0


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--heartbeat-url",
        metavar="URL",
        help="the camera's full heartbeatServer, as 'cameras urls' prints it "
        "(default: the stack's HeartbeatUrl + the camera's push key)",
    )
    parser.add_argument(
        "--alarm-url",
        metavar="URL",
        help="the camera's full alarmPushMainServer (default: the stack's AlarmUrl + its key)",
    )
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--vuid", help="simulate one camera with this vuid")
    who.add_argument(
        "--cameras",
        type=positive_int,
        metavar="N",
        help="simulate N cameras, vuids SIM0000001, SIM0000002, ... (default 1)",
    )
    parser.add_argument(
        "--heartbeat-time",
        type=positive_float,
        default=60.0,
        metavar="S",
        help="seconds between a camera's heartbeats (default 60)",
    )
    parser.add_argument(
        "--alarms-per-minute",
        type=non_negative_float,
        default=1.0,
        metavar="R",
        help="alarm pushes per camera per minute (default 1; 0 for none)",
    )
    parser.add_argument(
        "--duration",
        type=positive_float,
        default=60.0,
        metavar="S",
        help="seconds to run (default 60)",
    )
    parser.add_argument("--video", action="store_true", help="attach a small MP4 to every alarm")
    parser.add_argument(
        "--concurrency",
        type=positive_int,
        default=16,
        metavar="N",
        help="requests in flight at most (default 16)",
    )
    parser.add_argument(
        "--register",
        action="store_true",
        help="first register the simulated cameras in the stack (needs the stack)",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def register(subparsers: Any) -> None:
    simulate = subparsers.add_parser(
        "simulate",
        help="act as cameras: send heartbeats and alarm pushes, then summarize",
        description="Act as cameras: JSON heartbeats and multipart alarm pushes with real "
        "JPEG pictures (each one distinct), cameras staggered over one period, then a "
        "summary of the replies by endpoint and code with latency percentiles.",
    )
    _options(simulate)
    add_stack_options(simulate)
    simulate.set_defaults(handler=_run)
