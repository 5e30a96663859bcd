"""``cameras configure`` and ``cameras show-config``: point real cameras at the stack.

``configure`` reads the camera's ids (``get_status.cgi``) and push settings
(``get_alarm_push_cfg.cgi``) first, so wrong credentials, an unreachable
camera or firmware without alarm push fail before anything changes. Then it
registers the camera, sets its own keyed URLs (the stack's ``HeartbeatUrl``/
``AlarmUrl`` plus ``/<push key>``) with ``set_alarm_push_cfg.cgi`` and reads the
settings back to check they took: firmware that shortens a URL too long for it
is caught there. What it prints never shows the key (``<push key>`` instead).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import getpass
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.ingest.protocol import validate_vuid
from vstarcam_push.models.audit import CAMERA_REGISTERED, CAMERA_UPDATED
from vstarcam_push.models.camera import check_site, clean_name
from vstarcam_push.models.errors import BadRequest
from vstarcam_push.models.push_keys import REDACTED, PushUrls, keyed_url, redact

from vstarcam_tools import arguments
from vstarcam_tools.camera_cgi import (
    DEFAULT_TIMEOUT,
    CameraClient,
    CameraError,
    Credentials,
    PushConfig,
    Value,
    camera_base_url,
)
from vstarcam_tools.cli import audit
from vstarcam_tools.cli.common import CliError, StackContext, add_stack_options, format_table
from vstarcam_tools.outputs import StackOutputs

DEFAULT_HEARTBEAT_TIME = 60
MIN_HEARTBEAT_TIME = 10
MAX_HEARTBEAT_TIME = 3600
# A camera is reported offline after three missed heartbeats (never sooner
# than 30 s): one late or lost heartbeat on a busy Wi-Fi is not an outage.
OFFLINE_HEARTBEATS = 3
MIN_OFFLINE_AFTER = 30
# Cameras are small devices on one LAN: a few at a time keeps both them and
# the network responsive.
BULK_CONCURRENCY = 4
MAX_CSV_ROWS = 10_000
CSV_COLUMNS = ("url", "user", "password", "name", "site")
DEFAULT_USER = "admin"
MAX_TIMEOUT = 60.0


class ReadBackMismatch(CameraError):
    pass


class ShortenedUrl(ReadBackMismatch):
    """The firmware kept only the start of a URL: it cannot hold the keyed URLs."""


def offline_after(heartbeat_time: int) -> int:
    """Seconds without a heartbeat before the stack reports the camera offline."""
    return max(MIN_OFFLINE_AFTER, OFFLINE_HEARTBEATS * heartbeat_time)


@dataclass(frozen=True)
class Target:
    """One camera to configure: where it is, how to log in, and what to call it."""

    address: str
    credentials: Credentials
    name: str = ""
    vuid: str = ""
    # The site (customer, building) to put the camera in; "" leaves it as it is.
    site: str = ""


@dataclass(frozen=True)
class ConfigureRequest:
    """What the operator asked for, the same for every camera of a run."""

    heartbeat_url: str
    alarm_url: str
    heartbeat_time: int
    sub_server: str | None
    dry_run: bool
    timeout: float
    # RequirePushKey=false: set the bare URLs, for firmware that cannot hold the keyed ones.
    without_key: bool = False


@dataclass
class ConfigureReport:
    """What happened to one camera; ``lines`` are printed in the order cameras were given."""

    target: Target
    vuid: str = ""
    result: str = ""
    error: str = ""
    lines: list[str] = field(default_factory=list)
    # "registered" or "updated" once the stack's camera item was written (the audit
    # trail records it, whatever happens on the camera afterwards); the name it got.
    registered: str = ""
    name: str = ""


def _shown(value: Value) -> str:
    return str(value) if value != "" else "(empty)"


def _vuid(text: str, source: str) -> str:
    try:
        return validate_vuid(text)
    except BadRequest as error:
        raise CameraError(f"{source} {text!r} is not a usable vuid: {error.message}") from None


def configure_camera(
    target: Target,
    request: ConfigureRequest,
    registry: CameraRegistry,
    outcome: ConfigureReport,
    secret: bytes,
) -> None:
    """Check, register, set and verify one camera, writing what it does to ``outcome``."""
    say = outcome.lines.append
    with CameraClient(target.address, target.credentials, request.timeout) as client:
        ids = client.get_ids()
        before = client.get_push_config()
        if target.vuid:
            vuid = _vuid(target.vuid, "--vuid")
        else:
            vuid = _vuid(ids.push_id, "get_status.cgi " + ("vuid" if ids.vuid else "deviceid"))
        outcome.vuid = vuid
        registered = registry.get(vuid)
        name = target.name or (registered.name if registered else "") or ids.alias
        try:
            # Registering cleans the name; one it would refuse fails this camera only.
            clean_name(name)
        except BadRequest as error:
            raise CameraError(f"camera name {name[:80]!r}: {error.message}") from None
        label = f"{name} ({vuid})" if name else vuid
        threshold = offline_after(request.heartbeat_time)
        registration = (
            f"camera {label}, reported offline after {threshold} s without a heartbeat "
            f"({OFFLINE_HEARTBEATS} x heartbeatTime {request.heartbeat_time} s)"
        ) + (f", in site {target.site}" if target.site else "")
        say(f"camera {client.base_url}: {label}")
        if request.dry_run:
            # The camera's key if it has one (to compare with what it has), never printed.
            key = REDACTED
            if registered is not None and registered.has_push_key and not registered.pending:
                key = registry.push_key(vuid, secret)
            wanted = _wanted(request, before, key)
            _say_changes(say, before, wanted)
            say(f"  would {'update' if registered else 'register'} {registration}")
            changes = before.differences(wanted)
            if changes:
                shown = _redacted(wanted).as_params()
                say(f"  would request {client.url('set_alarm_push_cfg.cgi', shown)}")
            outcome.result = f"dry run: {len(changes)} to change"
            return

        issued = registry.register(vuid, name, threshold, int(time.time()), secret)
        outcome.registered = "updated" if registered and not registered.pending else "registered"
        outcome.name = name
        if target.site:
            registry.set_site(vuid, target.site)
        key = issued.push_key or registry.push_key(vuid, secret)
        wanted = _wanted(request, before, key)
        changes = _say_changes(say, before, wanted)
        say(f"  {'updated' if registered else 'registered'} {registration}")
        _set_and_check(client, wanted, changes)
        say("  read back: every setting took")
        outcome.result = f"configured ({len(changes)} changed)" if changes else "already configured"


def _wanted(request: ConfigureRequest, before: PushConfig, key: str) -> PushConfig:
    """The settings to set: the camera's keyed URLs (bare ones with ``--without-key``)."""
    keyed = (lambda url: url) if request.without_key else (lambda url: keyed_url(url, key))
    return PushConfig(
        heartbeat_time=request.heartbeat_time,
        heartbeat_server=keyed(request.heartbeat_url),
        alarm_push_main_server=keyed(request.alarm_url),
        # Passed back unchanged when not asked for: firmware may clear a setting left out.
        alarm_push_sub_server=(
            request.sub_server if request.sub_server is not None else before.alarm_push_sub_server
        ),
    )


