"""The alarm push's one read: the camera's admission attributes, and this alarm if stored.

Used by ``ingest.alarm_intake`` (AlarmFunction). Both items come back from one
``BatchGetItem``, so an alarm push costs one round trip before its media are written;
the read lives here, with the other table access, rather than in the intake's rules.
"""

from __future__ import annotations

from typing import Any

from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.camera_admission import CameraAdmission
from vstarcam_push.models.alarm import Alarm
from vstarcam_push.models.errors import StorageFailure

# Keys DynamoDB left unprocessed are asked again at most this often before the camera is
# told to retry: a camera retries a failed push on its own.
BATCH_GET_TRIES = 3


def lookup_alarm(
    dynamodb: Any, admission: CameraAdmission, alarms: AlarmStore, vuid: str, alarm_id: str
) -> tuple[dict[str, Any] | None, Alarm | None]:
    """The camera's item (its admission attributes only) and the alarm ``alarm_id`` if stored."""
    request: dict[str, Any] = {
        admission.table: {
            "Keys": [{"vuid": {"S": vuid}}],
            "ProjectionExpression": "vuid, pushKeyHash, #status, alarmWindow, alarmCount",
            "ExpressionAttributeNames": {"#status": "status"},
            # A rotated key stops working at once, not after a stale read.
            "ConsistentRead": True,
        },
        alarms.table: {"Keys": [alarms.key(alarm_id)]},
    }
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        for _ in range(BATCH_GET_TRIES):
            response = dynamodb.batch_get_item(RequestItems=request)
            for table, items in response.get("Responses", {}).items():
                found.setdefault(table, []).extend(items)
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
    except Exception as error:
        raise StorageFailure(
            "the camera registry could not be read, please retry", reason="storage_failed"
        ) from error
    if request:
        raise StorageFailure("the camera registry is busy, please retry", reason="storage_failed")
    alarm_items = found.get(alarms.table, [])
    camera_items = found.get(admission.table, [])
    return (camera_items[0] if camera_items else None), (
        Alarm.from_item(alarm_items[0]) if alarm_items else None
    )
