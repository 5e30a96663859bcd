"""``vstarcam-push notify``: push destinations (ntfy, Telegram, Pushover, Discord, Slack,
signed webhooks), their filters, and a test send.

A destination and its filters go to the Destinations table; its secrets (tokens,
keys, webhook URLs, signing secrets) to SSM Parameter Store as SecureString under
the stack's prefix. Secrets are read from environment variables named on the
command line (``--token-env VAR``), so they stay out of shell history, and no
command prints one (except a webhook signing secret this command generated, once).
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import time
import uuid
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from vstarcam_push.dal.destinations import DestinationExists, DestinationStore
from vstarcam_push.dal.secrets import MissingSecret, SecretStore
from vstarcam_push.delivery.channels import Picture, channel
from vstarcam_push.delivery.channels.transport import pool, send
from vstarcam_push.delivery.deliverer import DeliveryCrashed, PushSender
from vstarcam_push.models.alarm_types import check_severity, parse_alarm_type
from vstarcam_push.models.audit import DESTINATION_ADDED, DESTINATION_REMOVED
from vstarcam_push.models.camera import check_site
from vstarcam_push.models.destination import (
    EVENTS,
    Destination,
    Filters,
    InvalidFilter,
    QuietHours,
    check_name,
)
from vstarcam_push.models.errors import BadRequest
from vstarcam_push.models.push_event import PushEvent

from vstarcam_tools.cli import audit
from vstarcam_tools.cli.common import (
    CliError,
    StackContext,
    _is_loopback,
    add_stack_options,
    format_table,
    hint,
    iso_time,
    parse_vuid,
    print_json,
)
from vstarcam_tools.cli.notify_email import add_confirm_email

SAMPLE_VUID = "VSTEST0000001"


@dataclass(frozen=True)
class PushStack:
    """The stack's destinations table and secret store."""

    destinations: DestinationStore
    secrets: SecretStore
    # False in a stack deployed with PushChannels=false: no delivery function.
    delivers: bool = True

    @classmethod
    def of(cls, context: StackContext) -> PushStack:
        raw = context.outputs.raw
        if "DestinationsTableName" not in raw or "DestinationSecretsPrefix" not in raw:
            raise CliError(
                f"stack {context.name} has no push destinations yet: deploy this version "
                "of the template ('make build && sam deploy')"
            )
        return cls(
            DestinationStore(context.client("dynamodb"), raw["DestinationsTableName"]),
            SecretStore(context.client("ssm"), raw["DestinationSecretsPrefix"]),
            delivers=raw.get("PushChannels") != "false",
        )


# ---------------------------------------------------------------- reading options


def _from_env(variable: str, what: str) -> str:
    value = os.environ.get(variable, "").strip()
    if not value:
        raise CliError(f"{what}: environment variable {variable} is not set (or empty)")
    return value


def _url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CliError(f"{what} must be an http:// or https:// URL")
    return value