def _redacted(config: PushConfig) -> PushConfig:
    return dataclasses.replace(
        config,
        heartbeat_server=redact(config.heartbeat_server),
        alarm_push_main_server=redact(config.alarm_push_main_server),
        alarm_push_sub_server=redact(config.alarm_push_sub_server),
    )


def _say_changes(
    say: Callable[[str], None], before: PushConfig, wanted: PushConfig
) -> list[tuple[str, Value, Value]]:
    """Print what changes, with push keys redacted; return the real differences."""
    changes = before.differences(wanted)
    shown = _redacted(before).differences(_redacted(wanted))
    for setting, old, new in shown:
        say(f"  {setting}: {_shown(old)} -> {_shown(new)}")
    if not changes:
        say("  push settings already point at the stack")
    elif not shown:
        # Only the key differs (it was rotated): the redacted URLs look the same.
        say("  heartbeatServer, alarmPushMainServer: the push key in them changes")
    return changes


def _set_and_check(
    client: CameraClient, wanted: PushConfig, changes: list[tuple[str, Value, Value]]
) -> None:
    """Set the settings if any changed, read them back, refuse a camera that did not keep them."""
    if changes:
        client.set_push_config(wanted)
    after = client.get_push_config()
    mismatches = wanted.differences(after)
    for setting, asked, got in mismatches:
        if isinstance(asked, str) and isinstance(got, str) and got and asked.startswith(got):
            raise ShortenedUrl(
                f"camera at {client.base_url} shortened {setting} to {len(got)} characters "
                f"(its URL with the push key has {len(asked)}): this firmware cannot hold the "
                "keyed URLs. Deploy the stack with RequirePushKey=false and configure it with "
                "--without-key (docs/security.md says what that gives up)"
            )
    if mismatches:
        details = "; ".join(
            f"{setting} set to {_shown(redact(str(asked)))!r} "
            f"but reads {_shown(redact(str(got)))!r}"
            for setting, asked, got in mismatches
        )
        raise ReadBackMismatch(f"camera at {client.base_url} did not keep its settings: {details}")


