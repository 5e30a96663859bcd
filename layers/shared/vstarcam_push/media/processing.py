"""Media processing: each stored alarm gets a thumbnail and, for a video, a playable MP4.

Driven by the Alarms table stream (MediaProcessFunction) and by the CLI's
``alarms process`` for alarms stored before it or whose processing failed.
For one alarm: read it (consistently), read its media, derive (``media.convert``),
put what was derived beside the originals, and record it on the alarm in one
conditional update. An alarm already processed is left alone, so a redelivered
record neither makes a second thumbnail nor replaces a good one. Media that do
not decode are recorded as ``failed`` with the reason, and the batch moves on;
only AWS failures are raised, for Lambda to retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ClientError

from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.media import MediaStore
from vstarcam_push.media import convert as media_convert
from vstarcam_push.models.alarm import FAILED, PROCESSED, Alarm, DerivedMedia, MediaResult
from vstarcam_push.models.media import JPEG, MP4, PLAYABLE_SUFFIX, THUMBNAIL_SUFFIX, derived_key

ProcessingOutcome = Literal["processed", "failed", "already_processed", "not_found"]


@dataclass(frozen=True)
class Processed:
    alarm_id: str
    outcome: ProcessingOutcome
    result: MediaResult | None = None


class MediaProcessor:
    def __init__(self, alarms: AlarmStore, media: MediaStore) -> None:
        self.alarms = alarms
        self.media = media

    def handle_record(self, record: dict[str, Any]) -> Processed | None:
        """A stream record of a new alarm; None for any other record."""
        image = (record.get("dynamodb") or {}).get("NewImage") or {}
        if record.get("eventName") != "INSERT" or "alarmId" not in image:
            return None
        return self.process(image["alarmId"]["S"])

    def process(self, alarm_id: str, retry_failed: bool = False) -> Processed:
        """Process one alarm unless it was already (``retry_failed``: also redo a failure)."""
        alarm = self.alarms.get(alarm_id, consistent=True)
        if alarm is None:
            # Expired (TTL) or removed before its turn: nothing to derive from.
            return Processed(alarm_id, "not_found")
        if alarm.media_status == PROCESSED or (alarm.media_status == FAILED and not retry_failed):
            return Processed(alarm_id, "already_processed", alarm.media)
        result = self.derive(alarm)
        if not self.alarms.record_media(alarm_id, result, retry_failed=retry_failed):
            if self.alarms.get(alarm_id, consistent=True) is None:
                # Deleted (or expired) while this ran: what was derived belongs to nobody.
                self._discard(alarm, result)
                return Processed(alarm_id, "not_found")
            # Another delivery recorded its result first: same keys, so nothing to undo.
            return Processed(alarm_id, "already_processed", result)
        return Processed(alarm_id, "processed" if result.status == PROCESSED else "failed", result)

    def derive(self, alarm: Alarm) -> MediaResult:
        """Make and store the thumbnail and the playable video; failures become the reason."""
        problems: list[str] = []
        notes: list[str] = []
        thumbnail = None
        try:
            made = media_convert.make_thumbnail(self._original(alarm.picture.key, "picture"))
        except media_convert.BadMedia as error:
            problems.append(f"picture: {error}")
        else:
            key = derived_key(alarm.picture.key, THUMBNAIL_SUFFIX)
            self.media.put(key, made.data, JPEG)
            thumbnail = DerivedMedia(key, made.content_type, len(made.data))
        playable = None
        if alarm.video is not None:
            try:
                video = media_convert.make_playable(self._original(alarm.video.key, "video"))
            except media_convert.BadMedia as error:
                problems.append(f"video: {error}")
            else:
                if isinstance(video, media_convert.NotPlayable):
                    notes.append(f"video: {video.reason}")
                elif video.data is None:
                    playable = DerivedMedia(alarm.video.key, video.content_type, alarm.video.size)
                else:
                    key = derived_key(alarm.video.key, PLAYABLE_SUFFIX)
                    self.media.put(key, video.data, MP4)
                    playable = DerivedMedia(key, video.content_type, len(video.data))
        return MediaResult(
            status=FAILED if problems else PROCESSED,
            thumbnail=thumbnail,
            playable_video=playable,
            error="; ".join(problems + notes) or None,
        )

    def _discard(self, alarm: Alarm, result: MediaResult) -> None:
        originals = {alarm.picture.key, alarm.video.key if alarm.video else None}
        for derived in (result.thumbnail, result.playable_video):
            # A playable video may be the original itself (already H.264): never delete that.
            if derived is not None and derived.key not in originals:
                self.media.delete(derived.key)

    def _original(self, key: str, what: str) -> bytes:
        try:
            return self.media.get(key)
        except ClientError as error:
            # A missing original never comes back: retrying it would only delay the batch.
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise media_convert.BadMedia(f"the stored {what} is missing ({key})") from None
            raise
