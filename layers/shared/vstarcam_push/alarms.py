"""The alarm store: the Alarms table.

Key: ``vuid`` + ``alarmId``. The alarm id is derived from the alarm itself
(vuid, alarm type, picture digest), so a camera's retry of the same alarm
finds the stored one instead of adding a second. Two indexes list alarms by
time: ``byTime`` (one camera) and ``byDay`` (the whole fleet, newest first).
``expiresAt`` is the TTL that drops the record with the media's retention.

Media processing (the Alarms stream -> MediaProcessFunction) adds what people
look at: ``thumbnailKey``/``ContentType``/``Size``, ``playableVideoKey``/
``ContentType``/``Size``, ``mediaStatus`` (``processed`` or ``failed``; absent
until processed) and ``mediaError`` (why it failed, or why the video is not
playable), all in one update.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from vstarcam_push.alarm_types import AlarmType
from vstarcam_push.media import StoredMedia

BY_TIME_INDEX = "byTime"
BY_DAY_INDEX = "byDay"

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


class AlarmStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self.table = table

    def key(self, alarm_id: str) -> dict[str, Any]:
        return {"vuid": {"S": vuid_of(alarm_id)}, "alarmId": {"S": alarm_id}}

    def put_new(self, alarm: Alarm) -> bool:
        """Store the alarm unless the same one is already stored; False means it was."""
        try:
            self._db.put_item(
                TableName=self.table,
                Item=alarm.to_item(),
                ConditionExpression="attribute_not_exists(alarmId)",
            )
            return True
        except self._db.exceptions.ConditionalCheckFailedException:
            return False

    def get(self, alarm_id: str, consistent: bool = False) -> Alarm | None:
        """The stored alarm; ``consistent`` reads every write answered before the read."""
        item = self._db.get_item(
            TableName=self.table, Key=self.key(alarm_id), ConsistentRead=consistent
        ).get("Item")
        return Alarm.from_item(item) if item else None

    def record_media(self, alarm_id: str, result: MediaResult, retry_failed: bool = False) -> bool:
        """Record media processing on a stored alarm in one update; False if it was not done.

        Only an alarm that is still stored and not processed yet (or, with ``retry_failed``,
        whose processing failed) is updated, so a redelivered stream record or two
        processors racing never replace a recorded result. A thumbnail or playable video
        already recorded is kept when this result has none: a retry never makes it worse.
        """
        attributes = media_result_attributes(result)
        names = {f"#{name}": name for name in attributes}
        values = {f":{name}": value for name, value in attributes.items()}
        update = "SET " + ", ".join(f"#{name} = :{name}" for name in attributes)
        if "mediaError" not in attributes:
            names["#mediaError"] = "mediaError"
            update += " REMOVE #mediaError"
        names["#alarmId"] = "alarmId"
        condition = "attribute_exists(#alarmId) AND (attribute_not_exists(#mediaStatus)"
        if retry_failed:
            values[":failed"] = {"S": FAILED}
            condition += " OR #mediaStatus = :failed"
        condition += ")"
        try:
            self._db.update_item(
                TableName=self.table,
                Key=self.key(alarm_id),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
            return True
        except self._db.exceptions.ConditionalCheckFailedException:
            return False

    def for_camera(self, vuid: str, limit: int) -> list[Alarm]:
        """A camera's newest alarms first."""
        return list(
            self._query(
                limit,
                IndexName=BY_TIME_INDEX,
                KeyConditionExpression="vuid = :vuid",
                ExpressionAttributeValues={":vuid": {"S": vuid}},
            )
        )

    def latest(self, limit: int, days: int = 400, now_ms: int | None = None) -> list[Alarm]:
        """The fleet's newest alarms first, walking back one day partition at a time."""
        now_ms = now_ms if now_ms is not None else int(datetime.now(tz=UTC).timestamp() * 1000)
        found: list[Alarm] = []
        for back in range(days):
            day = received_day(now_ms - back * 86_400_000)
            found.extend(
                self._query(
                    limit - len(found),
                    IndexName=BY_DAY_INDEX,
                    KeyConditionExpression="receivedDay = :day",
                    ExpressionAttributeValues={":day": {"S": day}},
                )
            )
            if len(found) >= limit:
                break
        return found

    def _query(self, limit: int, **query: Any) -> Iterator[Alarm]:
        if limit <= 0:
            return
        count = 0
        pages = self._db.get_paginator("query").paginate(
            TableName=self.table, ScanIndexForward=False, **query
        )
        for page in pages:
            for item in page.get("Items", []):
                yield Alarm.from_item(item)
                count += 1
                if count >= limit:
                    return
