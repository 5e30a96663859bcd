"""``vstarcam-push``: the operator CLI for a deployed stack or the local one.

Every command finds the tables, bucket and URLs in the stack's outputs
(``--stack``, default ``vstarcam-push``), through the standard AWS
environment and profiles. With ``AWS_ENDPOINT_URL`` pointing at the local
stack the same commands work against it unchanged.

Adding a command group from another module: a ``register(subparsers)``
function adds its parsers, calls :func:`add_stack_options` on those that
talk to the stack, and sets ``handler=<function(args) -> int>`` with
``set_defaults``. A handler raises :class:`CliError` for a one-line error;
AWS errors are turned into one line here.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)
from vstarcam_push.alarms import Alarm, AlarmStore
from vstarcam_push.cameras import Camera, CameraRegistry
from vstarcam_push.errors import BadRequest
from vstarcam_push.media import MediaStore
from vstarcam_push.protocol import validate_vuid

from vstarcam_tools.arguments import number
from vstarcam_tools.outputs import StackNotFound, StackOutputs, read_outputs

PROG = "vstarcam-push"
DEFAULT_STACK = "vstarcam-push"
DEFAULT_ALARM_LIMIT = 20
# The local stack's moto server accepts any credentials; these are not secrets.
LOOPBACK_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
LOOPBACK_REGION = "us-east-1"


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
        return self.session.client(service)

    def cameras(self) -> CameraRegistry:
        return CameraRegistry(self.client("dynamodb"), self.outputs.cameras_table)

    def alarms(self) -> AlarmStore:
        return AlarmStore(self.client("dynamodb"), self.outputs.alarms_table)

    def media(self) -> MediaStore:
        return MediaStore(self.client("s3"), self.outputs.media_bucket)

    def default_offline_after(self) -> int:
        """The stack's OfflineAfterSeconds (an output, so the local stack reports it too)."""
        return self.outputs.offline_after_seconds


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


def camera_json(camera: Camera) -> dict[str, Any]:
    return {
        "vuid": camera.vuid,
        "name": camera.name,
        "status": camera.status,
        "lastSeen": iso_time(camera.last_seen),
        "lastAlarmAt": iso_time(camera.last_alarm_at),
        "registeredAt": iso_time(camera.registered_at),
        "offlineAfter": camera.offline_after,
    }


def alarm_json(alarm: Alarm) -> dict[str, Any]:
    def media(stored: Any) -> dict[str, Any] | None:
        if stored is None:
            return None
        return {
            "key": stored.key,
            "contentType": stored.content_type,
            "size": stored.size,
            "sha256": stored.sha256,
        }

    return {
        "id": alarm.alarm_id,
        "vuid": alarm.vuid,
        "type": alarm.alarm_type.code,
        "typeHex": alarm.alarm_type.hex,
        "typeName": alarm.alarm_type.name,
        "receivedAt": iso_time(alarm.received_at_ms / 1000, milliseconds=True),
        "hasVideo": alarm.video is not None,
        "picture": media(alarm.picture),
        "video": media(alarm.video),
        "expiresAt": iso_time(alarm.expires_at),
    }


def _vuid(value: str) -> str:
    try:
        return validate_vuid(value)
    except BadRequest as error:
        raise CliError(f"invalid vuid {value!r}: {error.message}") from error


# ---------------------------------------------------------------- cameras


def _cameras_add(args: argparse.Namespace) -> int:
    vuid = _vuid(args.vuid)
    context = StackContext.resolve(args)
    offline_after = args.offline_after or context.default_offline_after()
    added = context.cameras().register(vuid, args.name, offline_after, int(time.time()))
    label = f"{args.name} ({vuid})" if args.name else vuid
    print(
        f"{'added' if added else 'updated'} camera {label}, "
        f"reported offline after {offline_after} s without a heartbeat"
    )
    print(f"  heartbeatServer:     {context.outputs.heartbeat_url}")
    print(f"  alarmPushMainServer: {context.outputs.alarm_url}")
    return 0


def _cameras_list(args: argparse.Namespace) -> int:
    registered = StackContext.resolve(args).cameras().list()
    cameras = [c for c in registered if args.status is None or c.status == args.status]
    if args.json:
        print_json([camera_json(camera) for camera in cameras])
        return 0
    if not registered:
        print("no cameras registered: add one with 'vstarcam-push cameras add VUID'")
        return 0
    if not cameras:
        print(f"no {args.status} cameras ({len(registered)} registered)")
        return 0
    rows = [
        [
            camera.vuid,
            camera.name or "-",
            camera.status,
            iso_time(camera.last_seen) or "never",
            iso_time(camera.last_alarm_at) or "-",
        ]
        for camera in cameras
    ]
    print(format_table(["VUID", "NAME", "STATUS", "LAST SEEN", "LAST ALARM"], rows))
    # A fleet's health at a glance, under a table that may be a thousand lines long.
    online = sum(camera.status == "online" for camera in registered)
    print(
        f"\n{len(registered)} camera{'s' if len(registered) != 1 else ''}: "
        f"{online} online, {len(registered) - online} offline"
    )
    return 0


