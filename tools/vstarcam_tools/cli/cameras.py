"""``vstarcam-push cameras``: register, list and remove cameras, their push keys and URLs
(and configure them).

``cameras urls`` is the one command that shows a push key (``cameras add`` prints a new
camera's URLs once); tables, JSON listings and ``--dry-run`` never do.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from vstarcam_push.admin.cameras import kept_options
from vstarcam_push.models.audit import (
    CAMERA_KEY_ROTATED,
    CAMERA_REGISTERED,
    CAMERA_REMOVED,
    CAMERA_UPDATED,
)
from vstarcam_push.models.camera import Camera, PushKeyUnavailable, check_site, clean_name
from vstarcam_push.models.errors import BadRequest, UnknownCamera
from vstarcam_push.models.push_keys import PushUrls, keyed_push_urls

from vstarcam_tools.cli import audit, configure
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
        "hasPushKey": camera.has_push_key,
        "site": camera.site or None,
    }


def base_urls(context: StackContext, plain_http: bool) -> tuple[str, str]:
    """The stack's heartbeat and alarm URLs (before the key): HTTPS, or its plain-HTTP door."""
    outputs = context.outputs
    if not plain_http:
        return outputs.heartbeat_url, outputs.alarm_url
    if outputs.plain_http_heartbeat_url is None or outputs.plain_http_alarm_url is None:
        raise CliError(
            "the stack has no plain-HTTP front door: deploy it with the parameter "
            "PlainHttpFrontDoor=true (docs/cameras.md)"
        )
    return outputs.plain_http_heartbeat_url, outputs.plain_http_alarm_url


def camera_urls(context: StackContext, vuid: str, key: str, plain_http: bool) -> PushUrls:
    """The camera's keyed URLs on the stack's HTTPS API, or on its plain-HTTP front door."""
    heartbeat_url, alarm_url = base_urls(context, plain_http)
    return keyed_push_urls(heartbeat_url, alarm_url, vuid, key)


def print_urls(urls: PushUrls) -> None:
    print(f"  heartbeatServer:     {urls.heartbeat_url}")
    print(f"  alarmPushMainServer: {urls.alarm_url}")


def _add(args: argparse.Namespace) -> int:
    vuid = parse_vuid(args.vuid)
    if args.site:
        try:
            check_site(args.site)
        except ValueError as error:
            raise CliError(str(error)) from error
    try:
        # The console's rule and words: a name too long is refused, never cut.
        given = clean_name(args.name)
    except BadRequest as error:
        raise CliError(error.message) from error
    context = StackContext.resolve(args)
    name, offline_after = kept_options(
        context.cameras().get(vuid),
        given if args.name is not None else None,
        args.offline_after,
        context.default_offline_after(),
    )
    registration = context.cameras().register(
        vuid, name, offline_after, int(time.time()), context.push_key_secret()
    )
    if args.site is not None:
        context.cameras().set_site(vuid, args.site)
    camera = context.cameras().get(vuid)
    name = camera.name if camera else name
    changed = {"name": name, "offlineAfter": offline_after}
    if args.site is not None:
        changed["site"] = args.site
    if registration.created or registration.approved:
        audit.record(context, CAMERA_REGISTERED, vuid, changed)
    else:
        audit.record(context, CAMERA_UPDATED, vuid, changed)
    label = f"{name} ({vuid})" if name else vuid
    done = "added" if registration.created else "approved" if registration.approved else "updated"
    print(
        f"{done} camera {label}, reported offline after {offline_after} s without a heartbeat"
        + (f", site {args.site}" if args.site else "")
    )
    if registration.push_key is None:
        print(f"  it keeps its push key: 'vstarcam-push cameras urls {vuid}' prints its URLs")
        return 0
    print("  its URLs carry its secret push key (shown once; 'cameras urls' shows them again):")
    print_urls(camera_urls(context, vuid, registration.push_key, plain_http=False))
    return 0


