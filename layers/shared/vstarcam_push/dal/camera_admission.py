"""Camera admission on the push paths: the heartbeat's write, the alarm's key check, the
pending enrolment of an unknown camera, and an alarm's note on its camera.

Used by the heartbeat and alarm functions. Configured once, by the constructor, with
the stack's settings: the default offline threshold, ``AcceptUnknownCameras`` and
``RequirePushKey``.
"""

from __future__ import annotations

from typing import Any

from vstarcam_push.dal.camera_items import PENDING_COUNTER, CamerasTable, camera_key, is_pending
from vstarcam_push.models.camera import MAX_PENDING_CAMERAS, PENDING, AlarmRate
from vstarcam_push.models.errors import UnknownCamera
from vstarcam_push.models.push_keys import is_push_key, key_hash, key_matches

# A sign of life (heartbeat or alarm): online, and the deadline moves to now + the threshold.
_ONLINE = (
    "SET #status = :online, lastSeen = :now, "
    "offlineAfter = if_not_exists(offlineAfter, :default), "
    "onlineUntil = if_not_exists(offlineAfter, :default) + :now"
)


def _admission(key: str | None) -> tuple[str, dict[str, Any]]:
    """The heartbeat's condition: this camera's key, or (bare route) any registered camera."""
    if key is not None:
        return "pushKeyHash = :key_hash", {":key_hash": {"B": key_hash(key)}}
    return (
        "attribute_exists(vuid) AND (attribute_not_exists(#status) OR #status <> :pending)",
        {":pending": {"S": PENDING}},
    )


class CameraAdmission(CamerasTable):
    """``offline_after``: the threshold of a camera registered without its own;
    ``accept_unknown``: an unknown camera's push enrols it as pending;
    ``require_key``: the bare routes (no push key in the path) are refused."""

    def __init__(
        self,
        dynamodb: Any,
        table: str,
        offline_after: int = 180,
        accept_unknown: bool = False,
        require_key: bool = True,
    ) -> None:
        super().__init__(dynamodb, table)
        self.offline_after = offline_after
        self.accept_unknown = accept_unknown
        self.require_key = require_key

    def _online(self, now: int) -> dict[str, Any]:
        return {
            ":online": {"S": "online"},
            ":now": {"N": str(now)},
            ":default": {"N": str(self.offline_after)},
        }

    def heartbeat(self, vuid: str, now: int, key: str | None) -> None:
        """Mark the camera online and push its deadline forward: one conditional write, no read.

        The push key is checked in that write's condition, so a forged heartbeat costs
        no extra call. ``key`` is None on the bare ``/heartbeat`` route, which accepts a
        registered camera only without ``require_key`` (``RequirePushKey=false``).
        No index key changes, so the write is one unit while the item is at most 1 KB.
        """
        if key is not None and not is_push_key(key):
            raise self._refusal(vuid, None, "wrong_key", now, read=False)
        if key is None and self.require_key:
            raise self._refusal(vuid, None, "missing_key", now, read=False)
        condition, condition_values = _admission(key)
        try:
            self._update(
                vuid,
                # sweepShard was the deadline index's key in earlier versions: no longer read.
                UpdateExpression=_ONLINE + " REMOVE sweepShard",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={**self._online(now), **condition_values},
                # The refused camera's item comes back with the failure, at no extra cost:
                # it tells an unknown camera from a wrong key (metrics) and from a pending one.
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self._db.exceptions.ConditionalCheckFailedException as error:
            old = error.response.get("Item")
            raise self._refusal(vuid, old, "wrong_key" if key else "missing_key", now) from error

    def admit(
        self, vuid: str, item: dict[str, Any] | None, key: str | None, now: int
    ) -> dict[str, Any]:
        """Check an alarm push's key against the camera item the alarm already read.

        Returns the item; refuses exactly like an unknown camera. The comparison is
        constant time.
        """
        if item is None or is_pending(item):
            raise self._refusal(vuid, item, "unknown_camera", now)
        if key is None:
            if self.require_key:
                raise self._refusal(vuid, item, "missing_key", now)
            return item
        stored = item.get("pushKeyHash", {}).get("B")
        if not key_matches(key, bytes(stored) if stored is not None else None):
            raise self._refusal(vuid, item, "wrong_key", now)
        return item

    def _refusal(
        self,
        vuid: str,
        item: dict[str, Any] | None,
        reason: str,
        now: int,
        *,
        read: bool = True,
    ) -> UnknownCamera:
        """The one 403 for every refused camera; only its metric reason differs.

        ``item`` is the camera as read (None: absent), or ``read=False`` when the key
        was refused before any call (missing or malformed) and nothing was read.
        """
        if item is not None:
            return UnknownCamera(vuid, reason="pending_camera" if is_pending(item) else reason)
        if not self.accept_unknown:
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
                            "Key": camera_key(PENDING_COUNTER),
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
                return "camera" if is_pending(camera.get("Item") or {}) else "exists"
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
        expression = _ONLINE + ", lastAlarmAt = :now"
        values = self._online(now)
        if rate is not None:
            values[":one"] = {"N": "1"}
            if rate.window_open(now, rate_period):
                expression += " ADD alarmCount :one"
            else:
                expression += ", alarmWindow = :now, alarmCount = :one"
        try:
            self._update(
                vuid,
                UpdateExpression=expression,
                # A camera removed while its alarm was being stored is not re-created.
                ConditionExpression="attribute_exists(vuid)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
            )
        except self._db.exceptions.ConditionalCheckFailedException as error:
            raise UnknownCamera(vuid) from error