@dataclass(frozen=True)
class CameraAt:
    """A camera to set URLs on (``cameras rotate-key --configure``), checked to be ``vuid``."""

    address: str
    credentials: Credentials
    timeout: float


def camera_at(args: argparse.Namespace, vuid: str) -> CameraAt:
    """The camera at ``--configure``, once its own ids say it is camera ``vuid``.

    Checked before the key is rotated, so a wrong address leaves the old key working.
    """
    if args.user is None:
        raise CliError("give the camera's login with --user (often admin)")
    try:
        address = camera_base_url(args.configure)
    except CameraError as error:
        raise CliError(str(error)) from None
    camera = CameraAt(
        address, Credentials(args.user, _password(args, args.user, address)), args.timeout
    )
    try:
        with CameraClient(camera.address, camera.credentials, camera.timeout) as client:
            ids = client.get_ids()
            client.get_push_config()
    except CameraError as error:
        raise CliError(str(error)) from None
    if ids.push_id.upper() != vuid:
        raise CliError(
            f"the camera at {client.base_url} is {ids.push_id or 'without a vuid'}, not {vuid}: "
            "nothing changed"
        )
    return camera


def set_camera_urls(camera: CameraAt, urls: PushUrls) -> None:
    """Set a camera's new URLs, keep its other settings, and read them back."""
    try:
        with CameraClient(camera.address, camera.credentials, camera.timeout) as client:
            before = client.get_push_config()
            wanted = dataclasses.replace(
                before, heartbeat_server=urls.heartbeat_url, alarm_push_main_server=urls.alarm_url
            )
            _set_and_check(client, wanted, before.differences(wanted))
    except CameraError as error:
        raise CliError(str(error)) from None
    print(f"  set the new URLs on the camera at {client.base_url}; read back: they took")


def _run_one(
    target: Target, request: ConfigureRequest, registry: CameraRegistry, secret: bytes
) -> ConfigureReport:
    outcome = ConfigureReport(target)
    try:
        configure_camera(target, request, registry, outcome, secret)
    except CameraError as error:
        outcome.error = str(error)
    except (ClientError, BotoCoreError) as error:
        # One camera's failed registration should not stop the others.
        outcome.error = f"registering in the stack failed: {' '.join(str(error).split())}"
    if outcome.error:
        outcome.result = f"failed: {outcome.error}"
    return outcome


# ---------------------------------------------------------------- progress


class Progress:
    """``configured 3/10 cameras (1 failed)`` on stderr.

    A few lines of our own instead of a progress bar library: the count is
    all there is to show, and without a terminal (CI, a log file) each step
    becomes one plain line instead of carriage-return noise.
    """

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self._stream = stream
        self._tty = stream.isatty()

    def advance(self, failed: bool) -> None:
        self.done += 1
        self.failed += failed
        text = f"configured {self.done}/{self.total} cameras" + (
            f" ({self.failed} failed)" if self.failed else ""
        )
        if self._tty:
            width = 20
            filled = width * self.done // self.total
            self._stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}")
            if self.done == self.total:
                self._stream.write("\n")
        else:
            self._stream.write(text + "\n")
        self._stream.flush()


# ---------------------------------------------------------------- command line


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


