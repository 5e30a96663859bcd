"""``vstarcam-push cameras``: register, list, snooze and remove cameras, their push keys and
URLs (and configure them).

``cameras urls`` is the one command that shows a push key (``cameras add`` prints a new
camera's URLs once); tables, JSON listings and ``--dry-run`` never do. ``cameras configure``
and ``show-config`` reach real cameras through their CGI: the workflow is
``vstarcam_tools.camera.configure``; this module parses the options and prints.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from vstarcam_push.admin.cameras import kept_options
from vstarcam_push.admin.snooze import OFF, SnoozeAdmin, SnoozeTargetUnknown, audit_details
from vstarcam_push.models.audit import (
    CAMERA_KEY_ROTATED,
    CAMERA_REGISTERED,
    CAMERA_REMOVED,
    CAMERA_SNOOZED,
    CAMERA_UPDATED,
    SITE_SNOOZED,
)
from vstarcam_push.models.camera import (
    SNOOZE_UNTIL_ON,
    Camera,
    PushKeyUnavailable,
    Snooze,
    check_site,
    clean_name,
)
from vstarcam_push.models.errors import BadRequest, UnknownCamera
from vstarcam_push.models.push_keys import PushUrls, keyed_push_urls, redact
from vstarcam_push.models.snooze import CHOICES, snooze_words, zone_of

from vstarcam_tools import arguments
from vstarcam_tools.camera.cgi_client import (
    DEFAULT_TIMEOUT,
    CameraClient,
    CameraError,
    Credentials,
    camera_base_url,
)
from vstarcam_tools.camera.configure import (
    DEFAULT_HEARTBEAT_TIME,
    MAX_HEARTBEAT_TIME,
    MAX_TIMEOUT,
    MIN_HEARTBEAT_TIME,
    MIN_OFFLINE_AFTER,
    OFFLINE_HEARTBEATS,
    CameraAt,
    ConfigureReport,
    ConfigureRequest,
    Target,
    check_camera,
    configure_all,
    configure_camera,
    set_camera_urls,
    shown_value,
)
from vstarcam_tools.camera.configure import offline_after as threshold_of
from vstarcam_tools.camera.csv_import import CSV_COLUMNS, CsvError, read_targets
from vstarcam_tools.cli import audit
from vstarcam_tools.cli.common import (
    CliError,
    StackContext,
    add_stack_options,
    format_table,
    hint,
    iso_time,
    parse_vuid,
    positive_int,
    print_json,
)
from vstarcam_tools.progress import Progress


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
        "snoozedUntil": _snooze_time(camera.snoozed_until),
        "siteSnoozedUntil": _snooze_time(camera.site_snoozed_until),
    }


def _snooze_time(until: int | None) -> str | None:
    """A snooze's end as ISO UTC, ``on`` for until turned back on (an ended one too: the
    item keeps it until the next snooze)."""
    if until is None:
        return None
    return "on" if until >= SNOOZE_UNTIL_ON else iso_time(until)


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
    changed: dict[str, Any] = {"name": name, "offlineAfter": offline_after}
    if args.site is not None:
        changed["site"] = args.site
    created = registration.created or registration.approved
    audit.record(context, CAMERA_REGISTERED if created else CAMERA_UPDATED, vuid, changed)
    label = f"{name} ({vuid})" if name else vuid
    done = "added" if registration.created else "approved" if registration.approved else "updated"
    print(
        f"{done} camera {label}, reported offline after {offline_after} s without a heartbeat"
        + (f", site {args.site}" if args.site else "")
    )
    if registration.push_key is None:
        print(f"  it keeps its push key: '{hint(args, f'cameras urls {vuid}')}' prints its URLs")
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
        camera = _camera_at(args, vuid)
    try:
        key = context.cameras().rotate_key(vuid, context.push_key_secret())
    except UnknownCamera:
        raise CliError(
            f"camera {vuid} is not registered (a pending camera is approved with "
            f"'{hint(args, f'cameras add {vuid}')}')"
        ) from None
    audit.record(context, CAMERA_KEY_ROTATED, vuid)
    print(f"issued a new push key to camera {vuid}: its old URLs stopped working")
    if camera is None:
        urls = hint(args, f"cameras urls {vuid}")
        print(f"  set its new URLs on the camera: '{urls}' prints them,")
        print("  or run this again with --configure CAMERA_URL --user USER")
        return 0
    try:
        where = set_camera_urls(camera, camera_urls(context, vuid, key, args.plain_http))
    except CameraError as error:
        raise CliError(str(error)) from None
    print(f"  set the new URLs on the camera at {where}; read back: they took")
    return 0


def _list(args: argparse.Namespace) -> int:
    registered = StackContext.resolve(args).fleet().list()
    cameras = [c for c in registered if args.status is None or c.status == args.status]
    if args.json:
        print_json([camera_json(camera) for camera in cameras])
        return 0
    if not registered:
        print(f"no cameras registered: add one with '{hint(args, 'cameras add VUID')}'")
        return 0
    if not cameras:
        print(f"no {args.status} cameras ({len(registered)} registered)")
        return 0
    # The SITE column only where sites are used (an installer's fleet), SNOOZED only while
    # a camera is snoozed (in this machine's time zone).
    sites = any(camera.site for camera in cameras)
    now, zone = int(time.time()), machine_time_zone()
    snoozes = {camera.vuid: camera.snooze(now) for camera in cameras}
    snoozed = any(snoozes.values())

    def snooze_column(camera: Camera) -> list[str]:
        if not snoozed:
            return []
        snooze = snoozes[camera.vuid]
        return [snooze_words(snooze, zone, now) if snooze else "-"]

    rows = [
        [
            camera.vuid,
            camera.name or "-",
            *([camera.site or "-"] if sites else []),
            camera.status,
            iso_time(camera.last_seen) or "never",
            iso_time(camera.last_alarm_at) or "-",
            *snooze_column(camera),
        ]
        for camera in cameras
    ]
    headers = [
        "VUID",
        "NAME",
        *(["SITE"] if sites else []),
        "STATUS",
        "LAST SEEN",
        "LAST ALARM",
        *(["SNOOZED"] if snoozed else []),
    ]
    print(format_table(headers, rows))
    # A fleet's health at a glance, under a table that may be a thousand lines long.
    online = sum(camera.status == "online" for camera in registered)
    pending = sum(camera.pending for camera in registered)
    print(
        f"\n{len(registered)} camera{'s' if len(registered) != 1 else ''}: "
        f"{online} online, {len(registered) - online - pending} offline"
        + (
            f", {pending} pending (approve with '{hint(args, 'cameras add VUID')}')"
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


def machine_time_zone() -> str:
    """This machine's IANA time zone: ``TZ`` when it names one, else what /etc/localtime
    links to, else UTC (a morning is 07:00 on the wall clock of the person snoozing)."""
    candidates = [os.environ.get("TZ", "").removeprefix(":")]
    with contextlib.suppress(OSError):
        target = os.path.realpath("/etc/localtime")
        if "/zoneinfo/" in target:
            candidates.append(target.split("/zoneinfo/", 1)[1])
    for name in candidates:
        if name:
            try:
                zone_of(name)
            except BadRequest:
                continue
            return name
    return "UTC"


def _snooze(args: argparse.Namespace) -> int:
    words = list(args.words)
    if args.site is not None:
        if len(words) != 1:
            raise CliError("with --site NAME, give only the choice: 1h, 8h, morning, on or off")
        target, (choice,) = None, words
    else:
        if len(words) != 2:
            raise CliError("give VUID and a choice (1h, 8h, morning, on or off), or --site NAME")
        target, choice = parse_vuid(words[0]), words[1]
    if choice not in (*CHOICES, OFF):
        raise CliError(f"choice {choice!r}: give 1h, 8h, morning, on (until turned back on) or off")
    zone = args.time_zone or machine_time_zone()
    try:
        zone_of(zone)
    except BadRequest as error:
        raise CliError(error.message) from None
    context = StackContext.resolve(args)
    admin = SnoozeAdmin(context.cameras())
    now = int(time.time())
    try:
        if target is None:
            done = admin.site(args.site, choice, now, zone)
        else:
            done = admin.camera(target, choice, now, zone)
    except (SnoozeTargetUnknown, BadRequest) as error:
        raise CliError(error.message) from None
    details = audit_details(done, zone)
    audit.record(context, SITE_SNOOZED if target is None else CAMERA_SNOOZED, done.target, details)
    what = f"site {done.target}" if target is None else f"camera {done.target}"
    again = f"--site '{done.target}' off" if target is None else f"{done.target} off"
    if done.until is None:
        print(f"{what}: snooze off, its notifications are sent again")
    else:
        when = snooze_words(Snooze(done.until), zone, now)
        print(
            f"snoozed {what} {when}"
            + ("" if done.until >= SNOOZE_UNTIL_ON else f" ({zone})")
            + ": no notification on any channel; its alarms are still stored"
        )
        print(f"  '{hint(args, f'cameras snooze {again}')}' turns it back on")
    if target is None:
        print(f"  cameras: {', '.join(camera.vuid for camera in done.cameras)}")
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
    _camera_options(rotate, user_required=False)
    rotate.set_defaults(handler=_rotate_key)

    snooze = actions.add_parser(
        "snooze",
        help="hold a camera's (or a site's) notifications for a while; alarms are still stored",
        usage="%(prog)s VUID {1h,8h,morning,on,off}\n       %(prog)s --site NAME "
        "{1h,8h,morning,on,off}",
        description="Snooze a camera, or every camera of a site: no notification on any "
        "channel (SNS, push destinations, web push) for 1 hour (1h), 8 hours (8h), until tomorrow "
        "morning (morning: 07:00 in this machine's time zone, or --time-zone), or until "
        "turned back on (on); off turns it back on. Its alarms are still stored and shown.",
    )
    snooze.add_argument("words", nargs="+", metavar="VUID CHOICE", help=argparse.SUPPRESS)
    snooze.add_argument(
        "--site", metavar="NAME", default=None, help="snooze every camera of this site"
    )
    snooze.add_argument(
        "--time-zone",
        metavar="ZONE",
        default=None,
        help="the IANA time zone whose 07:00 'morning' means (default: this machine's)",
    )
    snooze.set_defaults(handler=_snooze)

    for leaf in (add, listing, remove, urls, rotate, snooze):
        add_stack_options(leaf)

    # Pointing real cameras at the stack through their CGI.
    _register_configure(actions)


# ---------------------------------------------------------------- configure, show-config

DEFAULT_USER = "admin"


def _camera_address(url: str) -> str:
    try:
        return camera_base_url(url)
    except CameraError as error:
        raise CliError(str(error)) from None


def _camera_at(args: argparse.Namespace, vuid: str) -> CameraAt:
    """The camera at ``--configure``, once its own ids say it is camera ``vuid``."""
    if args.user is None:
        raise CliError("give the camera's login with --user (often admin)")
    address = _camera_address(args.configure)
    camera = CameraAt(
        address, Credentials(args.user, _password(args, args.user, address)), args.timeout
    )
    try:
        check_camera(camera, vuid)
    except CameraError as error:
        raise CliError(str(error)) from None
    return camera


def _password(args: argparse.Namespace, user: str, where: str) -> str:
    """The camera password from --password, --password-env, or a prompt on a terminal."""
    if args.password is not None:
        return args.password
    if args.password_env:
        value = os.environ.get(args.password_env, "")
        if not value:
            raise CliError(f"environment variable {args.password_env} is not set or empty")
        return value
    if sys.stdin.isatty():
        return getpass.getpass(f"password for {user} on {where}: ")
    raise CliError(
        "no camera password: pass --password-env VAR (or --password), "
        "or run in a terminal to be asked"
    )


_heartbeat_time = arguments.number(int, MIN_HEARTBEAT_TIME, MAX_HEARTBEAT_TIME, unit="seconds")
_timeout = arguments.number(float, 0, MAX_TIMEOUT, above=True, unit="seconds")


def _server_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http:// or https:// URL")
    return text


def _camera_options(parser: argparse.ArgumentParser, user_required: bool) -> None:
    parser.add_argument(
        "--user",
        required=user_required,
        default=None,
        help="the camera's login user" + ("" if user_required else " (for CSV rows without one)"),
    )
    secret = parser.add_mutually_exclusive_group()
    secret.add_argument(
        "--password",
        default=None,
        help="the camera's password (visible to other local users: prefer --password-env)",
    )
    secret.add_argument(
        "--password-env",
        metavar="VAR",
        default=None,
        help="read the password from environment variable VAR",
    )
    parser.add_argument(
        "--timeout",
        type=_timeout,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"how long to wait for the camera (default {DEFAULT_TIMEOUT:g})",
    )


def _warn_unreachable_urls(request: ConfigureRequest) -> None:
    for url in (request.heartbeat_url, request.alarm_url):
        host = urlsplit(url).hostname or ""
        if host in ("localhost", "0.0.0.0", "::") or host.startswith("127.") or host == "::1":
            print(
                f"warning: {url} names this machine's loopback/any address, which a camera "
                "on the LAN cannot reach: restart the local stack with "
                'make run ARGS="--host 0.0.0.0" so it publishes this machine\'s LAN address',
                file=sys.stderr,
            )
            return


def _camera_urls(args: argparse.Namespace, context: StackContext) -> tuple[str, str]:
    """The heartbeat and alarm URLs to set: the stack's (its HTTPS ones, or with
    ``--plain-http`` its plain-HTTP front door's), unless given on the command line."""
    if not args.plain_http:
        outputs = context.outputs
        return args.heartbeat_url or outputs.heartbeat_url, args.alarm_url or outputs.alarm_url
    if args.heartbeat_url or args.alarm_url:
        raise CliError("give --plain-http or --heartbeat-url/--alarm-url, not both")
    return base_urls(context, plain_http=True)


