"""Notification claims: a camera's per-alarm-type cooldown slots and notification ceiling.

Used by the notifier, which claims a camera's slot before it notifies an alarm, so two
concurrent stream records (or a motion storm) do not notify twice within the cooldown.
"""

from __future__ import annotations

from typing import Any

from vstarcam_push.dal.camera_items import CamerasTable, is_pending
from vstarcam_push.models.alarm_types import AlarmType
from vstarcam_push.models.camera import (
    Camera,
    Claim,
    NotifyCeiling,
    cooldown_slot,
    number_attribute,
)

_CLAIM_TRIES = 3


class ClaimContended(Exception):
    """Concurrent claims kept changing the camera's slot: the stream record is retried."""


class NotificationClaims(CamerasTable):
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
        not silenced by its own claim. A snoozed camera (its own snooze or its site's)
        is refused by the read, with the snooze's end.
        """
        slot = cooldown_slot(alarm_type)
        names = {"#at": f"cool_{slot}", "#by": f"coolBy_{slot}"}
        # 48 bits of the alarm id's digest tell this camera's alarms apart (the vuid is the
        # item's own); the whole id in nine slots would take 1 KB's last tenth.
        mark = alarm_id.rsplit("-", 1)[-1][:12]
        for _ in range(_CLAIM_TRIES):
            item = self._item(vuid, consistent=True)
            if item is None or is_pending(item):
                return Claim(False, "unknown_camera", None)
            camera = Camera.from_item(item)
            # A snoozed camera's alarm takes no slot: the first alarm after the snooze
            # is notified, not held by a cooldown that a held alarm started.
            snooze = camera.snooze(now)
            if snooze is not None:
                return Claim(False, "snoozed", camera, until=snooze.until)
            if item.get(names["#by"], {}).get("S") == mark:
                return Claim(True, "redelivered", camera)
            last = number_attribute(item, names["#at"])
            if last is not None and last > now - cooldown:
                return Claim(False, "cooldown", camera, until=last + cooldown)
            window = number_attribute(item, "notifyWindow")
            count = number_attribute(item, "notifyCount") or 0
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
                self._update(
                    vuid,
                    UpdateExpression=expression,
                    ConditionExpression=condition,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
                return Claim(True, "claimed", camera)
            except self._db.exceptions.ConditionalCheckFailedException:
                continue
        raise ClaimContended(f"the notification slot of camera {vuid} kept changing; retry later")