def _items(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _alarm_types(value: str | None, option: str) -> frozenset[str]:
    try:
        return frozenset(parse_alarm_type(item).hex for item in _items(value))
    except BadRequest as error:
        raise CliError(f"{option}: {error.message}") from error


def filters_of(args: argparse.Namespace) -> Filters:
    events = frozenset(_items(args.events))
    unknown = sorted(events - set(EVENTS))
    if unknown:
        raise CliError(f"--events: {', '.join(unknown)} unknown: use alarm, offline, online")
    try:
        sites = frozenset(check_site(site) for site in _items(args.sites))
    except ValueError as error:
        raise CliError(f"--sites: {error}") from error
    quiet = None
    if args.quiet_hours:
        if not args.timezone:
            raise CliError("--quiet-hours needs --timezone (an IANA name like Europe/Berlin)")
        try:
            quiet = QuietHours.parse(args.quiet_hours, args.timezone)
        except InvalidFilter as error:
            raise CliError(str(error)) from error
    elif args.timezone or args.urgent_types is not None:
        raise CliError("--timezone and --urgent-types go with --quiet-hours")
    try:
        severities = frozenset(check_severity(item) for item in _items(args.severity))
    except BadRequest as error:
        raise CliError(f"--severity: {error.message}") from error
    filters = Filters(
        events=events,
        types=_alarm_types(args.types, "--types"),
        cameras=frozenset(parse_vuid(vuid) for vuid in _items(args.cameras)),
        sites=sites,
        quiet_hours=quiet,
        severities=severities,
    )
    if args.urgent_types is not None:
        urgent = _alarm_types(args.urgent_types, "--urgent-types")
        filters = Filters(**{**filters.__dict__, "urgent_types": urgent})
    return filters


def channel_settings(args: argparse.Namespace) -> tuple[dict[str, str], dict[str, str], str]:
    """The destination's settings, secrets and a generated signing secret (or "")."""
    settings: dict[str, str] = {}
    values: dict[str, str] = {}
    generated = ""
    kind = args.channel
    if kind == "ntfy":
        values["url"] = _url(args.url, "--url")
        if args.token_env:
            values["token"] = _from_env(args.token_env, "--token-env")
    elif kind == "telegram":
        settings["chat_id"] = args.chat_id
        values["token"] = _from_env(args.token_env, "--token-env")
    elif kind == "pushover":
        values["user_key"] = _from_env(args.user_key_env, "--user-key-env")
        values["token"] = _from_env(args.token_env, "--token-env")
    elif kind in ("discord", "slack"):
        values["url"] = _url(_from_env(args.url_env, "--url-env"), "the webhook URL")
    elif kind == "webhook":
        values["url"] = _url(args.url, "--url")
        if args.secret_env:
            values["signing_secret"] = _from_env(args.secret_env, "--secret-env")
        else:
            generated = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
            values["signing_secret"] = generated
        _check_signing_secret(values["signing_secret"])
    if getattr(args, "api_url", None):
        settings["api_url"] = _url(args.api_url, "--api-url")
    return settings, values, generated


def _check_signing_secret(value: str) -> None:
    try:
        decoded = base64.b64decode(value.removeprefix("whsec_") + "==", validate=False)
    except ValueError:
        decoded = b""
    if len(decoded) < 16:
        raise CliError("--secret-env: a signing secret is whsec_ and base64 of 16 bytes or more")


# ---------------------------------------------------------------- commands


def _add(args: argparse.Namespace) -> int:
    try:
        name = check_name(args.name)
    except InvalidFilter as error:
        raise CliError(str(error)) from error
    filters = filters_of(args)
    settings, values, generated = channel_settings(args)
    service = channel(args.channel)
    context = StackContext.resolve(args)
    push = PushStack.of(context)
    if not push.delivers:
        raise CliError(
            f"stack {context.name} was deployed with PushChannels=false: it has no delivery "
            "function, so no destination would be sent anything. Deploy it with "
            "'sam deploy --parameter-overrides PushChannels=true' first"
        )
    destination = Destination(
        name=name,
        channel=args.channel,
        target=service.target(settings, values),
        settings=settings,
        secret_fields=tuple(sorted(values)),
        filters=filters,
        # Also the secrets' cache key in the delivery function: a re-added destination
        # is read afresh.
        created_at=int(time.time()),
    )
    try:
        push.destinations.add(destination)
    except DestinationExists:
        raise CliError(
            f"destination {name} exists: '{hint(args, f'notify remove {name}')}' first"
        ) from None
    try:
        push.secrets.put(name, values)
    except BaseException:
        # Nothing half-stored: a destination without its secrets would only fail.
        push.destinations.remove(name)
        push.secrets.delete(name, tuple(values))
        raise
    # The target as printed (never a secret: channels name it without their tokens).
    audit.record(
        context,
        DESTINATION_ADDED,
        name,
        {"channel": args.channel, "target": destination.target, "sends": filters.describe()},
    )
    print(f"added {args.channel} destination {name}: {destination.target}")
    print(f"  sends: {filters.describe()}")
    if generated:
        print(f"  signing secret (shown once; give it to the receiver): {generated}")
    print(f"  try it: {hint(args, f'notify test {name}')}")
    return 0


def _list(args: argparse.Namespace) -> int:
    destinations = PushStack.of(StackContext.resolve(args)).destinations.list()
    if args.json:
        print_json([destination.public() for destination in destinations])
        return 0
    if not destinations:
        print(f"no push destinations: add one with '{hint(args, 'notify add CHANNEL NAME ...')}'")
        return 0
    rows = [
        [
            d.name,
            d.channel,
            d.target,
            d.filters.describe(),
            f"{iso_time(d.last_error_at)} {d.last_error}" if d.last_error else "-",
        ]
        for d in destinations
    ]
    print(format_table(["NAME", "CHANNEL", "TARGET", "SENDS", "LAST FAILURE"], rows))
    return 0


def _remove(args: argparse.Namespace) -> int:
    context = StackContext.resolve(args)
    push = PushStack.of(context)
    destination = push.destinations.get(args.name)
    if destination is None or not push.destinations.remove(args.name):
        raise CliError(f"no destination named {args.name!r}")
    push.secrets.delete(destination.name, destination.secret_fields)
    audit.record(context, DESTINATION_REMOVED, destination.name, {"channel": destination.channel})
    print(f"removed destination {destination.name} and its secrets")
    return 0


def sample_event(picture_size: int) -> PushEvent:
    now = int(time.time())
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(now))
    return PushEvent(
        kind="alarm",
        event_id=f"{SAMPLE_VUID}-test-{uuid.uuid4().hex[:12]}",
        vuid=SAMPLE_VUID,
        camera_name="Test camera",
        site="",
        at=now,
        title="Motion detection alarm: Test camera (test)",
        text=f"Test camera ({SAMPLE_VUID}): Motion detection alarm at {stamp} "
        "(a test from vstarcam-push notify test)",
        alarm_id=f"{SAMPLE_VUID}-test",
        alarm_type=0x12,
        alarm_type_hex="0x12",
        alarm_type_name="Motion detection alarm",
        picture_key="sample/motion.jpg",
        picture_content_type="image/jpeg",
        picture_size=picture_size,
    )


