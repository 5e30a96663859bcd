"""The alarm intake: from a multipart alarm push to a stored alarm.

Order matters for "an alarm answered 200 is stored, nothing half-stored":
validate everything first, then one read (is the camera registered, is this
its push key, is it within its alarm rate, is this alarm already stored?),
then the media in S3, then the alarm record (which points at media that now
exists), then the camera's ``lastAlarmAt`` and rate count.

Every request puts its media under keys of its own (``models.media.new_upload``), so
two copies of one alarm in flight at once never share an object: the copy
whose conditional put loses removes only its own media, never the winner's.
A failure removes this request's media only when no record can name them.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from vstarcam_push.dal.alarm_lookup import lookup_alarm
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.camera_admission import CameraAdmission
from vstarcam_push.dal.media import MediaStore
from vstarcam_push.ingest.multipart import parse_form
from vstarcam_push.ingest.protocol import validate_vuid
from vstarcam_push.media.links import new_link
from vstarcam_push.models.alarm import Alarm, alarm_id_for
from vstarcam_push.models.alarm_types import AlarmType, parse_alarm_type
from vstarcam_push.models.camera import AlarmRate
from vstarcam_push.models.errors import BadRequest, StorageFailure, TooManyRequests, UnknownCamera
from vstarcam_push.models.media import (
    MediaKind,
    StoredMedia,
    media_key,
    new_upload,
    sniff_picture,
    sniff_video,
)

logger = logging.getLogger(__name__)

# The alarm rate limit counts a camera's pushes in windows of this many seconds.
ALARM_RATE_PERIOD = 60


@dataclass(frozen=True)
class AlarmPush:
    """A validated alarm push, not yet stored."""

    vuid: str
    alarm_type: AlarmType
    picture: bytes
    picture_kind: MediaKind
    video: bytes | None


@dataclass(frozen=True)
class IntakeResult:
    alarm: Alarm
    duplicate: bool


def parse_alarm_push(body: bytes, content_type: str) -> AlarmPush:
    """Validate a multipart alarm push: ``vuid``, ``type``, ``picture`` and optional ``video``."""
    parts = parse_form(body, content_type)
    if "vuid" not in parts:
        raise BadRequest("alarm push has no vuid field", reason="vuid_missing")
    vuid = validate_vuid(_text(parts["vuid"].content, "vuid"))
    if "type" not in parts:
        raise BadRequest("alarm push has no type field", reason="type_missing")
    alarm_type = parse_alarm_type(_text(parts["type"].content, "type"))
    if "picture" not in parts:
        raise BadRequest("alarm push has no picture file", reason="picture_missing")
    picture = parts["picture"].content
    if not picture:
        raise BadRequest("alarm picture is empty", reason="picture_empty")
    picture_kind = sniff_picture(picture)
    if picture_kind is None:
        raise BadRequest("alarm picture is not a JPEG or PNG image", reason="picture_not_image")
    video = parts["video"].content if "video" in parts else None
    if video is not None and not video:
        raise BadRequest("alarm video part is empty", reason="video_empty")
    return AlarmPush(
        vuid=vuid, alarm_type=alarm_type, picture=picture, picture_kind=picture_kind, video=video
    )


def _text(value: bytes, field: str) -> str:
    try:
        return value.decode("ascii").strip()
    except UnicodeDecodeError as error:
        raise BadRequest(f"{field} must be plain ASCII text", reason=f"{field}_invalid") from error


class AlarmIntake:
    def __init__(
        self,
        dynamodb: Any,
        admission: CameraAdmission,
        alarms: AlarmStore,
        media: MediaStore,
        retention_days: int,
        media_link_days: int = 0,
        rate_limit: int = 30,
    ) -> None:
        self._db = dynamodb
        # Holds AcceptUnknownCameras and RequirePushKey: the camera checks are all its own.
        self.admission = admission
        self.alarms = alarms
        self.media = media
        self.retention_days = retention_days
        self.media_link_days = media_link_days
        self.rate_limit = rate_limit

    def store(self, push: AlarmPush, received_at_ms: int, key: str | None = None) -> IntakeResult:
        """Store the push of the camera holding push key ``key`` (None: the bare route)."""
        picture_sha = hashlib.sha256(push.picture).hexdigest()
        alarm_id = alarm_id_for(push.vuid, push.alarm_type, picture_sha)
        found, existing = lookup_alarm(self._db, self.admission, self.alarms, push.vuid, alarm_id)
        now = received_at_ms // 1000
        camera = self.admission.admit(push.vuid, found, key, now)
        if existing is not None:
            # The camera retried an alarm already stored: answer 200 again, store nothing new.
            # Not counted against the rate limit, nor refused by it: it stores nothing, and
            # a 429 would only make the camera retry it again.
            self._record_on_camera(push.vuid, now, None)
            return IntakeResult(existing, duplicate=True)
        rate = AlarmRate.from_item(camera)
        if not rate.allows(now, self.rate_limit, ALARM_RATE_PERIOD):
            raise TooManyRequests(
                f"camera {push.vuid} sent more than {self.rate_limit} alarm pushes in "
                f"{ALARM_RATE_PERIOD} s: this one was not stored, retry later",
                reason="alarm_rate",
            )

        upload = new_upload()
        stored: list[StoredMedia] = []
        try:
            stored.append(
                self.media.put(
                    media_key(
                        push.vuid, received_at_ms, alarm_id, upload, push.picture_kind.extension
                    ),
                    push.picture,
                    push.picture_kind,
                )
            )
            if push.video is not None:
                video_kind = sniff_video(push.video)
                stored.append(
                    self.media.put(
                        media_key(
                            push.vuid, received_at_ms, alarm_id, upload, video_kind.extension
                        ),
                        push.video,
                        video_kind,
                    )
                )
        except Exception as error:
            # No record can name this request's objects yet: removing them is safe.
            self._remove(stored)
            raise StorageFailure(
                "the alarm could not be stored, please retry", reason="storage_failed"
            ) from error
        expires_at = now + self.retention_days * 86_400
        alarm = Alarm(
            alarm_id=alarm_id,
            vuid=push.vuid,
            alarm_type=push.alarm_type,
            received_at_ms=received_at_ms,
            picture=stored[0],
            video=stored[1] if len(stored) > 1 else None,
            expires_at=expires_at,
            link=new_link(now, self.media_link_days, expires_at),
        )
        try:
            created = self.alarms.put_new(alarm)
        except Exception as error:
            if not self._recorded(alarm, error, stored):
                raise StorageFailure(
                    "the alarm could not be stored, please retry", reason="storage_failed"
                ) from error
            created = True
        if not created:
            winner = self.alarms.get(alarm_id, consistent=True)
            if winner is None or winner.picture.key != alarm.picture.key:
                # Another copy of this alarm was stored first, with its own media: this
                # request's objects are named by no record, now or later.
                self._remove(stored)
                return IntakeResult(winner or alarm, duplicate=True)
            # This request's own write, applied by a try whose reply was lost: botocore's
            # retry of it then found the record.
        self._record_on_camera(push.vuid, now, rate)
        return IntakeResult(alarm, duplicate=False)

    def _recorded(self, alarm: Alarm, error: Exception, stored: list[StoredMedia]) -> bool:
        """After the record's put failed: was it stored anyway? Clean up only what is safe.

        A refusal (throttling, a 4xx) wrote nothing, so the media go. A 5xx or a lost
        connection may have written the record: a consistent read tells; when it does not
        show this request's record, the media stay for the bucket's lifecycle rule, since
        the write could still be applied after the read.
        """
        if _refused(error):
            self._remove(stored)
            return False
        try:
            found = self.alarms.get(alarm.alarm_id, consistent=True)
        except Exception:
            found = None
        if found is not None and found.picture.key == alarm.picture.key:
            return True
        logger.warning(
            "alarm record write failed with an unknown outcome; its media are left to expire",
            extra={"media_keys": [media.key for media in stored]},
        )
        return False

    def _record_on_camera(self, vuid: str, now: int, rate: AlarmRate | None) -> None:
        try:
            self.admission.record_alarm(vuid, now, rate, ALARM_RATE_PERIOD)
        except UnknownCamera:
            # Removed while its alarm was being stored: the alarm stays, the camera stays gone.
            logger.info("camera %s was removed while its alarm was stored", vuid)
        except Exception as error:
            raise StorageFailure(
                "the alarm was stored but the camera could not be updated, please retry",
                reason="storage_failed",
            ) from error

    def _remove(self, stored: list[StoredMedia]) -> None:
        for media in stored:
            try:
                self.media.delete(media.key)
            except Exception:
                # The lifecycle rule expires an orphan; the alarm itself was never recorded.
                logger.warning("could not remove media %s after a failed store", media.key)


def _refused(error: Exception) -> bool:
    """DynamoDB answered and refused the write (a 4xx such as throttling): nothing was written."""
    if not isinstance(error, ClientError):
        return False
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return isinstance(status, int) and 400 <= status < 500
