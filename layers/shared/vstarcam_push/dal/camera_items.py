"""The Cameras table's items, as the four camera stores share them.

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

``snoozedUntil`` and ``siteSnoozedUntil`` hold the camera's notifications until
then (its own snooze, its site's: ``CameraRegistry.snooze``, ``snooze_site``);
the heartbeat never touches them.

Every attribute is bounded (name length, one cooldown slot per known alarm
type plus one shared by all unknown codes, a site's name, two snooze ends), so
the item stays under 1 KB in every state and a heartbeat costs one write unit.

The table has one store per set of callers: ``camera_admission`` (the push
paths), ``camera_registry`` (the operator: CLI and console), ``camera_fleet``
(the console's list and the offline sweep) and ``notification_claims`` (the
notifier). Each is handed the DynamoDB client and the table name.
"""

from __future__ import annotations

from typing import Any

from vstarcam_push.models.camera import PENDING

# The key of the item counting pending cameras: not a valid vuid, so never a camera.
PENDING_COUNTER = "#pending"


def camera_key(vuid: str) -> dict[str, Any]:
    return {"vuid": {"S": vuid}}


def is_pending(item: dict[str, Any]) -> bool:
    return item.get("status", {}).get("S") == PENDING


class CamerasTable:
    """The Cameras table's client and name, which every camera store holds."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self.table = table

    def _item(self, vuid: str, consistent: bool = False) -> dict[str, Any] | None:
        """The camera's item as stored (None: absent); ``consistent`` sees every answered write."""
        request: dict[str, Any] = {"TableName": self.table, "Key": camera_key(vuid)}
        if consistent:
            request["ConsistentRead"] = True
        return self._db.get_item(**request).get("Item")

    def _update(self, vuid: str, **request: Any) -> dict[str, Any]:
        """An UpdateItem of the camera's item: ``request`` is the rest of the call."""
        return self._db.update_item(TableName=self.table, Key=camera_key(vuid), **request)