class SamplePicture:
    """``notify test``'s picture: the sample JPEG, when the channel uploads one that big."""

    def __init__(self, content: bytes) -> None:
        self.content = content

    def picture(self, event: PushEvent, limit: int) -> Picture | None:
        if 0 < len(self.content) <= limit:
            return Picture(self.content, "image/jpeg", "motion.jpg")
        return None

    def media_link(self, event: PushEvent) -> None:
        """The sample alarm is stored nowhere: no media link."""
        return None


def _web_push(context: StackContext) -> Any:
    """A web push device's channel as the delivery function has it: the stack's VAPID key
    (made by the console), the console's URL; loopback endpoints for the local stack only."""
    from vstarcam_push.dal.vapid_key import VapidKeyStore, key_parameter
    from vstarcam_push.delivery.channels.webpush import WebPush

    keys = VapidKeyStore(context.client("ssm"), key_parameter(context.name))
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    return WebPush(
        vapid_key=lambda: keys.load(create=False),
        console_url=context.outputs.raw.get("ConsoleUrl", ""),
        allow_loopback=(bool(endpoint) and _is_loopback(endpoint))
        or os.environ.get("WEB_PUSH_ALLOW_LOOPBACK") == "true",
    )


def _test(args: argparse.Namespace) -> int:
    context = StackContext.resolve(args)
    push = PushStack.of(context)
    destination = push.destinations.get(args.name)
    if destination is None:
        raise CliError(f"no destination named {args.name!r}")
    content = resources.files("vstarcam_tools.camera").joinpath("testdata/motion.jpg").read_bytes()
    event = sample_event(len(content))
    http = pool()
    # The delivery function's own attempt (secrets, request, send, verdict, scrub), with
    # the sample picture and no links (the sample alarm is stored nowhere).
    sender = PushSender(
        secrets=push.secrets,
        pictures=SamplePicture(content),
        send=lambda request: send(http, request),
        channels={"webpush": _web_push(context)} if destination.channel == "webpush" else None,
    )
    try:
        attempt = sender.attempt(
            destination, event, event.event_id + "." + destination.name, event.at
        )
    except MissingSecret as error:
        raise CliError(str(error)) from error
    except DeliveryCrashed as error:
        # Retold without its message (it may quote a header or a URL with the secret).
        raise CliError(str(error)) from None
    verdict = attempt.verdict
    words = {
        "delivered": "delivered",
        "retry": "failed (would be retried)",
        "give_up": "refused",
        "gone": "gone (the delivery function would remove it)",
        "dropped": "not sent",
    }
    print(f"{destination.name} ({destination.channel}): {words[verdict.outcome]}: {verdict.detail}")
    if attempt.answer and verdict.outcome == "delivered":
        print(f"  the service answered: {attempt.answer}")
    return 0 if verdict.outcome == "delivered" else 1


