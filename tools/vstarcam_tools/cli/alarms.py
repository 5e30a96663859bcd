"""``vstarcam-push alarms``: list stored alarms and download their media."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vstarcam_push.alarms import Alarm

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

DEFAULT_ALARM_LIMIT = 20


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


def _list(args: argparse.Namespace) -> int:
    vuid = parse_vuid(args.vuid) if args.vuid else None
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
    return f"{parse_vuid(vuid)}-{suffix}"


def _get(args: argparse.Namespace) -> int:
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


def register(subparsers: Any) -> None:
    alarms = subparsers.add_parser("alarms", help="list stored alarms and download their media")
    actions = alarms.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="newest alarms first")
    listing.add_argument("--vuid", help="only this camera's alarms")
    listing.add_argument(
        "--limit",
        type=positive_int,
        default=DEFAULT_ALARM_LIMIT,
        metavar="N",
        help=f"at most N alarms (default {DEFAULT_ALARM_LIMIT})",
    )
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=_list)

    get = actions.add_parser("get", help="one alarm; save its picture and video")
    get.add_argument("alarm_id", metavar="ALARM_ID", help="an id from 'alarms list'")
    get.add_argument("--picture", metavar="FILE", help="write the picture to FILE")
    get.add_argument("--video", metavar="FILE", help="write the video to FILE")
    get.set_defaults(handler=_get)

    for leaf in (listing, get):
        add_stack_options(leaf)
