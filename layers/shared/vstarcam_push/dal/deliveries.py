"""The Deliveries table: claiming, finishing and releasing one delivery."""

from __future__ import annotations

from typing import Any, Literal

# Delivery records outlive the queue's retention and the stream's 24 hours.
RECORD_DAYS = 7


class DeliveryLog:
    """The Deliveries table: one item per delivery id, ``sending`` (with a lease) then
    ``delivered``, ``failed`` or ``withheld`` (never to be sent: a web push device that is
    gone, or whose owner may not see the camera); TTL removes it after a week."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self.table = table

    def claim(self, delivery: str, now: int, lease_s: int) -> Literal["claimed", "done", "busy"]:
        try:
            self._db.put_item(
                TableName=self.table,
                Item={
                    "deliveryId": {"S": delivery},
                    "status": {"S": "sending"},
                    "leaseUntil": {"N": str(now + lease_s)},
                    "expiresAt": {"N": str(now + RECORD_DAYS * 86400)},
                },
                ConditionExpression="attribute_not_exists(deliveryId) OR "
                "(#status = :sending AND leaseUntil < :now)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":sending": {"S": "sending"}, ":now": {"N": str(now)}},
            )
            return "claimed"
        except self._db.exceptions.ConditionalCheckFailedException:
            item = self._db.get_item(
                TableName=self.table, Key={"deliveryId": {"S": delivery}}, ConsistentRead=True
            ).get("Item", {})
            return "busy" if item.get("status", {}).get("S") == "sending" else "done"

    def finish(
        self, delivery: str, status: Literal["delivered", "failed", "withheld"], now: int
    ) -> None:
        self._db.put_item(
            TableName=self.table,
            Item={
                "deliveryId": {"S": delivery},
                "status": {"S": status},
                "finishedAt": {"N": str(now)},
                "expiresAt": {"N": str(now + RECORD_DAYS * 86400)},
            },
        )

    def release(self, delivery: str) -> None:
        self._db.delete_item(TableName=self.table, Key={"deliveryId": {"S": delivery}})