def _request(args: argparse.Namespace, context: StackContext) -> ConfigureRequest:
    """The run's settings; camera URLs are the stack's unless given."""
    heartbeat_url, alarm_url = _camera_urls(args, context)
    request = ConfigureRequest(
        heartbeat_url=heartbeat_url,
        alarm_url=alarm_url,
        heartbeat_time=args.heartbeat_time,
        sub_server=args.sub_server,
        dry_run=args.dry_run,
        timeout=args.timeout,
        without_key=args.without_key,
    )
    _warn_unreachable_urls(request)
    return request


def _site(value: str) -> str:
    try:
        return check_site(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _configure(args: argparse.Namespace) -> int:
    if args.csv is not None:
        if args.camera_url or args.name or args.vuid or args.site:
            raise CliError(
                "with --from, give CAMERA_URL, --name, --vuid and --site per row in the CSV"
            )
        return _configure_many(args)
    if not args.camera_url:
        raise CliError("give CAMERA_URL, or --from cameras.csv")
    if args.user is None:
        raise CliError("give the camera's login with --user (often admin)")
    address = _camera_address(args.camera_url)
    target = Target(
        address,
        Credentials(args.user, _password(args, args.user, address)),
        name=args.name or "",
        vuid=args.vuid or "",
        site=args.site or "",
    )
    context = StackContext.resolve(args)
    request = _request(args, context)
    if args.dry_run:
        print("dry run: nothing is changed on the camera or in the stack")
    outcome = ConfigureReport(target)
    try:
        configure_camera(target, request, context.cameras(), outcome, context.push_key_secret())
    except CameraError as error:
        for line in outcome.lines:
            print(line)
        raise CliError(str(error)) from None
    finally:
        _record_registrations(context, [outcome], request)
    for line in outcome.lines:
        print(line)
    return 0


def _record_registrations(
    context: StackContext, outcomes: list[ConfigureReport], request: ConfigureRequest
) -> None:
    """The audit trail's entry for each camera registered or updated in the stack."""
    for outcome in outcomes:
        if outcome.registered:
            details: dict[str, Any] = {
                "name": outcome.name,
                "offlineAfter": threshold_of(request.heartbeat_time),
                "by": "cameras configure",
            }
            if outcome.target.site:
                details["site"] = outcome.target.site
            action = CAMERA_REGISTERED if outcome.registered == "registered" else CAMERA_UPDATED
            audit.record(context, action, outcome.vuid, details)


def _configure_many(args: argparse.Namespace) -> int:
    cached: list[str] = []

    def password() -> str:
        if not cached:
            cached.append(_password(args, args.user or DEFAULT_USER, "cameras without one"))
        return cached[0]

    try:
        targets = read_targets(Path(args.csv), args.user, password)
    except CsvError as error:
        raise CliError(str(error)) from None
    context = StackContext.resolve(args)
    request = _request(args, context)
    registry = context.cameras()
    secret = context.push_key_secret()
    if args.dry_run:
        print("dry run: nothing is changed on the cameras or in the stack")
    progress = Progress(len(targets), sys.stderr)
    outcomes = configure_all(
        targets, request, registry, secret, lambda outcome: progress.advance(bool(outcome.error))
    )
    _record_registrations(context, outcomes, request)
    for outcome in outcomes:
        for line in outcome.lines:
            print(line)
    rows = [
        [outcome.target.name or outcome.target.address, outcome.vuid or "-", outcome.result]
        for outcome in outcomes
    ]
    print(format_table(["CAMERA", "VUID", "RESULT"], rows))
    failed = sum(1 for outcome in outcomes if outcome.error)
    if failed:
        raise CliError(f"{failed} of {len(outcomes)} cameras failed (see the table above)")
    return 0


def _show_config(args: argparse.Namespace) -> int:
    address = _camera_address(args.camera_url)
    credentials = Credentials(args.user, _password(args, args.user, address))
    with CameraClient(address, credentials, args.timeout) as client:
        try:
            ids = client.get_ids()
            lines = [
                ("camera", client.base_url),
                ("vuid", ids.vuid),
                ("deviceid", ids.deviceid),
                ("realdeviceid", ids.realdeviceid),
                ("alias", ids.alias),
            ]
            _print_fields(lines)
            config = client.get_push_config()
        except CameraError as error:
            raise CliError(str(error)) from None
    _print_fields(
        [
            ("heartbeatTime", str(config.heartbeat_time)),
            # The camera's own push key is not shown here: 'cameras urls' is the one place.
            ("heartbeatServer", redact(config.heartbeat_server)),
            ("alarmPushMainServer", redact(config.alarm_push_main_server)),
            ("alarmPushSubServer", redact(config.alarm_push_sub_server)),
        ]
    )
    return 0


def _print_fields(lines: list[tuple[str, str]]) -> None:
    for label, value in lines:
        print(f"{label + ':':<21} {shown_value(value)}")


def _register_configure(cameras_subparsers: argparse._SubParsersAction) -> None:
    """Add ``configure`` and ``show-config`` to the CLI's ``cameras`` group."""
    configure = cameras_subparsers.add_parser(
        "configure",
        help="point a camera (or a CSV of cameras) at the stack through its CGI",
        description="Read the camera's vuid, register it, set its heartbeatServer and "
        "alarmPushMainServer to the stack's URLs, and check the camera kept them.",
    )
    configure.add_argument(
        "camera_url",
        metavar="CAMERA_URL",
        nargs="?",
        help="the camera's web address, like http://192.168.1.50:81 (a bare host means port 81)",
    )
    configure.add_argument(
        "--from",
        dest="csv",
        metavar="CSV",
        help=f"configure every camera of a CSV file with columns {','.join(CSV_COLUMNS)}",
    )
    _camera_options(configure, user_required=False)
    configure.add_argument("--name", help="a name for notifications (default: the camera's alias)")
    configure.add_argument("--vuid", help="use this vuid instead of the one the camera reports")
    configure.add_argument(
        "--site",
        type=_site,
        metavar="NAME",
        help="put the camera in this site (customer, building): console viewers and push "
        "destinations can be limited to sites (a CSV's site column)",
    )
    configure.add_argument(
        "--heartbeat-time",
        type=_heartbeat_time,
        default=DEFAULT_HEARTBEAT_TIME,
        metavar="SECONDS",
        help=f"seconds between heartbeats (default {DEFAULT_HEARTBEAT_TIME}); the camera is "
        f"reported offline after {OFFLINE_HEARTBEATS} missed ones (at least {MIN_OFFLINE_AFTER} s)",
    )
    configure.add_argument(
        "--plain-http",
        action="store_true",
        help="for firmware without HTTPS: set the stack's plain-HTTP front door URLs "
        "(PlainHttpHeartbeatUrl, PlainHttpAlarmUrl; deploy with PlainHttpFrontDoor=true)",
    )
    configure.add_argument(
        "--heartbeat-url",
        type=_server_url,
        metavar="URL",
        help="heartbeatServer to set, before the camera's /KEY (default: the stack's HeartbeatUrl)",
    )
    configure.add_argument(
        "--alarm-url",
        type=_server_url,
        metavar="URL",
        help="alarmPushMainServer to set, before the camera's /KEY (default: the stack's AlarmUrl)",
    )
    configure.add_argument(
        "--without-key",
        action="store_true",
        help="set the bare URLs, without the camera's push key, for firmware that cannot hold "
        "the longer ones (the stack must run with RequirePushKey=false; see docs/security.md)",
    )
    configure.add_argument(
        "--sub-server",
        type=_server_url,
        metavar="URL",
        help="also set alarmPushSubServer (default: leave it as it is)",
    )
    configure.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan and the exact CGI URL (password masked); change nothing",
    )
    add_stack_options(configure)
    configure.set_defaults(handler=_configure)

    show = cameras_subparsers.add_parser(
        "show-config",
        help="a camera's ids and current alarm push settings",
    )
    show.add_argument("camera_url", metavar="CAMERA_URL", help="like http://192.168.1.50:81")
    _camera_options(show, user_required=True)
    show.set_defaults(handler=_show_config)
