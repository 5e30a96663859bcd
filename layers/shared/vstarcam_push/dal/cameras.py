"""The Cameras table: every read and write of a camera item.

A camera item is ``vuid`` (key), ``name``, ``registeredAt``, ``offlineAfter``
(seconds), ``status`` (``online``/``offline``, absent until the first
heartbeat), ``lastSeen`` (the last sign of life: a heartbeat or an alarm),
``lastAlarmAt`` and, only while online, ``onlineUntil`` (the offline
deadline, lastSeen + offlineAfter). No index holds the deadline: an index key
that moved with every heartbeat tripled its write units. The offline sweep
scans the table instead (docs/performance.md has the numbers). Times are
epoch seconds.

``pushKeyHash`` is the SHA-256 of the camera's push key (never the key) and
``pushKeyId`` the id it is derived with (``push_keys``): the heartbeat's
conditional write and the alarm's read check the hash, so the vuid on the
camera's sticker proves nothing alone. A camera that pushed while unknown
(``AcceptUnknownCameras``) is ``pending``: it has no key and keeps nothing but
``registeredAt`` until ``cameras add`` approves it. The item ``#pending`` is
not a camera: it counts the pending ones, so junk vuids cannot grow the table.

Every attribute is bounded (name length, one cooldown slot per known alarm
type plus one shared by all unknown codes), so the item stays under 1 KB in
every state and a heartbeat costs one write unit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from vstarcam_push.models.alarm_types import AlarmType
from vstarcam_push.models.camera import (
    MAX_PENDING_CAMERAS,
    PENDING,
    AlarmRate,
    Camera,
    Claim,
    NotifyCeiling,
    PushKeyUnavailable,
    Registration,
    _number,
    check_site,
    clean_name,
    cooldown_slot,
)
from vstarcam_push.models.errors import UnknownCamera
from vstarcam_push.models.push_keys import (
    derive_push_key,
    is_push_key,
    key_hash,
    key_matches,
    new_key_id,
)

# The sweep's Scan runs in this many parallel segments: 100,000 cameras of 1 KB are
# 100 pages of 1 MB, 25 a segment, well inside the sweep's minute (docs/performance.md).
SWEEP_SEGMENTS = 4

# The deadline, as the sweep's filter and the mark-offline condition read it.
_PAST_DUE = "#status = :online AND onlineUntil < :now"

# The key of the item counting pending cameras: not a valid vuid, so never a camera.
PENDING_COUNTER = "#pending"


def _admission(key: str | None) -> tuple[str, dict[str, Any]]:
    """The heartbeat's condition: this camera's key, or (bare route) any registered camera."""
    if key is not None:
        return "pushKeyHash = :key_hash", {":key_hash": {"B": key_hash(key)}}
    return (
        "attribute_exists(vuid) AND (attribute_not_exists(#status) OR #status <> :pending)",
        {":pending": {"S": PENDING}},
    )


class CameraRegistry:
    def __init__(self, dynamodb: Any, table: str, default_offline_after: int = 180) -> None:
        self._db = dynamodb
        self.table = table
        # The threshold of a camera registered without its own.
        self.default_offline_after = default_offline_after

    def heartbeat(
        self,
        vuid: str,
        now: int,
        default_offline_after: int,
        accept_unknown: bool,
        *,
        key: str | None,
        require_key: bool = True,
    ) -> None:
        """Mark the camera online and push its deadline forward: one conditional write, no read.

        The push key is checked in that write's condition, so a forged heartbeat costs
        no extra call. ``key`` is None on the bare ``/heartbeat`` route, which accepts a
        registered camera only with ``require_key=False`` (``RequirePushKey=false``).
        No index key changes, so the write is one unit while the item is at most 1 KB.
        """
        if key is not None and not is_push_key(key):
            raise self._refusal(vuid, None, "wrong_key", accept_unknown, now, read=False)
        if key is None and require_key:
            raise self._refusal(vuid, None, "missing_key", accept_unknown, now, read=False)
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
        condition, condition_values = _admission(key)
        try:
            self._db.update_item(
                TableName=self.table,
                Key={"vuid": {"S": vuid}},
                # sweepShard was the deadline index's key in earlier versions: no longer read.
                UpdateExpression=expression + " REMOVE sweepShard",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={**values, **condition_values},
                # The refused camera's item comes back with the failure, at no extra cost:
                # it tells an unknown camera from a wrong key (metrics) and from a pending one.
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self._db.exceptions.ConditionalCheckFailedException as error:
            old = error.response.get("Item")
            raise self._refusal(
                vuid, old, "wrong_key" if key else "missing_key", accept_unknown, now
            ) from error

    def admit(
        self,
        vuid: str,
        item: dict[str, Any] | None,
        key: str | None,
        require_key: bool,
        accept_unknown: bool,
        now: int,
    ) -> dict[str, Any]:
        """Check an alarm push's key against the camera item the alarm already read.

        Returns the item; refuses exactly like an unknown camera. The comparison is
        constant time.
        """
        if item is None or item.get("status", {}).get("S") == PENDING:
            raise self._refusal(vuid, item, "unknown_camera", accept_unknown, now)
        if key is None:
            if require_key:
                raise self._refusal(vuid, item, "missing_key", accept_unknown, now)
            return item
        stored = item.get("pushKeyHash", {}).get("B")
        if not key_matches(key, bytes(stored) if stored is not None else None):
            raise self._refusal(vuid, item, "wrong_key", accept_unknown, now)
        return item

    def _refusal(
        self,
        vuid: str,
        item: dict[str, Any] | None,
        reason: str,
        accept_unknown: bool,
        now: int,
        *,
        read: bool = True,
    ) -> UnknownCamera:
        """The one 403 for every refused camera; only its metric reason differs.

        ``item`` is the camera as read (None: absent), or ``read=False`` when the key
        was refused before any call (missing or malformed) and nothing was read.
        """
        if item is not None:
            pending = item.get("status", {}).get("S") == PENDING
            return UnknownCamera(vuid, reason="pending_camera" if pending else reason)
        if not accept_unknown:
            return UnknownCamera(vuid, reason=reason if not read else "unknown_camera")
        state = self.enroll(vuid, now)
        if state == "exists":
            return UnknownCamera(vuid, reason=reason)
        return UnknownCamera(vuid, reason=f"pending_{state}")

    def enroll(self, vuid: str, now: int) -> str:
        """Create an unknown camera as ``pending`` (``AcceptUnknownCameras``), if there is room.

        One transaction writes the pending camera and the pending count, so at most
        ``MAX_PENDING_CAMERAS`` wait. Returns ``created``, ``full`` (no room),
        ``camera`` (already pending) or ``exists`` (a registered camera).
        """
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {
                                "vuid": {"S": vuid},
                                "status": {"S": PENDING},
                                "registeredAt": {"N": str(now)},
                            },
                            "ConditionExpression": "attribute_not_exists(vuid)",
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": {"vuid": {"S": PENDING_COUNTER}},
                            "UpdateExpression": "ADD pendingCameras :one",
                            "ConditionExpression": "attribute_not_exists(pendingCameras) "
                            "OR pendingCameras < :max",
                            "ExpressionAttributeValues": {
                                ":one": {"N": "1"},
                                ":max": {"N": str(MAX_PENDING_CAMERAS)},
                            },
                        }
                    },
                ]
            )
        except self._db.exceptions.TransactionCanceledException as error:
            reasons = error.response.get("CancellationReasons") or []
            camera = reasons[0] if reasons else {}
            if camera.get("Code") == "ConditionalCheckFailed":
                existing = camera.get("Item") or {}
                return "camera" if existing.get("status", {}).get("S") == PENDING else "exists"
            return "full"
        return "created"

    def record_alarm(self, vuid: str, now: int, rate: AlarmRate | None, rate_period: int) -> None:
        """Note an alarm on the camera: a sign of life, so it is online as after a heartbeat.

        An offline camera comes back online (the stream's offline -> online change, which
        the notifier reports) and its deadline moves, so it is not swept while it pushes.
        The alarm rate limit rides on this write, which every alarm makes anyway: the
        count continues in an open window, or a new window starts now. ``rate`` None (a
        retry of a stored alarm) counts nothing.
        """
        expression = (
            "SET #status = :online, lastSeen = :now, lastAlarmAt = :now, "
            "offlineAfter = if_not_exists(offlineAfter, :default), "
            "onlineUntil = if_not_exists(offlineAfter, :default) + :now"
        )
        values = {
            ":online": {"S": "online"},
            ":now": {"N": str(now)},
            ":default": {"N": str(self.default_offline_after)},
        }
        if rate is not None:
            values[":one"] = {"N": "1"}
            if rate.window_open(now, rate_period):
                expression += " ADD alarmCount :one"
            else:
                expression += ", alarmWindow = :now, alarmCount = :one"
        try:
            self._db.update_item(
                TableName=self.table,
                Key={"vuid": {"S": vuid}},
                UpdateExpression=expression,
                # A camera removed while its alarm was being stored is not re-created.
                ConditionExpression="attribute_exists(vuid)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
            )
        except self._db.exceptions.ConditionalCheckFailedException as error:
            raise UnknownCamera(vuid) from error

    def get(self, vuid: str) -> Camera | None:
        if vuid == PENDING_COUNTER:
            return None
        item = self._db.get_item(TableName=self.table, Key={"vuid": {"S": vuid}}).get("Item")
        return Camera.from_item(item) if item else None

    def register(
        self, vuid: str, name: str, offline_after: int, now: int, secret: bytes
    ) -> Registration:
        """Add, approve (a pending camera) or rename a camera.

        A new or approved camera, or one registered before push keys existed, is issued
        a push key derived from the stack ``secret``, returned in ``Registration.push_key``;
        a camera that has a key keeps it (``rotate_key`` replaces it).
        """
        name = clean_name(name)
        key_id = new_key_id()
        key = derive_push_key(secret, vuid, key_id)
        values = {
            ":name": {"S": name},
            ":offline_after": {"N": str(offline_after)},
            ":hash": {"B": key_hash(key)},
            ":key_id": {"N": str(key_id)},
        }
        try:
            self._db.update_item(
                TableName=self.table,
                Key={"vuid": {"S": vuid}},
                UpdateExpression=(
                    "SET #name = :name, offlineAfter = :offline_after, pushKeyHash = :hash, "
                    "pushKeyId = :key_id, registeredAt = :now"
                ),
                ConditionExpression="attribute_not_exists(vuid)",
                ExpressionAttributeNames={"#name": "name"},
                ExpressionAttributeValues={**values, ":now": {"N": str(now)}},
            )
            return Registration(created=True, approved=False, push_key=key)
        except self._db.exceptions.ConditionalCheckFailedException:
            pass
        if self._approve(vuid, values):
            return Registration(created=False, approved=True, push_key=key)
        old = self._db.update_item(
            TableName=self.table,
            Key={"vuid": {"S": vuid}},
            UpdateExpression=(
                "SET #name = :name, offlineAfter = :offline_after, "
                "pushKeyHash = if_not_exists(pushKeyHash, :hash), "
                "pushKeyId = if_not_exists(pushKeyId, :key_id)"
            ),
            ExpressionAttributeNames={"#name": "name"},
            ExpressionAttributeValues=values,
            ReturnValues="ALL_OLD",
        ).get("Attributes", {})
        self._move_deadline(vuid, offline_after)
        issued = "pushKeyHash" not in old
        return Registration(created=False, approved=False, push_key=key if issued else None)

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

    def _approve(self, vuid: str, values: dict[str, Any]) -> bool:
        """A pending camera becomes registered (with a key) and leaves the pending count."""
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": {"vuid": {"S": vuid}},
                            "UpdateExpression": "SET #name = :name, offlineAfter = "
                            ":offline_after, pushKeyHash = :hash, pushKeyId = :key_id "
                            "REMOVE #status",
                            "ConditionExpression": "#status = :pending",
                            "ExpressionAttributeNames": {"#name": "name", "#status": "status"},
                            "ExpressionAttributeValues": {
                                **values,
                                ":pending": {"S": PENDING},
                            },
                        }
                    },
                    self._pending_count_down(),
                ]
            )
        except self._db.exceptions.TransactionCanceledException:
            return False
        return True

    def _pending_count_down(self) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table,
                "Key": {"vuid": {"S": PENDING_COUNTER}},
                "UpdateExpression": "ADD pendingCameras :minus_one",
                "ConditionExpression": "pendingCameras > :zero",
                "ExpressionAttributeValues": {":minus_one": {"N": "-1"}, ":zero": {"N": "0"}},
            }
        }

    def rotate_key(self, vuid: str, secret: bytes) -> str:
        """Give a registered camera a new push key; the old one stops working at once.

        Returns the new key. A pending camera is approved with ``register``, not here.
        """
        key_id = new_key_id()
        key = derive_push_key(secret, vuid, key_id)
        try:
            self._db.update_item(
                TableName=self.table,
                Key={"vuid": {"S": vuid}},
                UpdateExpression="SET pushKeyHash = :hash, pushKeyId = :key_id",
                ConditionExpression="attribute_exists(vuid) AND "
                "(attribute_not_exists(#status) OR #status <> :pending)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":hash": {"B": key_hash(key)},
                    ":key_id": {"N": str(key_id)},
                    ":pending": {"S": PENDING},
                },
            )
        except self._db.exceptions.ConditionalCheckFailedException as error:
            raise UnknownCamera(vuid) from error
        return key

    def push_key(self, vuid: str, secret: bytes) -> str:
        """The camera's current push key, derived again from the stack ``secret``.

        Raises ``PushKeyUnavailable`` when the camera has no key, or when the secret no
        longer derives the key whose hash is stored (the secret was replaced).
        """
        item = self._db.get_item(
            TableName=self.table, Key={"vuid": {"S": vuid}}, ConsistentRead=True
        ).get("Item")
        if item is None or vuid == PENDING_COUNTER:
            raise PushKeyUnavailable(f"camera {vuid} is not registered")
        camera = Camera.from_item(item)
        if camera.pending:
            raise PushKeyUnavailable(
                f"camera {vuid} is pending: approve it with 'vstarcam-push cameras add {vuid}'"
            )
        stored = item.get("pushKeyHash", {}).get("B")
        if camera.push_key_id is None or stored is None:
            raise PushKeyUnavailable(
                f"camera {vuid} has no push key yet: issue one with "
                f"'vstarcam-push cameras rotate-key {vuid}'"
            )
        key = derive_push_key(secret, vuid, camera.push_key_id)
        if not key_matches(key, bytes(stored)):
            raise PushKeyUnavailable(
                f"the stack's push key secret no longer derives camera {vuid}'s key (was the "
                f"secret replaced?): issue a new one with 'vstarcam-push cameras rotate-key {vuid}'"
            )
        return key

    def remove(self, vuid: str) -> bool:
        """Forget a camera (a pending one leaves the pending count); False if there was none."""
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self.table,
                            "Key": {"vuid": {"S": vuid}},
                            "ConditionExpression": "#status = :pending",
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": {":pending": {"S": PENDING}},
                        }
                    },
                    self._pending_count_down(),
                ]
            )
            return True
        except self._db.exceptions.TransactionCanceledException:
            pass
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
            cameras.extend(
                Camera.from_item(item)
                for item in page.get("Items", [])
                if item["vuid"]["S"] != PENDING_COUNTER
            )
        return sorted(cameras, key=lambda camera: camera.vuid)

    def statuses(self) -> list[tuple[str, str]]:
        """(vuid, status) of every camera, in vuid order: a parallel Scan of the table.

        The console's list reads it. No index holds the status, so a camera going
        offline or online writes the table only (one unit); the Scan costs 0.5 read
        unit per 4 KB of items, about 24 units for 1,000 cameras (docs/performance.md).
        A camera without a status has never been seen: offline.
        """
        with ThreadPoolExecutor(SWEEP_SEGMENTS) as pool:
            segments = list(pool.map(self._statuses_in, range(SWEEP_SEGMENTS)))
        return sorted(pair for segment in segments for pair in segment)

    def _statuses_in(self, segment: int) -> list[tuple[str, str]]:
        pages = self._db.get_paginator("scan").paginate(
            TableName=self.table,
            Segment=segment,
            TotalSegments=SWEEP_SEGMENTS,
            ProjectionExpression="vuid, #status",
            ExpressionAttributeNames={"#status": "status"},
        )
        return [
            (item["vuid"]["S"], item.get("status", {}).get("S", "offline"))
            for page in pages
            for item in page.get("Items", [])
            if item["vuid"]["S"] != PENDING_COUNTER
        ]

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
        self,
        vuid: str,
        alarm_type: AlarmType,
        alarm_id: str,
        now: int,
        cooldown: int,
        ceiling: NotifyCeiling | None = None,
    ) -> Claim:
        """Take the camera's notification slot for this alarm type, within the ceiling.

        One consistent read (the notifier needs the camera's name anyway), then one
        conditional write that holds only if nobody changed the slot or the window
        since: a concurrent claim makes it read again. Refused by the read alone
        (cooldown, ceiling), it writes nothing. The slot remembers which alarm took it,
        so a redelivered stream record (after an SNS failure) is notified again and is
        not silenced by its own claim.
        """
        slot = cooldown_slot(alarm_type)
        names = {"#at": f"cool_{slot}", "#by": f"coolBy_{slot}"}
        # 48 bits of the alarm id's digest tell this camera's alarms apart (the vuid is the
        # item's own); the whole id in nine slots would take 1 KB's last tenth.
        mark = alarm_id.rsplit("-", 1)[-1][:12]
        for _ in range(_CLAIM_TRIES):
            item = self._db.get_item(
                TableName=self.table, Key={"vuid": {"S": vuid}}, ConsistentRead=True
            ).get("Item")
            if item is None or item.get("status", {}).get("S") == PENDING:
                return Claim(False, "unknown_camera", None)
            camera = Camera.from_item(item)
            if item.get(names["#by"], {}).get("S") == mark:
                return Claim(True, "redelivered", camera)
            last = _number(item, names["#at"])
            if last is not None and last > now - cooldown:
                return Claim(False, "cooldown", camera, until=last + cooldown)
            window, count = _number(item, "notifyWindow"), _number(item, "notifyCount") or 0
            window_open = (
                ceiling is not None and window is not None and window > now - ceiling.period
            )
            if ceiling is not None and window_open and count >= ceiling.limit:
                return Claim(False, "ceiling", camera, until=window + ceiling.period)
            values: dict[str, Any] = {
                ":now": {"N": str(now)},
                ":open": {"N": str(now - cooldown)},
                ":mark": {"S": mark},
            }
            # The write holds only while the slot is open and the window is as read.
            condition = "attribute_exists(vuid) AND (attribute_not_exists(#at) OR #at <= :open)"
            if ceiling is None:
                expression = "SET #at = :now, #by = :mark"
            elif window_open:
                expression = "SET #at = :now, #by = :mark ADD notifyCount :one"
                condition += " AND notifyWindow = :window AND notifyCount = :count"
                values |= {
                    ":one": {"N": "1"},
                    ":window": {"N": str(window)},
                    ":count": {"N": str(count)},
                }
            else:
                expression = "SET #at = :now, #by = :mark, notifyWindow = :now, notifyCount = :one"
                values[":one"] = {"N": "1"}
                if window is None:
                    condition += " AND attribute_not_exists(notifyWindow)"
                else:
                    condition += " AND notifyWindow = :window"
                    values[":window"] = {"N": str(window)}
            try:
                self._db.update_item(
                    TableName=self.table,
                    Key={"vuid": {"S": vuid}},
                    UpdateExpression=expression,
                    ConditionExpression=condition,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
                return Claim(True, "claimed", camera)
            except self._db.exceptions.ConditionalCheckFailedException:
                continue
        raise ClaimContended(f"the notification slot of camera {vuid} kept changing; retry later")


_CLAIM_TRIES = 3


class ClaimContended(Exception):
    """Concurrent claims kept changing the camera's slot: the stream record is retried."""
