"""The fleet: every camera at once, for the console's camera list, ``cameras list`` and the
offline sweep.

No index holds a camera's status or deadline (a status change is one write unit):
the fleet is read with a parallel Scan of the Cameras table, which costs 0.5 read
unit per 4 KB of items, about 24 units for 1,000 cameras (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from vstarcam_push.dal.camera_items import PENDING_COUNTER, CamerasTable, camera_key
from vstarcam_push.models.camera import Camera

# The sweep's Scan runs in this many parallel segments: 100,000 cameras of 1 KB are
# 100 pages of 1 MB, 25 a segment, well inside the sweep's minute (docs/performance.md).
SWEEP_SEGMENTS = 4

# The deadline, as the sweep's filter and the mark-offline condition read it.
_PAST_DUE = "#status = :online AND onlineUntil < :now"

# A BatchGetItem's keys that DynamoDB left unprocessed are asked again at most this often.
_BATCH_TRIES = 40


@dataclass(frozen=True)
class FleetEntry:
    """A camera as the fleet's Scan reads it: what the console's list counts and filters."""

    vuid: str
    status: str
    site: str


class CameraFleet(CamerasTable):
    def list(self) -> list[Camera]:
        cameras: list[Camera] = []
        for page in self._db.get_paginator("scan").paginate(TableName=self.table):
            cameras.extend(
                Camera.from_item(item)
                for item in page.get("Items", [])
                if item["vuid"]["S"] != PENDING_COUNTER
            )
        return sorted(cameras, key=lambda camera: camera.vuid)

    def statuses(self) -> list[tuple[str, str]]:
        """(vuid, status) of every camera, in vuid order: a parallel Scan of the table."""
        return [(entry.vuid, entry.status) for entry in self.entries()]

    def entries(self) -> list[FleetEntry]:
        """Every camera's vuid, status and site, in vuid order: a parallel Scan of the table.

        The console's list reads it (a viewer's, only their sites' cameras). A camera
        without a status has never been seen: offline. The Scan costs the items' full
        size whatever it projects: the site comes free.
        """
        with ThreadPoolExecutor(SWEEP_SEGMENTS) as pool:
            segments = list(pool.map(self._entries_in, range(SWEEP_SEGMENTS)))
        return sorted((entry for segment in segments for entry in segment), key=lambda e: e.vuid)

    def _entries_in(self, segment: int) -> list[FleetEntry]:
        pages = self._db.get_paginator("scan").paginate(
            TableName=self.table,
            Segment=segment,
            TotalSegments=SWEEP_SEGMENTS,
            ProjectionExpression="vuid, #status, site",
            ExpressionAttributeNames={"#status": "status"},
        )
        return [
            FleetEntry(
                item["vuid"]["S"],
                item.get("status", {}).get("S", "offline"),
                item.get("site", {}).get("S", ""),
            )
            for page in pages
            for item in page.get("Items", [])
            if item["vuid"]["S"] != PENDING_COUNTER
        ]

    def cameras(self, vuids: list[str]) -> list[Camera]:
        """These cameras, in this order (BatchGetItem); a camera removed meanwhile is left out."""
        items = self._batch_get(vuids, _BATCH_TRIES)
        return [Camera.from_item(items[v]) for v in vuids if v in items]

    def names(self, vuids: set[str]) -> dict[str, str]:
        """The names of these cameras (one BatchGetItem of two attributes).

        A name missing after a throttled batch is shown as the vuid: not worth a retry.
        """
        items = self._batch_get(
            sorted(vuids),
            1,
            ProjectionExpression="vuid, #name",
            ExpressionAttributeNames={"#name": "name"},
        )
        return {vuid: item.get("name", {}).get("S", "") for vuid, item in items.items()}

    def sites(self, vuids: set[str]) -> dict[str, str]:
        """The sites of these cameras ("" for none; a camera not registered is left out)."""
        items = self._batch_get(sorted(vuids), _BATCH_TRIES, ProjectionExpression="vuid, site")
        return {vuid: item.get("site", {}).get("S", "") for vuid, item in items.items()}

    def _batch_get(self, vuids: list[str], tries: int, **read: Any) -> dict[str, dict[str, Any]]:
        items: dict[str, dict[str, Any]] = {}
        for start in range(0, len(vuids), 100):
            keys = [camera_key(v) for v in vuids[start : start + 100]]
            request: dict[str, Any] = {self.table: {"Keys": keys, **read}}
            for _ in range(tries):
                answer = self._db.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self.table, []):
                    items[item["vuid"]["S"]] = item
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
        return items

    def past_due(self, now: int) -> list[str]:
        """Vuids of online cameras whose deadline has passed: a parallel Scan of the table.

        DynamoDB bills the Scan by the bytes it reads (0.5 unit per 4 KB), whatever the
        filter keeps; the filter keeps the replies, and the Lambda's work, small.
        """
        with ThreadPoolExecutor(SWEEP_SEGMENTS) as pool:
            segments = list(
                pool.map(lambda n: list(self._past_due_in(n, now)), range(SWEEP_SEGMENTS))
            )
        return [vuid for segment in segments for vuid in segment]

    def _past_due_in(self, segment: int, now: int) -> Iterator[str]:
        pages = self._db.get_paginator("scan").paginate(
            TableName=self.table,
            Segment=segment,
            TotalSegments=SWEEP_SEGMENTS,
            FilterExpression=_PAST_DUE,
            ProjectionExpression="vuid",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":online": {"S": "online"}, ":now": {"N": str(now)}},
        )
        for page in pages:
            for item in page.get("Items", []):
                yield item["vuid"]["S"]

    def mark_offline(self, vuid: str, now: int) -> bool:
        """Online -> offline, only if still past due: a racing heartbeat always wins."""
        try:
            self._update(
                vuid,
                UpdateExpression="SET #status = :offline, offlineSince = :now "
                "REMOVE onlineUntil, sweepShard",
                ConditionExpression=_PAST_DUE,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":offline": {"S": "offline"},
                    ":online": {"S": "online"},
                    ":now": {"N": str(now)},
                },
            )
            return True
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