def _site(value: str) -> str:
    try:
        return check_site(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


_heartbeat_time = arguments.number(int, MIN_HEARTBEAT_TIME, MAX_HEARTBEAT_TIME, unit="seconds")
_timeout = arguments.number(float, 0, MAX_TIMEOUT, above=True, unit="seconds")


def _server_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http:// or https:// URL")
    return text


def camera_options(parser: argparse.ArgumentParser, user_required: bool) -> None:
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


def _camera_urls(args: argparse.Namespace, outputs: StackOutputs) -> tuple[str, str]:
    """The heartbeat and alarm URLs to set: the stack's (its HTTPS ones, or with
    ``--plain-http`` its plain-HTTP front door's), unless given on the command line."""
    if not args.plain_http:
        return args.heartbeat_url or outputs.heartbeat_url, args.alarm_url or outputs.alarm_url
    if args.heartbeat_url or args.alarm_url:
        raise CliError("give --plain-http or --heartbeat-url/--alarm-url, not both")
    if outputs.plain_http_heartbeat_url is None or outputs.plain_http_alarm_url is None:
        raise CliError(
            "the stack has no plain-HTTP front door: deploy it with the parameter "
            "PlainHttpFrontDoor=true (docs/cameras.md)"
        )
    return outputs.plain_http_heartbeat_url, outputs.plain_http_alarm_url


def _request(args: argparse.Namespace, outputs: StackOutputs) -> ConfigureRequest:
    """The run's settings; camera URLs are the stack's unless given."""
    heartbeat_url, alarm_url = _camera_urls(args, outputs)
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
    try:
        address = camera_base_url(args.camera_url)
    except CameraError as error:
        raise CliError(str(error)) from None
    target = Target(
        address,
        Credentials(args.user, _password(args, args.user, address)),
        name=args.name or "",
        vuid=args.vuid or "",
        site=args.site or "",
    )
    context = StackContext.resolve(args)
    request = _request(args, context.outputs)
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
        _record(context, [outcome], request)
    for line in outcome.lines:
        print(line)
    return 0


def _record(
    context: StackContext, outcomes: list[ConfigureReport], request: ConfigureRequest
) -> None:
    """The audit trail's entry for each camera registered or updated in the stack."""
    for outcome in outcomes:
        if outcome.registered:
            audit.record(
                context,
                CAMERA_REGISTERED if outcome.registered == "registered" else CAMERA_UPDATED,
                outcome.vuid,
                {
                    "name": outcome.name,
                    "offlineAfter": offline_after(request.heartbeat_time),
                    **({"site": outcome.target.site} if outcome.target.site else {}),
                    "by": "cameras configure",
                },
            )


def read_targets(path: Path, default_user: str | None, password: Callable[[], str]) -> list[Target]:
    """The cameras of a ``url,user,password,name`` CSV; ``password()`` fills empty cells."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            rows = list(_csv_rows(file))
    except csv.Error as error:
        raise CliError(f"{path}: not a readable CSV ({error})") from None
    except UnicodeDecodeError:
        raise CliError(f"{path}: not UTF-8 text") from None
    targets: list[Target] = []
    for number, row in rows:
        address = row.get("url", "").strip()
        if not address:
            raise CliError(f"{path}:{number}: the url cell is empty")
        try:
            address = camera_base_url(address)
        except CameraError as error:
            raise CliError(f"{path}:{number}: {error}") from None
        user = row.get("user", "").strip() or default_user
        if not user:
            raise CliError(f"{path}:{number}: no user: fill the user column or pass --user")
        secret = row.get("password", "") or password()
        site = row.get("site", "").strip()
        if site:
            try:
                check_site(site)
            except ValueError as error:
                raise CliError(f"{path}:{number}: {error}") from None
        targets.append(
            Target(address, Credentials(user, secret), name=row.get("name", "").strip(), site=site)
        )
    if not targets:
        raise CliError(f"{path}: no cameras listed")
    return targets


def _csv_rows(file: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(file)
    columns = [name.strip().lower() for name in reader.fieldnames or []]
    unknown = [name for name in columns if name not in CSV_COLUMNS]
    if "url" not in columns or unknown:
        raise CliError(
            f"{file.name}: the first line must name the columns {','.join(CSV_COLUMNS)}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else "")
        )
    reader.fieldnames = columns
    for index, row in enumerate(reader):
        if index >= MAX_CSV_ROWS:
            raise CliError(f"{file.name}: more than {MAX_CSV_ROWS} cameras; split the file")
        if None in row:
            raise CliError(f"{file.name}:{reader.line_num}: more cells than columns")
        if any((value or "").strip() for value in row.values()):
            yield reader.line_num, {key: value or "" for key, value in row.items()}


def _configure_many(args: argparse.Namespace) -> int:
    cached: list[str] = []

    def password() -> str:
        if not cached:
            cached.append(_password(args, args.user or DEFAULT_USER, "cameras without one"))
        return cached[0]

    targets = read_targets(Path(args.csv), args.user, password)
    context = StackContext.resolve(args)
    request = _request(args, context.outputs)
    registry = context.cameras()
    secret = context.push_key_secret()
    if args.dry_run:
        print("dry run: nothing is changed on the cameras or in the stack")
    progress = Progress(len(targets), sys.stderr)
    with ThreadPoolExecutor(max_workers=BULK_CONCURRENCY) as pool:
        futures = [pool.submit(_run_one, target, request, registry, secret) for target in targets]
        outcomes: list[ConfigureReport] = []
        for future in futures:
            outcome = future.result()
            progress.advance(bool(outcome.error))
            outcomes.append(outcome)
    _record(context, outcomes, request)
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
    try:
        address = camera_base_url(args.camera_url)
    except CameraError as error:
        raise CliError(str(error)) from None
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
        print(f"{label + ':':<21} {_shown(value)}")


def register(cameras_subparsers: argparse._SubParsersAction) -> None:
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
    camera_options(configure, user_required=False)
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
    camera_options(show, user_required=True)
    show.set_defaults(handler=_show_config)