def _urls(args: argparse.Namespace) -> int:
    vuid = parse_vuid(args.vuid)
    context = StackContext.resolve(args)
    base_urls(context, args.plain_http)  # a missing front door is said before anything else
    try:
        key = context.cameras().push_key(vuid, context.push_key_secret(create=False))
    except PushKeyUnavailable as error:
        raise CliError(str(error)) from None
    urls = camera_urls(context, vuid, key, args.plain_http)
    if args.json:
        print_json(urls.to_json())
        return 0
    print(f"camera {vuid} (keep these URLs secret: anyone holding them can push as the camera)")
    print_urls(urls)
    return 0


def _rotate_key(args: argparse.Namespace) -> int:
    vuid = parse_vuid(args.vuid)
    context = StackContext.resolve(args)
    if args.configure is None and (args.user or args.password or args.password_env):
        raise CliError("--user and --password belong with --configure CAMERA_URL")
    camera = None
    if args.configure is not None:
        base_urls(context, args.plain_http)
        camera = configure.camera_at(args, vuid)
    try:
        key = context.cameras().rotate_key(vuid, context.push_key_secret())
    except UnknownCamera:
        raise CliError(
            f"camera {vuid} is not registered (a pending camera is approved with "
            f"'vstarcam-push cameras add {vuid}')"
        ) from None
    audit.record(context, CAMERA_KEY_ROTATED, vuid)
    print(f"issued a new push key to camera {vuid}: its old URLs stopped working")
    if camera is None:
        print(f"  set its new URLs on the camera: 'vstarcam-push cameras urls {vuid}' prints them,")
        print("  or run this again with --configure CAMERA_URL --user USER")
        return 0
    configure.set_camera_urls(camera, camera_urls(context, vuid, key, args.plain_http))
    return 0


def _list(args: argparse.Namespace) -> int:
    registered = StackContext.resolve(args).fleet().list()
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
    pending = sum(camera.pending for camera in registered)
    print(
        f"\n{len(registered)} camera{'s' if len(registered) != 1 else ''}: "
        f"{online} online, {len(registered) - online - pending} offline"
        + (
            f", {pending} pending (approve with 'vstarcam-push cameras add VUID')"
            if pending
            else ""
        )
    )
    return 0


def _remove(args: argparse.Namespace) -> int:
    vuid = parse_vuid(args.vuid)
    context = StackContext.resolve(args)
    if not context.cameras().remove(vuid):
        raise CliError(f"camera {vuid} is not registered")
    audit.record(context, CAMERA_REMOVED, vuid)
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
        "--status",
        choices=("online", "offline", "pending"),
        help="only the cameras in this state (pending: pushed while unknown, awaiting approval)",
    )
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=_list)

    remove = actions.add_parser("remove", help="forget a camera")
    remove.add_argument("vuid", metavar="VUID")
    remove.set_defaults(handler=_remove)

    urls = actions.add_parser(
        "urls",
        help="the camera's heartbeat and alarm URLs, with its secret push key",
        description="Print the camera's heartbeatServer and alarmPushMainServer URLs. They "
        "carry its secret push key: this is the one command that shows it.",
    )
    urls.add_argument("vuid", metavar="VUID")
    urls.add_argument(
        "--plain-http",
        action="store_true",
        help="the plain-HTTP front door's URLs (PlainHttpFrontDoor=true)",
    )
    urls.add_argument(
        "--json", action="store_true", help='print {"vuid", "heartbeatUrl", "alarmUrl"}'
    )
    urls.set_defaults(handler=_urls)

    rotate = actions.add_parser(
        "rotate-key",
        help="issue a camera a new push key; the old URLs stop working at once",
    )
    rotate.add_argument("vuid", metavar="VUID")
    rotate.add_argument(
        "--configure",
        metavar="CAMERA_URL",
        help="also set the new URLs on the camera at this web address (needs --user)",
    )
    rotate.add_argument(
        "--plain-http",
        action="store_true",
        help="with --configure: set the plain-HTTP front door's URLs",
    )
    configure.camera_options(rotate, user_required=False)
    rotate.set_defaults(handler=_rotate_key)

    for leaf in (add, listing, remove, urls, rotate):
        add_stack_options(leaf)

    # Pointing real cameras at the stack through their CGI.
    configure.register(actions)
