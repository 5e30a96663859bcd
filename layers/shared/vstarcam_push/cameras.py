"""The camera registry: the Cameras table.

A camera item is ``vuid`` (key), ``name``, ``registeredAt``, ``offlineAfter``
(seconds), ``status`` (``online``/``offline``, absent until the first
heartbeat), ``lastSeen`` (the last sign of life: a heartbeat or an alarm),
``lastAlarmAt`` and, only while online, ``onlineUntil`` (the offline
deadline, lastSeen + offlineAfter). No index holds the deadline: an index key
that moved with every heartbeat tripled its write units. The offline sweep
scans the table instead (docs/performance.md has the numbers). Times are
epoch seconds.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from vstarcam_push.errors import UnknownCamera

# The sweep's Scan runs in this many parallel segments: 100,000 cameras of 1 KB are
# 100 pages of 1 MB, 25 a segment, well inside the sweep's minute (docs/performance.md).
SWEEP_SEGMENTS = 4
# The deadline, as the sweep's filter and the mark-offline condition read it.
_PAST_DUE = "#status = :online AND onlineUntil < :now"
# Every camera item carries fleet = "camera": the key of the byFleet index that lists the
# fleet for the console without a Scan. It never changes, so it costs no index writes.
FLEET_INDEX = "byFleet"
FLEET = "camera"

# A site groups a customer's cameras for push destinations (``--sites``). Short, so the
# camera item stays far under 1 KB in every state.
SITE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$")


def check_site(site: str) -> str:
    """A camera site: 1-40 letters, digits, spaces, '.', '_' or '-'."""
    if not SITE_PATTERN.match(site):
        raise ValueError(
            f"site {site[:50]!r}: 1-40 letters, digits, spaces, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return site


@dataclass(frozen=True)
class Camera:
    vuid: str
    name: str
    status: str
    registered_at: int | None
    last_seen: int | None
    last_alarm_at: int | None
    offline_after: int | None
    online_until: int | None
    offline_since: int | None
    site: str = ""

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Camera:
        def number(key: str) -> int | None:
            value = item.get(key, {}).get("N")
            return int(float(value)) if value is not None else None

        return cls(
            vuid=item["vuid"]["S"],
            name=item.get("name", {}).get("S", ""),
            # A camera that never sent a heartbeat is reported offline.
            status=item.get("status", {}).get("S", "offline"),
            registered_at=number("registeredAt"),
            last_seen=number("lastSeen"),
            last_alarm_at=number("lastAlarmAt"),
            offline_after=number("offlineAfter"),
            online_until=number("onlineUntil"),
            offline_since=number("offlineSince"),
            site=item.get("site", {}).get("S", ""),
        )

    @property
    def label(self) -> str:
        """``Front door (VE0005622QHOW)``, or the bare vuid for an unnamed camera."""
        return f"{self.name} ({self.vuid})" if self.name else self.vuid


class CameraRegistry:
    def __init__(self, dynamodb: Any, table: str, default_offline_after: int = 180) -> None:
        self._db = dynamodb
        self.table = table
        # The threshold of a camera registered without its own (AcceptUnknownCameras).
        self.default_offline_after = default_offline_after

    def heartbeat(
        self, vuid: str, now: int, default_offline_after: int, accept_unknown: bool
    ) -> None:
        """Mark the camera online and push its deadline forward: one conditional write, no read.

        No index key changes, so the write is one unit while the item is at most 1 KB.
        """
        expression = (
            "SET #status = :online, lastSeen = :now, "
            "offlineAfter = if_not_exists(offlineAfter, :default), "
            "onlineUntil = if_not_exists(offlineAfter, :default) + :now"
        )
        values: dict[str, Any] = {
            ":online": {"S": "online"},
            ":now": {"N": str(now)},
            ":default": {"N": str(default_offline_after)},
        }
        kwargs: dict[str, Any] = {}
        if accept_unknown:
            expression += ", registeredAt = if_not_exists(registeredAt, :now), fleet = :fleet"
            values[":fleet"] = {"S": FLEET}
        else:
            kwargs["ConditionExpression"] = "attribute_exists(vuid)"
        try:
            self._db.update_item(
                TableName=self.table,
                Key={"vuid": {"S": vuid}},
                # sweepShard was the deadline index's key in earlier versions: no longer read.
                UpdateExpression=expression + " REMOVE sweepShard",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
                **kwargs,
            )
        except self._db.exceptions.ConditionalCheckFailedException as error:
            raise UnknownCamera(vuid) from error

    def record_alarm(self, vuid: str, now: int, accept_unknown: bool) -> None:
        """Note an alarm on the camera: a sign of life, so it is online as after a heartbeat.

        An offline camera comes back online (the stream's offline -> online change, which
        the notifier reports) and its deadline moves, so it is not swept while it pushes.
        """
        kwargs: dict[str, Any] = {}
        expression = (
            "SET #status = :online, lastSeen = :now, lastAlarmAt = :now, "
            "offlineAfter = if_not_exists(offlineAfter, :default), "
            "onlineUntil = if_not_exists(offlineAfter, :default) + :now"
        )
        if accept_unknown:
            expression += ", registeredAt = if_not_exists(registeredAt, :now)"
        else:
            # A camera removed while its alarm was being stored is not re-created.
            kwargs["ConditionExpression"] = "attribute_exists(vuid)"
        try:
            self._db.update_item(
                TableName=self.table,
                Key={"vuid": {"S": vuid}},
                UpdateExpression=expression,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":online": {"S": "online"},
                    ":now": {"N": str(now)},
                    ":default": {"N": str(self.default_offline_after)},
                },
                **kwargs,
            )
        except self._db.exceptions.ConditionalCheckFailedException as error:
            raise UnknownCamera(vuid) from error

    def enroll(self, vuid: str, now: int) -> None:
        """Create an unknown camera (``AcceptUnknownCameras``); an existing one is unchanged."""
        self._db.update_item(
            TableName=self.table,
            Key={"vuid": {"S": vuid}},
            UpdateExpression="SET registeredAt = if_not_exists(registeredAt, :now), fleet = :fleet",
            ExpressionAttributeValues={":now": {"N": str(now)}, ":fleet": {"S": FLEET}},
        )

    def get(self, vuid: str) -> Camera | None:
        item = self._db.get_item(TableName=self.table, Key={"vuid": {"S": vuid}}).get("Item")
        return Camera.from_item(item) if item else None

    def register(self, vuid: str, name: str, offline_after: int, now: int) -> bool:
        """Add or rename a camera; returns False if it was already registered (then updated)."""
        try:
            self._db.update_item(
                TableName=self.table,
                Key={"vuid": {"S": vuid}},
                UpdateExpression=(
                    "SET #name = :name, offlineAfter = :offline_after, "
                    "registeredAt = if_not_exists(registeredAt, :now), fleet = :fleet"
                ),
                ConditionExpression="attribute_not_exists(vuid)",
                ExpressionAttributeNames={"#name": "name"},
                ExpressionAttributeValues={
                    ":name": {"S": name},
                    ":offline_after": {"N": str(offline_after)},
                    ":now": {"N": str(now)},
                    ":fleet": {"S": FLEET},
                },
            )
            return True
        except self._db.exceptions.ConditionalCheckFailedException:
            self._db.update_item(
                TableName=self.table,
                Key={"vuid": {"S": vuid}},
                UpdateExpression="SET #name = :name, offlineAfter = :offline_after, fleet = :fleet",
                ExpressionAttributeNames={"#name": "name"},
                ExpressionAttributeValues={
                    ":name": {"S": name},
                    ":offline_after": {"N": str(offline_after)},
                    ":fleet": {"S": FLEET},
                },
            )
            self._move_deadline(vuid, offline_after)
            return False

    def set_site(self, vuid: str, site: str) -> None:
        """Put a registered camera in a site (``check_site``); an empty site removes it."""
        if site:
            self._db.update_item(
                TableName=self.table,
                Key={"vuid": {"S": vuid}},
                UpdateExpression="SET site = :site",
                ConditionExpression="attribute_exists(vuid)",
                ExpressionAttributeValues={":site": {"S": check_site(site)}},
            )
        else:
            self._db.update_item(
                TableName=self.table,
                Key={"vuid": {"S": vuid}},
                UpdateExpression="REMOVE site",
                ConditionExpression="attribute_exists(vuid)",
            )

    def _move_deadline(self, vuid: str, offline_after: int) -> None:
        """A changed threshold applies at once: an online camera's deadline is recomputed.

        Conditional on the threshold still being this one, so a concurrent change wins; an
        offline or never-seen camera has no deadline until its next sign of life.
        """
        with contextlib.suppress(self._db.exceptions.ConditionalCheckFailedException):
            self._db.update_item(
                TableName=self.table,
                Key={"vuid": {"S": vuid}},
                UpdateExpression="SET onlineUntil = lastSeen + :offline_after",
                ConditionExpression="#status = :online AND offlineAfter = :offline_after "
                "AND attribute_exists(lastSeen)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":online": {"S": "online"},
                    ":offline_after": {"N": str(offline_after)},
                },
            )

    def remove(self, vuid: str) -> bool:
        """Forget a camera; returns False if it was not registered."""
        try:
            self._db.delete_item(
                TableName=self.table,
                Key={"vuid": {"S": vuid}},
                ConditionExpression="attribute_exists(vuid)",
            )
            return True
        except self._db.exceptions.ConditionalCheckFailedException:
            return False

    def list(self) -> list[Camera]:
        cameras: list[Camera] = []
        for page in self._db.get_paginator("scan").paginate(TableName=self.table):
            cameras.extend(Camera.from_item(item) for item in page.get("Items", []))
        return sorted(cameras, key=lambda camera: camera.vuid)

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
            self._db.update_item(
                TableName=self.table,
                Key={"vuid": {"S": vuid}},
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

    def claim_notification(
        self, vuid: str, alarm_type: str, alarm_id: str, now: int, cooldown: int
    ) -> bool:
        """Take the per-camera, per-alarm-type notification slot, unless inside the cooldown.

        The slot remembers which alarm took it, so a redelivered stream record
        (after an SNS failure) may take it again and is not silenced by its own claim.
        """
        at, by = f"notifiedAt_{alarm_type}", f"notifiedBy_{alarm_type}"
        try:
            self._db.update_item(
                TableName=self.table,
                Key={"vuid": {"S": vuid}},
                UpdateExpression="SET #at = :now, #by = :alarm",
                ConditionExpression="attribute_exists(vuid) AND "
                "(attribute_not_exists(#at) OR #at <= :open OR #by = :alarm)",
                ExpressionAttributeNames={"#at": at, "#by": by},
                ExpressionAttributeValues={
                    ":now": {"N": str(now)},
                    ":open": {"N": str(now - cooldown)},
                    ":alarm": {"S": alarm_id},
                },
            )
            return True
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
