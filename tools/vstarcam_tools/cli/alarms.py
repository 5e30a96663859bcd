"""``vstarcam-push alarms``: list stored alarms, download their media, process their media."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from vstarcam_push.models.alarm import Alarm

from vstarcam_tools.cli.common import (
    PROG,
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
        "thumbnail": alarm.thumbnail is not None,
        "playableVideo": alarm.playable_video is not None,
        # null until media processing has run; "failed" carries mediaError, and so does a
        # video that is not playable.
        "mediaStatus": alarm.media_status,
        "mediaError": alarm.media_error,
    }


def media_summary(alarm: Alarm) -> str:
    """One word for the list: what media processing made of the alarm."""
    if alarm.media is None:
        return "pending"
    if alarm.media_status == "failed":
        return "failed"
    made = ["thumb"] if alarm.thumbnail else []
    if alarm.playable_video:
        made.append("mp4")
    elif alarm.video:
        made.append("no-mp4")
    return "+".join(made) or "none"


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
            media_summary(alarm),
        ]
        for alarm in alarms
    ]
    print(format_table(["ID", "RECEIVED", "TYPE", "VIDEO", "MEDIA"], rows))
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
    if args.thumbnail and alarm.thumbnail is None:
        raise CliError(f"alarm {alarm_id} has no thumbnail: {_why_missing(alarm)}")
    if args.playable_video and alarm.playable_video is None:
        why = "it has no video" if alarm.video is None else _why_missing(alarm)
        raise CliError(f"alarm {alarm_id} has no playable video: {why}")
    if args.json:
        print_json(alarm_json(alarm))
    media = context.media()
    saved = []
    for path, stored, label in (
        (args.picture, alarm.picture, "picture"),
        (args.video, alarm.video, "video"),
        (args.thumbnail, alarm.thumbnail, "thumbnail"),
        (args.playable_video, alarm.playable_video, "playable video"),
    ):
        if path and stored is not None:
            Path(path).write_bytes(media.get(stored.key))
            saved.append((f"{label} saved", str(path)))
    if args.json:
        return 0
    video = alarm.video
    lines = [
        ("id", alarm.alarm_id),
        ("vuid", alarm.vuid),
        ("type", f"{alarm.alarm_type.code} ({alarm.alarm_type.hex}) {alarm.alarm_type.name}"),
        ("received", iso_time(alarm.received_at_ms / 1000, milliseconds=True) or ""),
        ("picture", f"{alarm.picture.content_type}, {alarm.picture.size} bytes"),
        ("video", f"{video.content_type}, {video.size} bytes" if video else "none"),
        ("expires", iso_time(alarm.expires_at) or ""),
        ("thumbnail", _derived(alarm.thumbnail) or f"none ({_why_missing(alarm)})"),
        ("playable video", _playable_line(alarm)),
        ("media", _media_line(alarm)),
        *saved,
    ]
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label + ':':<{width + 1}} {value}")
    return 0


def _derived(derived: Any) -> str | None:
    return f"{derived.content_type}, {derived.size} bytes" if derived else None


def _playable_line(alarm: Alarm) -> str:
    if alarm.playable_video is not None:
        same = alarm.video is not None and alarm.playable_video.key == alarm.video.key
        return (_derived(alarm.playable_video) or "") + (" (the video as sent)" if same else "")
    return "none (no video)" if alarm.video is None else f"none ({_why_missing(alarm)})"


def _media_line(alarm: Alarm) -> str:
    if alarm.media is None:
        return "not processed yet"
    return f"{alarm.media_status}: {alarm.media_error}" if alarm.media_error else "processed"


def _why_missing(alarm: Alarm) -> str:
    if alarm.media is None:
        return f"media not processed yet (run '{PROG} alarms process')"
    return alarm.media_error or "media processing made none"


# ---------------------------------------------------------------- alarms process


def _since(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {value!r}: expected YYYY-MM-DD") from None


class ProgressBar:
    """``[#########-----------] 12/40`` on stderr: redrawn in place on a terminal, every
    tenth of the way (and at the end) on a pipe or log file."""

    def __init__(self, total: int, stream: TextIO, width: int = 30) -> None:
        self.total, self.stream, self.width = total, stream, width
        self.tty = stream.isatty()
        self._last_tenth = -1

    def update(self, done: int, note: str = "") -> None:
        filled = self.width * done // self.total if self.total else self.width
        line = f"[{'#' * filled}{'-' * (self.width - filled)}] {done}/{self.total} {note}"
        if self.tty:
            self.stream.write("\r" + line[:100].ljust(100))
            if done == self.total:
                self.stream.write("\n")
        else:
            tenth = 10 * done // self.total if self.total else 10
            if tenth == self._last_tenth and done != self.total:
                return
            self._last_tenth = tenth
            self.stream.write(line.rstrip() + "\n")
        self.stream.flush()


def _process(args: argparse.Namespace) -> int:
    # Pillow and PyAV load only for this command: the other commands start fast without
    # them. Imported first, so an install without the [media] extra says so at once.
    from vstarcam_push.media.processing import MediaProcessor

    vuid = parse_vuid(args.vuid) if args.vuid else None
    context = StackContext.resolve(args)
    store = context.alarms()
    today = datetime.now(tz=UTC).date()
    since = args.since or today - timedelta(days=context.outputs.retention_days)
    if since > today:
        raise CliError(f"--since {since.isoformat()} is in the future")
    since_ms = int(datetime(since.year, since.month, since.day, tzinfo=UTC).timestamp() * 1000)
    if vuid is None:
        days = (today - since).days + 1
        found = store.latest(_ALL, days=days)
    else:
        found = store.for_camera(vuid, _ALL)
    alarms = [a for a in found if a.received_at_ms >= since_ms]
    todo = [a for a in alarms if a.media_status != "processed"]
    scope = f"camera {vuid}" if vuid else "all cameras"
    print(
        f"{len(alarms)} alarm(s) of {scope} since {since.isoformat()}; "
        f"{len(todo)} without a thumbnail and playable video yet (or failed)",
        flush=True,
    )
    if not todo:
        return 0
    processor = MediaProcessor(store, context.media())
    tally = _run(todo, lambda alarm_id: processor.process(alarm_id, retry_failed=True))
    print(
        f"processed {tally['processed']}, failed {len(tally['failures'])}, "
        f"skipped {tally['skipped']} (already processed or gone)"
    )
    for alarm_id, reason in tally["failures"]:
        print(f"  {alarm_id}: {reason}")
    return 1 if tally["failures"] else 0


_ALL = 1_000_000


def _run(alarms: list[Alarm], process: Callable[[str], Any]) -> dict[str, Any]:
    bar = ProgressBar(len(alarms), sys.stderr)
    tally: dict[str, Any] = {"processed": 0, "skipped": 0, "failures": []}
    bar.update(0)
    for done, alarm in enumerate(alarms, start=1):
        processed = process(alarm.alarm_id)
        if processed.outcome == "processed":
            tally["processed"] += 1
        elif processed.outcome == "failed":
            tally["failures"].append((alarm.alarm_id, processed.result.error))
        else:
            tally["skipped"] += 1
        bar.update(done, alarm.alarm_id)
    return tally


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

    get = actions.add_parser("get", help="one alarm; save its picture, video, thumbnail")
    get.add_argument("alarm_id", metavar="ALARM_ID", help="an id from 'alarms list'")
    get.add_argument("--picture", metavar="FILE", help="write the picture (as sent) to FILE")
    get.add_argument("--video", metavar="FILE", help="write the video (as sent) to FILE")
    get.add_argument("--thumbnail", metavar="FILE", help="write the JPEG thumbnail to FILE")
    get.add_argument(
        "--playable-video", metavar="FILE", help="write the browser-playable MP4 to FILE"
    )
    get.add_argument("--json", action="store_true", help="print the alarm as JSON")
    get.set_defaults(handler=_get)

    process = actions.add_parser(
        "process",
        help="make thumbnails and playable videos for alarms without them",
        description="Make the thumbnail and playable MP4 of each stored alarm that has none "
        "yet (stored before media processing existed, or whose processing failed), here "
        "with your credentials. Alarms already processed are left alone.",
    )
    process.add_argument("--vuid", help="only this camera's alarms")
    process.add_argument(
        "--since",
        type=_since,
        metavar="DATE",
        help="only alarms received on or after DATE (YYYY-MM-DD, UTC; default: the "
        "retention period)",
    )
    process.set_defaults(handler=_process)

    for leaf in (listing, get, process):
        add_stack_options(leaf)
