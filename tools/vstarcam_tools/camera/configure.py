"""Pointing real cameras at the stack through their CGI: the workflow of ``cameras configure``.

``configure_camera`` reads the camera's ids (``get_status.cgi``) and push settings
(``get_alarm_push_cfg.cgi``) first, so wrong credentials, an unreachable camera or
firmware without alarm push fail before anything changes. Then it registers the camera,
sets its own keyed URLs (the stack's ``HeartbeatUrl``/``AlarmUrl`` plus ``/<push key>``)
with ``set_alarm_push_cfg.cgi`` and reads the settings back to check they took: firmware
that shortens a URL too long for it is caught there. What it reports never shows the key
(``<push key>`` instead). Used by the CLI's ``cameras`` group (``vstarcam_tools.cli.cameras``,
which parses the options and prints); it needs the camera registry and the CGI client,
never the CLI. Errors are ``CameraError``s, one line each.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.ingest.protocol import validate_vuid
from vstarcam_push.models.camera import clean_name
from vstarcam_push.models.errors import BadRequest
from vstarcam_push.models.push_keys import REDACTED, PushUrls, keyed_url, redact

from vstarcam_tools.camera.cgi_client import (
    CameraClient,
    CameraError,
    Credentials,
    PushConfig,
    Value,
)

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
MAX_TIMEOUT = 60.0


class ReadBackMismatch(CameraError):
    pass


class ShortenedUrl(ReadBackMismatch):
    """The firmware kept only the start of a URL: it cannot hold the keyed URLs."""


class WrongCamera(CameraError):
    """The camera at the address given is not the camera named (``rotate-key --configure``)."""


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


def shown_value(value: Value) -> str:
    """A setting as printed: ``(empty)`` for an empty one."""
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
        say(f"  {setting}: {shown_value(old)} -> {shown_value(new)}")
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
            f"{setting} set to {shown_value(redact(str(asked)))!r} "
            f"but reads {shown_value(redact(str(got)))!r}"
            for setting, asked, got in mismatches
        )
        raise ReadBackMismatch(f"camera at {client.base_url} did not keep its settings: {details}")


@dataclass(frozen=True)
class CameraAt:
    """A camera to set URLs on (``cameras rotate-key --configure``), checked to be ``vuid``."""

    address: str
    credentials: Credentials
    timeout: float


def check_camera(camera: CameraAt, vuid: str) -> None:
    """Refuse the camera unless its own ids say it is camera ``vuid`` (``WrongCamera``).

    Checked before the key is rotated, so a wrong address leaves the old key working.
    """
    with CameraClient(camera.address, camera.credentials, camera.timeout) as client:
        ids = client.get_ids()
        client.get_push_config()
    if ids.push_id.upper() != vuid:
        raise WrongCamera(
            f"the camera at {client.base_url} is {ids.push_id or 'without a vuid'}, not {vuid}: "
            "nothing changed"
        )


def set_camera_urls(camera: CameraAt, urls: PushUrls) -> str:
    """Set a camera's new URLs, keep its other settings, and read them back; its base URL."""
    with CameraClient(camera.address, camera.credentials, camera.timeout) as client:
        before = client.get_push_config()
        wanted = dataclasses.replace(
            before, heartbeat_server=urls.heartbeat_url, alarm_push_main_server=urls.alarm_url
        )
        _set_and_check(client, wanted, before.differences(wanted))
    return client.base_url


def run_one(
    target: Target, request: ConfigureRequest, registry: CameraRegistry, secret: bytes
) -> ConfigureReport:
    """Configure one camera; its failure is in the outcome, so the others go on."""
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


def configure_all(
    targets: list[Target],
    request: ConfigureRequest,
    registry: CameraRegistry,
    secret: bytes,
    done: Callable[[ConfigureReport], None] = lambda outcome: None,
) -> list[ConfigureReport]:
    """Configure ``targets``, a few at a time; the outcomes in the order given.

    ``done`` is called with each outcome in that order (the CLI's progress line).
    """
    with ThreadPoolExecutor(max_workers=BULK_CONCURRENCY) as pool:
        futures = [pool.submit(run_one, target, request, registry, secret) for target in targets]
        outcomes: list[ConfigureReport] = []
        for future in futures:
            outcome = future.result()
            done(outcome)
            outcomes.append(outcome)
    return outcomes
