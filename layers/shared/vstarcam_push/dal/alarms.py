"""The Alarms table: storing, reading and paging alarms."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from vstarcam_push.models.alarm import (
    FAILED,
    Alarm,
    MediaResult,
    media_result_attributes,
    received_day,
    vuid_of,
)

BY_TIME_INDEX = "byTime"

BY_DAY_INDEX = "byDay"


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