def _cameras_remove(args: argparse.Namespace) -> int:
    vuid = _vuid(args.vuid)
    if not StackContext.resolve(args).cameras().remove(vuid):
        raise CliError(f"camera {vuid} is not registered")
    print(f"removed camera {vuid}")
    return 0


# ---------------------------------------------------------------- alarms


def _alarms_list(args: argparse.Namespace) -> int:
    vuid = _vuid(args.vuid) if args.vuid else None
    context = StackContext.resolve(args)
    store = context.alarms()
    if vuid is None:
        alarms = store.latest(args.limit, days=context.outputs.retention_days)
    else:
        alarms = store.for_camera(vuid, args.limit)
        # A removed camera's alarms stay until they expire, so they are still listed.
        if not alarms and context.cameras().get(vuid) is None:
            raise CliError(f"camera {vuid} is not registered and has no stored alarms")
    if args.json:
        print_json([alarm_json(alarm) for alarm in alarms])
        return 0
    if not alarms:
        print("no alarms stored")
        return 0
    rows = [
        [
            alarm.alarm_id,
            iso_time(alarm.received_at_ms / 1000) or "",
            f"{alarm.alarm_type.hex} {alarm.alarm_type.name}",
            "yes" if alarm.video else "no",
        ]
        for alarm in alarms
    ]
    print(format_table(["ID", "RECEIVED", "TYPE", "VIDEO"], rows))
    return 0


def _alarm_id(value: str) -> str:
    """The canonical alarm id (upper-case vuid, lower-case hex) or a clear refusal."""
    vuid, _, suffix = value.rpartition("-")
    suffix = suffix.lower()
    if not vuid or len(suffix) != 20 or any(c not in "0123456789abcdef" for c in suffix):
        raise CliError(
            f"invalid alarm id {value!r}: expected <vuid>-<20 hex digits> as 'alarms list' shows"
        )
    return f"{_vuid(vuid)}-{suffix}"


def _alarms_get(args: argparse.Namespace) -> int:
    alarm_id = _alarm_id(args.alarm_id)
    context = StackContext.resolve(args)
    alarm = context.alarms().get(alarm_id)
    if alarm is None:
        raise CliError(f"no alarm {alarm_id} (it may have expired)")
    if args.video and alarm.video is None:
        raise CliError(f"alarm {alarm_id} has no video")
    media = context.media()
    if args.picture:
        Path(args.picture).write_bytes(media.get(alarm.picture.key))
    if args.video and alarm.video is not None:
        Path(args.video).write_bytes(media.get(alarm.video.key))
    video = alarm.video
    lines = [
        ("id", alarm.alarm_id),
        ("vuid", alarm.vuid),
        ("type", f"{alarm.alarm_type.code} ({alarm.alarm_type.hex}) {alarm.alarm_type.name}"),
        ("received", iso_time(alarm.received_at_ms / 1000, milliseconds=True) or ""),
        ("picture", f"{alarm.picture.content_type}, {alarm.picture.size} bytes"),
        ("video", f"{video.content_type}, {video.size} bytes" if video else "none"),
        ("expires", iso_time(alarm.expires_at) or ""),
    ]
    if args.picture:
        lines.append(("picture saved", str(args.picture)))
    if args.video:
        lines.append(("video saved", str(args.video)))
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label + ':':<{width + 1}} {value}")
    return 0


# ---------------------------------------------------------------- simulate