# ---------------------------------------------------------------- parsers


def _filter_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters (default: every event of every camera)")
    group.add_argument("--events", metavar="LIST", help="of alarm,offline,online")
    group.add_argument(
        "--types", metavar="LIST", help="alarm types, hex or decimal, like 0x26,0x6d,0x6e"
    )
    group.add_argument(
        "--severity",
        metavar="LIST",
        help="alert and/or detection: the stack's AlertTypes say which alarm types are alerts",
    )
    group.add_argument("--cameras", metavar="VUIDS", help="only these cameras")
    group.add_argument("--sites", metavar="SITES", help="only cameras of these sites")
    group.add_argument(
        "--quiet-hours",
        metavar="HH:MM-HH:MM",
        help="like 22:00-07:00: inside them only the urgent types go through",
    )
    group.add_argument("--timezone", metavar="ZONE", help="of the quiet hours: Europe/Berlin")
    group.add_argument(
        "--urgent-types",
        metavar="LIST",
        default=None,
        help="alarm types that go through quiet hours (default 0x26,0x6d,0x6e: smoke "
        "and fire; '' for none)",
    )


def register(subparsers: Any) -> None:
    notify = subparsers.add_parser(
        "notify", help="push destinations: ntfy, Telegram, Pushover, Discord, Slack, webhooks"
    )
    actions = notify.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add a push destination")
    kinds = add.add_subparsers(dest="channel", metavar="CHANNEL", required=True)
    ntfy = kinds.add_parser("ntfy", help="ntfy.sh or a self-hosted ntfy server")
    ntfy.add_argument("--url", required=True, metavar="TOPIC_URL", help="https://ntfy.sh/TOPIC")
    ntfy.add_argument("--token-env", metavar="VAR", help="variable holding an access token")
    telegram = kinds.add_parser("telegram", help="a Telegram bot, to one chat")
    telegram.add_argument("--chat-id", required=True, metavar="ID")
    telegram.add_argument("--token-env", required=True, metavar="VAR", help="holds the bot token")
    telegram.add_argument("--api-url", metavar="URL", help="a self-hosted Bot API server")
    pushover = kinds.add_parser("pushover", help="Pushover")
    pushover.add_argument("--user-key-env", required=True, metavar="VAR")
    pushover.add_argument("--token-env", required=True, metavar="VAR", help="the app token")
    pushover.add_argument("--api-url", metavar="URL", help="another messages API URL")
    discord = kinds.add_parser("discord", help="a Discord channel webhook")
    discord.add_argument("--url-env", required=True, metavar="VAR", help="holds the webhook URL")
    slack = kinds.add_parser("slack", help="a Slack incoming webhook")
    slack.add_argument("--url-env", required=True, metavar="VAR", help="holds the webhook URL")
    webhook = kinds.add_parser("webhook", help="a signed webhook (Standard Webhooks)")
    webhook.add_argument("--url", required=True, metavar="URL")
    webhook.add_argument(
        "--secret-env",
        metavar="VAR",
        help="holds the whsec_ signing secret (default: generate one and print it once)",
    )
    for leaf in (ntfy, telegram, pushover, discord, slack, webhook):
        leaf.add_argument("name", metavar="NAME", help="the destination's name, like phone")
        _filter_options(leaf)
        add_stack_options(leaf)
        leaf.set_defaults(handler=_add)

    listing = actions.add_parser("list", help="the destinations and their filters")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=_list)

    test = actions.add_parser(
        "test", help="send a sample alarm with a picture and show the service's answer"
    )
    test.add_argument("name", metavar="NAME")
    test.set_defaults(handler=_test)

    remove = actions.add_parser("remove", help="remove a destination and its secrets")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=_remove)

    for leaf in (listing, test, remove):
        add_stack_options(leaf)

    # The SNS email subscription's confirmation, with authentication on unsubscribe.
    add_confirm_email(actions)
