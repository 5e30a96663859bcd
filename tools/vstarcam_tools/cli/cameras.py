"""``vstarcam-push cameras``: register, list and remove cameras (and configure them)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from vstarcam_push.cameras import Camera, check_site

from vstarcam_tools.cli import configure
from vstarcam_tools.cli.common import (
    CliError,
    StackContext,
    add_stack_options,
    format_table,
    iso_time,
    parse_vuid,
    positive_int,
    print_json,
)


def camera_json(camera: Camera) -> dict[str, Any]:
    return {
        "vuid": camera.vuid,
        "name": camera.name,
        "status": camera.status,
        "lastSeen": iso_time(camera.last_seen),
        "lastAlarmAt": iso_time(camera.last_alarm_at),
        "registeredAt": iso_time(camera.registered_at),
        "offlineAfter": camera.offline_after,
        "site": camera.site or None,
    }


def _add(args: argparse.Namespace) -> int:
    vuid = parse_vuid(args.vuid)
    if args.site:
        try:
            check_site(args.site)
        except ValueError as error:
            raise CliError(str(error)) from error
    context = StackContext.resolve(args)
    # Only the options given change: a registered camera keeps its name and threshold.
    existing = context.cameras().get(vuid)
    name = args.name if args.name is not None else existing.name if existing else ""
    offline_after = args.offline_after or (
        existing.offline_after if existing and existing.offline_after else None
    )
    offline_after = offline_after or context.default_offline_after()
    added = context.cameras().register(vuid, name, offline_after, int(time.time()))
    if args.site is not None:
        context.cameras().set_site(vuid, args.site)
    label = f"{name} ({vuid})" if name else vuid
    print(
        f"{'added' if added else 'updated'} camera {label}, "
        f"reported offline after {offline_after} s without a heartbeat"
        + (f", site {args.site}" if args.site else "")
    )
    print(f"  heartbeatServer:     {context.outputs.heartbeat_url}")
    print(f"  alarmPushMainServer: {context.outputs.alarm_url}")
    return 0


def _list(args: argparse.Namespace) -> int:
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
    # The SITE column only where sites are used (an installer's fleet).
    sites = any(camera.site for camera in cameras)
    rows = [
        [
            camera.vuid,
            camera.name or "-",
            *([camera.site or "-"] if sites else []),
            camera.status,
            iso_time(camera.last_seen) or "never",
            iso_time(camera.last_alarm_at) or "-",
        ]
        for camera in cameras
    ]
    headers = ["VUID", "NAME", *(["SITE"] if sites else []), "STATUS", "LAST SEEN", "LAST ALARM"]
    print(format_table(headers, rows))
    # A fleet's health at a glance, under a table that may be a thousand lines long.
    online = sum(camera.status == "online" for camera in registered)
    print(
        f"\n{len(registered)} camera{'s' if len(registered) != 1 else ''}: "
        f"{online} online, {len(registered) - online} offline"
    )
    return 0


def _remove(args: argparse.Namespace) -> int:
    vuid = parse_vuid(args.vuid)
    if not StackContext.resolve(args).cameras().remove(vuid):
        raise CliError(f"camera {vuid} is not registered")
    print(f"removed camera {vuid}")
    return 0


def register(subparsers: Any) -> None:
    cameras = subparsers.add_parser("cameras", help="register, list and remove cameras")
    actions = cameras.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser(
        "add", help="register a camera, or change the options given of a registered one"
    )
    add.add_argument("vuid", metavar="VUID", help="the camera's vuid, like VE0005622QHOW")
    add.add_argument(
        "--name",
        default=None,
        help="a name for notifications, like 'Front door' (a registered camera keeps its "
        "name if not given)",
    )
    add.add_argument(
        "--offline-after",
        type=positive_int,
        default=None,
        metavar="SECONDS",
        help="seconds without a sign of life before the camera is reported offline "
        "(default: a registered camera's own, else the stack's OfflineAfterSeconds)",
    )
    add.add_argument(
        "--site",
        default=None,
        metavar="NAME",
        help="the site (customer, building) the camera belongs to: push destinations "
        "can take only some sites' cameras (notify add ... --sites); '' removes it",
    )
    add.set_defaults(handler=_add)

    listing = actions.add_parser("list", help="registered cameras and their status")
    listing.add_argument(
        "--status", choices=("online", "offline"), help="only the cameras in this state"
    )
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=_list)

    remove = actions.add_parser("remove", help="forget a camera")
    remove.add_argument("vuid", metavar="VUID")
    remove.set_defaults(handler=_remove)

    for leaf in (add, listing, remove):
        add_stack_options(leaf)

    # Pointing real cameras at the stack through their CGI.
    configure.register(actions)