def _simulate(args: argparse.Namespace) -> int:
    # Imported here: requests and the multipart encoder are only needed by this command.
    from vstarcam_tools import simulator

    vuids = [_vuid(args.vuid)] if args.vuid else simulator.simulated_vuids(args.cameras or 1)
    heartbeat_url, alarm_url = args.heartbeat_url, args.alarm_url
    if args.register or not (heartbeat_url and alarm_url):
        context = StackContext.resolve(args)
        heartbeat_url = heartbeat_url or context.outputs.heartbeat_url
        alarm_url = alarm_url or context.outputs.alarm_url
        if args.register:
            # Three missed heartbeats before offline, as the template advises.
            offline_after = max(context.default_offline_after(), math.ceil(3 * args.heartbeat_time))
            added = simulator.register_cameras(context.cameras(), vuids, offline_after)
            print(f"registered {added} of {len(vuids)} simulated cameras", file=sys.stderr)
    summary = simulator.run_simulation(
        heartbeat_url,
        alarm_url,
        vuids,
        heartbeat_time=args.heartbeat_time,
        alarms_per_minute=args.alarms_per_minute,
        duration=args.duration,
        video=args.video,
        concurrency=args.concurrency,
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


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    cameras = subparsers.add_parser("cameras", help="register, list and remove cameras")
    cameras_subparsers = cameras.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = cameras_subparsers.add_parser("add", help="register a camera (or rename it)")
    add.add_argument("vuid", metavar="VUID", help="the camera's vuid, like VE0005622QHOW")
    add.add_argument("--name", default="", help="a name for notifications, like 'Front door'")
    add.add_argument(
        "--offline-after",
        type=_positive_int,
        default=None,
        metavar="SECONDS",
        help="seconds without a heartbeat before the camera is reported offline "
        "(default: the stack's OfflineAfterSeconds)",
    )
    add.set_defaults(handler=_cameras_add)

    listing = cameras_subparsers.add_parser("list", help="registered cameras and their status")
    listing.add_argument(
        "--status", choices=("online", "offline"), help="only the cameras in this state"
    )
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=_cameras_list)

    remove = cameras_subparsers.add_parser("remove", help="forget a camera")
    remove.add_argument("vuid", metavar="VUID")
    remove.set_defaults(handler=_cameras_remove)

    # camera CGI: registered by vstarcam_tools.configure
    from vstarcam_tools import configure

    configure.register(cameras_subparsers)

    alarms = subparsers.add_parser("alarms", help="list stored alarms and download their media")
    alarms_subparsers = alarms.add_subparsers(dest="action", metavar="ACTION", required=True)

    alarm_list = alarms_subparsers.add_parser("list", help="newest alarms first")
    alarm_list.add_argument("--vuid", help="only this camera's alarms")
    alarm_list.add_argument(
        "--limit",
        type=_positive_int,
        default=DEFAULT_ALARM_LIMIT,
        metavar="N",
        help=f"at most N alarms (default {DEFAULT_ALARM_LIMIT})",
    )
    alarm_list.add_argument("--json", action="store_true", help="print a JSON array")
    alarm_list.set_defaults(handler=_alarms_list)

    get = alarms_subparsers.add_parser("get", help="one alarm; save its picture and video")
    get.add_argument("alarm_id", metavar="ALARM_ID", help="an id from 'alarms list'")
    get.add_argument("--picture", metavar="FILE", help="write the picture to FILE")
    get.add_argument("--video", metavar="FILE", help="write the video to FILE")
    get.set_defaults(handler=_alarms_get)

    for leaf in (add, listing, remove, alarm_list, get):
        add_stack_options(leaf)

    simulate = subparsers.add_parser(
        "simulate",
        help="act as cameras: send heartbeats and alarm pushes, then summarize",
        description="Act as cameras: JSON heartbeats and multipart alarm pushes with real "
        "JPEG pictures (each one distinct), cameras staggered over one period, then a "
        "summary of the replies by endpoint and code with latency percentiles.",
    )
    _simulate_options(simulate)
    add_stack_options(simulate)
    simulate.set_defaults(handler=_simulate)

    # local stack: registered by vstarcam_tools.local
    from vstarcam_tools import local

    local.register(subparsers)

    return parser


def _simulate_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--heartbeat-url", metavar="URL", help="heartbeatServer (default: the stack's HeartbeatUrl)"
    )
    parser.add_argument(
        "--alarm-url", metavar="URL", help="alarmPushMainServer (default: the stack's AlarmUrl)"
    )
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--vuid", help="simulate one camera with this vuid")
    who.add_argument(
        "--cameras",
        type=_positive_int,
        metavar="N",
        help="simulate N cameras, vuids SIM0000001, SIM0000002, ... (default 1)",
    )
    parser.add_argument(
        "--heartbeat-time",
        type=_positive_float,
        default=60.0,
        metavar="S",
        help="seconds between a camera's heartbeats (default 60)",
    )
    parser.add_argument(
        "--alarms-per-minute",
        type=_non_negative_float,
        default=1.0,
        metavar="R",
        help="alarm pushes per camera per minute (default 1; 0 for none)",
    )
    parser.add_argument(
        "--duration",
        type=_positive_float,
        default=60.0,
        metavar="S",
        help="seconds to run (default 60)",
    )
    parser.add_argument("--video", action="store_true", help="attach a small MP4 to every alarm")
    parser.add_argument(
        "--concurrency",
        type=_positive_int,
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


_positive_int = number(int, 1)
_non_negative_float = number(float, 0)
_positive_float = number(float, 0, above=True)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:
        # Usage errors (status 2) and --help: argparse has printed them already.
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
    except OSError as error:
        message = f"{error.filename}: {error.strerror}" if error.filename else str(error)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    print(f"{PROG}: error: {_one_line(message)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
