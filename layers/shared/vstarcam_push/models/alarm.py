"""An alarm as the Alarms table holds it: its id, media references and day (no I/O).

Key: ``vuid`` + ``alarmId``. The alarm id is derived from the alarm itself
(vuid, alarm type, picture digest), so a camera's retry of the same alarm
finds the stored one instead of adding a second. Two indexes list alarms by
time: ``byTime`` (one camera) and ``byDay`` (the whole fleet, newest first).
``expiresAt`` is the TTL that drops the record with the media's retention.

Media processing (the Alarms stream -> MediaProcessFunction) adds what people
look at: ``thumbnailKey``/``ContentType``/``Size``, ``playableVideoKey``/
``ContentType``/``Size``, ``mediaStatus`` (``processed`` or ``failed``; absent
until processed) and ``mediaError`` (why it failed, or why the video is not
playable), all in one update. ``reviewedAt`` is when a console user marked it
reviewed; until then the alarm carries ``unreviewed``, the partition of the sparse
``byUnreviewed`` index (keys only) that the console counts them with.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from vstarcam_push.models.alarm_types import AlarmType
from vstarcam_push.models.media import StoredMedia

MediaStatus = Literal["processed", "failed"]

PROCESSED: MediaStatus = "processed"

FAILED: MediaStatus = "failed"


def alarm_id_for(vuid: str, alarm_type: AlarmType, picture_sha256: str) -> str:
    """``<vuid>-<20 hex>``: the vuid prefix lets ``alarms get`` find the record with one read."""
    digest = hashlib.sha256(f"{vuid}|{alarm_type.code}|{picture_sha256}".encode()).hexdigest()
    return f"{vuid}-{digest[:20]}"


def vuid_of(alarm_id: str) -> str:
    return alarm_id.rsplit("-", 1)[0]


def received_day(received_at_ms: int) -> str:
    return datetime.fromtimestamp(received_at_ms / 1000, tz=UTC).strftime("%Y-%m-%d")


# The attribute only an unreviewed alarm has (the partition of the byUnreviewed index):
# set when the alarm is stored, removed when it is reviewed, set again when un-reviewed.
UNREVIEWED = "unreviewed"
UNREVIEWED_MARK = "1"


@dataclass(frozen=True)
class MediaLink:
    """The token of the alarm's picture and video links, and when they stop working."""

    token: str
    expires_at: int


@dataclass(frozen=True)
class DerivedMedia:
    """A thumbnail or playable video made from the alarm's media, in the media bucket."""

    key: str
    content_type: str
    size: int


@dataclass(frozen=True)
class MediaResult:
    """What media processing recorded on the alarm (``mediaStatus`` and the rest)."""

    status: MediaStatus
    thumbnail: DerivedMedia | None = None
    playable_video: DerivedMedia | None = None
    error: str | None = None


@dataclass(frozen=True)
class Alarm:
    alarm_id: str
    vuid: str
    alarm_type: AlarmType
    received_at_ms: int
    picture: StoredMedia
    video: StoredMedia | None
    expires_at: int
    link: MediaLink | None = None
    media: MediaResult | None = None
    # When a console user marked the alarm reviewed (epoch seconds); None: not reviewed.
    reviewed_at: int | None = None

    @property
    def received_at(self) -> datetime:
        return datetime.fromtimestamp(self.received_at_ms / 1000, tz=UTC)

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "vuid": {"S": self.vuid},
            "alarmId": {"S": self.alarm_id},
            "alarmType": {"N": str(self.alarm_type.code)},
            "alarmTypeName": {"S": self.alarm_type.name},
            "receivedAtMs": {"N": str(self.received_at_ms)},
            "receivedDay": {"S": received_day(self.received_at_ms)},
            "expiresAt": {"N": str(self.expires_at)},
            **_media_attributes("picture", self.picture),
        }
        if self.video is not None:
            item.update(_media_attributes("video", self.video))
        if self.link is not None:
            item["linkToken"] = {"S": self.link.token}
            item["linkExpiresAt"] = {"N": str(self.link.expires_at)}
        if self.media is not None:
            item.update(media_result_attributes(self.media))
        if self.reviewed_at is not None:
            item["reviewedAt"] = {"N": str(self.reviewed_at)}
        else:
            # The sparse byUnreviewed index holds exactly the unreviewed alarms.
            item[UNREVIEWED] = {"S": UNREVIEWED_MARK}
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Alarm:
        return cls(
            alarm_id=item["alarmId"]["S"],
            vuid=item["vuid"]["S"],
            alarm_type=AlarmType(int(item["alarmType"]["N"])),
            received_at_ms=int(item["receivedAtMs"]["N"]),
            picture=_media_from(item, "picture"),  # type: ignore[arg-type]
            video=_media_from(item, "video"),
            expires_at=int(item["expiresAt"]["N"]),
            link=MediaLink(item["linkToken"]["S"], int(item["linkExpiresAt"]["N"]))
            if "linkToken" in item and "linkExpiresAt" in item
            else None,
            media=_media_result_from(item),
            reviewed_at=int(float(item["reviewedAt"]["N"])) if "reviewedAt" in item else None,
        )

    @property
    def thumbnail(self) -> DerivedMedia | None:
        return self.media.thumbnail if self.media else None

    @property
    def playable_video(self) -> DerivedMedia | None:
        return self.media.playable_video if self.media else None

    @property
    def media_status(self) -> MediaStatus | None:
        return self.media.status if self.media else None

    @property
    def media_error(self) -> str | None:
        return self.media.error if self.media else None


def _media_attributes(prefix: str, media: StoredMedia) -> dict[str, Any]:
    return {
        f"{prefix}Key": {"S": media.key},
        f"{prefix}ContentType": {"S": media.content_type},
        f"{prefix}Size": {"N": str(media.size)},
        f"{prefix}Sha256": {"S": media.sha256},
    }


def _media_from(item: dict[str, Any], prefix: str) -> StoredMedia | None:
    if f"{prefix}Key" not in item:
        return None
    return StoredMedia(
        key=item[f"{prefix}Key"]["S"],
        content_type=item[f"{prefix}ContentType"]["S"],
        size=int(item[f"{prefix}Size"]["N"]),
        sha256=item[f"{prefix}Sha256"]["S"],
    )


def media_result_attributes(result: MediaResult) -> dict[str, Any]:
    item: dict[str, Any] = {"mediaStatus": {"S": result.status}}
    for prefix, derived in (
        ("thumbnail", result.thumbnail),
        ("playableVideo", result.playable_video),
    ):
        if derived is not None:
            item[f"{prefix}Key"] = {"S": derived.key}
            item[f"{prefix}ContentType"] = {"S": derived.content_type}
            item[f"{prefix}Size"] = {"N": str(derived.size)}
    if result.error:
        item["mediaError"] = {"S": result.error}
    return item


def _derived_from(item: dict[str, Any], prefix: str) -> DerivedMedia | None:
    if f"{prefix}Key" not in item:
        return None
    return DerivedMedia(
        key=item[f"{prefix}Key"]["S"],
        content_type=item[f"{prefix}ContentType"]["S"],
        size=int(item[f"{prefix}Size"]["N"]),
    )


def _media_result_from(item: dict[str, Any]) -> MediaResult | None:
    status = item.get("mediaStatus", {}).get("S")
    if status not in (PROCESSED, FAILED):
        return None
    return MediaResult(
        status=status,
        thumbnail=_derived_from(item, "thumbnail"),
        playable_video=_derived_from(item, "playableVideo"),
        error=item["mediaError"]["S"] if "mediaError" in item else None,
    )
