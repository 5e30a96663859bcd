"""The Alarms table: storing, reading and paging alarms.

Alarms are listed through two indexes, never a Scan: ``byTime`` (one camera's
partition, by time) and ``byDay`` (one partition per UTC day, for the fleet).
``page`` walks them, for the CLI's ``alarms`` and the console's alarm lists alike.
A third, ``byUnreviewed``, is sparse and keys only: the unreviewed alarms, newest
first, that ``unreviewed`` counts for the console's badge and its poll.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from vstarcam_push.models.alarm import (
    FAILED,
    UNREVIEWED,
    UNREVIEWED_MARK,
    Alarm,
    MediaResult,
    media_result_attributes,
    received_day,
    vuid_of,
)
from vstarcam_push.models.alarm_types import AlarmType

BY_TIME_INDEX = "byTime"

BY_DAY_INDEX = "byDay"

BY_UNREVIEWED_INDEX = "byUnreviewed"

# The console's count stops here ("1,000 or more"): one query of keys, about 90 kB.
UNREVIEWED_COUNT_LIMIT = 1000

# The date picker's days with unreviewed alarms read at most this many pages of keys.
UNREVIEWED_MAX_PAGES = 10

DAY_MS = 86_400_000

# The newest time a page reaches by default: the last millisecond of the year 9999, the
# last a received day can name.
LATEST_MS = 253_402_300_799_999


@dataclass(frozen=True)
class Unreviewed:
    """How many alarms are unreviewed (``more``: at least ``count``), and the newest one's
    id and time (None: none is)."""

    count: int
    more: bool
    newest: tuple[str, int] | None


@dataclass(frozen=True)
class TypeFilter:
    """Alarm types a listing keeps (``exclude``: every type but these)."""

    codes: frozenset[int]
    exclude: bool = False


@dataclass(frozen=True)
class AlarmPosition:
    """Where a page of alarms goes on: a ``byDay`` partition (the fleet's; a camera's page
    keeps the day it started with) and the last alarm read, (alarm id, receivedAtMs)."""

    day: str
    after: tuple[str, int] | None = None


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

    def delete(self, alarm_id: str) -> None:
        self._db.delete_item(TableName=self.table, Key=self.key(alarm_id))

    def set_reviewed(self, alarm_id: str, reviewed_at: int | None) -> bool:
        """Mark a stored alarm reviewed at ``reviewed_at`` (None: not reviewed); False if gone.

        The ``unreviewed`` mark goes (or comes back) in the same update, so the
        ``byUnreviewed`` index always holds exactly the unreviewed alarms.
        """
        change: dict[str, Any] = (
            {
                "UpdateExpression": "SET reviewedAt = :now REMOVE #unreviewed",
                "ExpressionAttributeValues": {":now": {"N": str(reviewed_at)}},
            }
            if reviewed_at is not None
            else {
                "UpdateExpression": "SET #unreviewed = :mark REMOVE reviewedAt",
                "ExpressionAttributeValues": {":mark": {"S": UNREVIEWED_MARK}},
            }
        )
        change["ExpressionAttributeNames"] = {"#unreviewed": UNREVIEWED}
        try:
            self._db.update_item(
                TableName=self.table,
                Key=self.key(alarm_id),
                # An alarm deleted meanwhile is not re-created as a bare record.
                ConditionExpression="attribute_exists(alarmId)",
                **change,
            )
            return True
        except self._db.exceptions.ConditionalCheckFailedException:
            return False

    def unreviewed(
        self, limit: int = UNREVIEWED_COUNT_LIMIT, cameras: frozenset[str] | None = None
    ) -> Unreviewed:
        """The unreviewed alarms, counted up to ``limit``, and the newest of them: one query
        of the sparse keys-only ``byUnreviewed`` index (0.5 read unit per 4 KB, about 45
        alarms). ``cameras`` counts only those cameras' (a console viewer's sites): the
        keys read hold the vuid, so the same query, filtered as it is read."""
        answer = self._db.query(
            TableName=self.table,
            IndexName=BY_UNREVIEWED_INDEX,
            KeyConditionExpression="#unreviewed = :mark",
            ExpressionAttributeNames={"#unreviewed": UNREVIEWED},
            ExpressionAttributeValues={":mark": {"S": UNREVIEWED_MARK}},
            ScanIndexForward=False,
            Limit=limit,
        )
        items = [
            item
            for item in answer.get("Items", [])
            if cameras is None or item["vuid"]["S"] in cameras
        ]
        newest = (items[0]["alarmId"]["S"], int(items[0]["receivedAtMs"]["N"])) if items else None
        return Unreviewed(len(items), "LastEvaluatedKey" in answer, newest)

    def unreviewed_times(
        self,
        start_ms: int,
        end_ms: int,
        cameras: frozenset[str] | None = None,
        max_pages: int = UNREVIEWED_MAX_PAGES,
        page_size: int | None = None,
    ) -> tuple[list[int], bool]:
        """When each unreviewed alarm received from ``start_ms`` to ``end_ms`` was received
        (``cameras``: those cameras' only), and whether every one was read.

        The sparse keys-only ``byUnreviewed`` index, its sort key bounding the range: a
        1 MB page holds about 11,000 keys (128 read units), and at most ``max_pages``
        are read; past them the answer says it is not complete.
        """
        times: list[int] = []
        query: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": BY_UNREVIEWED_INDEX,
            "KeyConditionExpression": (
                "#unreviewed = :mark AND receivedAtMs BETWEEN :start AND :end"
            ),
            "ExpressionAttributeNames": {"#unreviewed": UNREVIEWED},
            "ExpressionAttributeValues": {
                ":mark": {"S": UNREVIEWED_MARK},
                ":start": {"N": str(start_ms)},
                ":end": {"N": str(end_ms)},
            },
        }
        if page_size is not None:
            query["Limit"] = page_size
        for _ in range(max_pages):
            answer = self._db.query(**query)
            times.extend(
                int(item["receivedAtMs"]["N"])
                for item in answer.get("Items", [])
                if cameras is None or item["vuid"]["S"] in cameras
            )
            last = answer.get("LastEvaluatedKey")
            if last is None:
                return times, True
            query["ExclusiveStartKey"] = last
        return times, False

    def for_camera(self, vuid: str, limit: int) -> list[Alarm]:
        """A camera's newest alarms first."""
        return self.page(limit, vuid=vuid)[0]

    def latest(self, limit: int, days: int = 400, now_ms: int | None = None) -> list[Alarm]:
        """The fleet's newest alarms first, walking back one day partition at a time."""
        now_ms = now_ms if now_ms is not None else int(datetime.now(tz=UTC).timestamp() * 1000)
        today = now_ms // DAY_MS
        # Whole UTC days: today's partition and the days - 1 before it, each read in full.
        start, end = (today - days + 1) * DAY_MS, (today + 1) * DAY_MS - 1
        return self.page(limit, start_ms=start, end_ms=end)[0]

    def newest(self, vuids: list[str]) -> dict[str, Alarm]:
        """Each camera's newest alarm (one query each, in parallel); none for a camera without."""
        if not vuids:
            return {}
        # Imported here: the functions that store alarms never read them this way.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(8, len(vuids))) as pool:
            found = list(pool.map(lambda vuid: self.for_camera(vuid, 1), vuids))
        return {vuid: alarms[0] for vuid, alarms in zip(vuids, found, strict=True) if alarms}

    def page(
        self,
        limit: int,
        *,
        vuid: str | None = None,
        alarm_type: AlarmType | None = None,
        types: TypeFilter | None = None,
        start_ms: int = 0,
        end_ms: int = LATEST_MS,
        position: AlarmPosition | None = None,
        max_queries: int | None = None,
        cameras: frozenset[str] | None = None,
    ) -> tuple[list[Alarm], AlarmPosition | None]:
        """Up to ``limit`` alarms newest first, received from ``start_ms`` to ``end_ms``, and
        where the next page starts (None: there is no more).

        One camera's alarms come from ``byTime`` (its partition); the fleet's from ``byDay``,
        newest day first, one day after another back to ``start_ms``'s day. ``position``
        goes on from an earlier page. ``alarm_type`` keeps one type, ``types`` a set of
        them (or every other: a severity). At most ``max_queries`` queries are made (None:
        as many as it takes): a sparse filter over a long range then answers with what it
        found and the position to go on from, never a runaway loop. ``cameras`` keeps only
        those cameras' alarms (a console viewer's sites), a filter on what is read, like
        the type's.
        """
        found: list[Alarm] = []
        if limit <= 0 or start_ms > end_ms:
            return found, None
        if types is not None and not types.codes and not types.exclude:
            return found, None  # one of no types at all: none
        day = position.day if position else received_day(end_ms)
        last = self._start_key(position, fleet=vuid is None)
        first_day = received_day(start_ms)
        queries = itertools.count() if max_queries is None else range(max_queries)
        for _ in queries:
            query: dict[str, Any] = {
                "TableName": self.table,
                "ScanIndexForward": False,
                "ExpressionAttributeValues": {
                    ":start": {"N": str(start_ms)},
                    ":end": {"N": str(end_ms)},
                },
            }
            if vuid is not None:
                query["IndexName"] = BY_TIME_INDEX
                query["KeyConditionExpression"] = (
                    "vuid = :vuid AND receivedAtMs BETWEEN :start AND :end"
                )
                query["ExpressionAttributeValues"][":vuid"] = {"S": vuid}
            else:
                query["IndexName"] = BY_DAY_INDEX
                query["KeyConditionExpression"] = (
                    "receivedDay = :day AND receivedAtMs BETWEEN :start AND :end"
                )
                query["ExpressionAttributeValues"][":day"] = {"S": day}
            filters = []
            if alarm_type is not None:
                filters.append("alarmType = :type")
                query["ExpressionAttributeValues"][":type"] = {"N": str(alarm_type.code)}
            if types is not None and types.codes:
                names = [f":t{index}" for index in range(len(types.codes))]
                chosen = f"alarmType IN ({', '.join(names)})"
                filters.append(f"NOT ({chosen})" if types.exclude else chosen)
                for name, code in zip(names, sorted(types.codes), strict=True):
                    query["ExpressionAttributeValues"][name] = {"N": str(code)}
            if filters:
                query["FilterExpression"] = " AND ".join(filters)
            if not filters and cameras is None:
                # Without a filter every item read is returned: read no more than needed.
                query["Limit"] = limit - len(found)
            if last is not None:
                query["ExclusiveStartKey"] = last
            answer = self._db.query(**query)
            for item in answer.get("Items", []):
                if cameras is not None and item["vuid"]["S"] not in cameras:
                    continue
                found.append(Alarm.from_item(item))
                if len(found) == limit:
                    return found, AlarmPosition(
                        item["receivedDay"]["S"],
                        (item["alarmId"]["S"], int(item["receivedAtMs"]["N"])),
                    )
            last = answer.get("LastEvaluatedKey")
            if last is None:
                if vuid is not None or day <= first_day:
                    return found, None
                day = _previous_day(day)
        # The query budget ran out first: go on from here next time.
        after = (last["alarmId"]["S"], int(last["receivedAtMs"]["N"])) if last else None
        return found, AlarmPosition(day, after)

    def _start_key(self, position: AlarmPosition | None, fleet: bool) -> dict[str, Any] | None:
        """The index key a position goes on after (the fleet's index keys hold the day too)."""
        if position is None or position.after is None:
            return None
        alarm_id, at = position.after
        key = {**self.key(alarm_id), "receivedAtMs": {"N": str(at)}}
        if fleet:
            key["receivedDay"] = {"S": position.day}
        return key


def _previous_day(day: str) -> str:
    at = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC) - timedelta(days=1)
    return at.strftime("%Y-%m-%d")
