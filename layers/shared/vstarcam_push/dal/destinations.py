"""The Destinations table."""

from __future__ import annotations

import contextlib
from typing import Any

from vstarcam_push.models.destination import Destination


class DestinationExists(Exception):
    pass


class DestinationStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self.table = table

    def add(self, destination: Destination) -> None:
        try:
            self._db.put_item(
                TableName=self.table,
                Item=destination.to_item(),
                ConditionExpression="attribute_not_exists(#name)",
                ExpressionAttributeNames={"#name": "name"},
            )
        except self._db.exceptions.ConditionalCheckFailedException as error:
            raise DestinationExists(destination.name) from error

    def put(self, destination: Destination, must_exist: bool = False) -> bool:
        """Write the destination whole (a web push device saved again); with ``must_exist``,
        only over one still there (False when it was removed meanwhile)."""
        condition: dict[str, Any] = {}
        if must_exist:
            condition = {
                "ConditionExpression": "attribute_exists(#name)",
                "ExpressionAttributeNames": {"#name": "name"},
            }
        try:
            self._db.put_item(TableName=self.table, Item=destination.to_item(), **condition)
            return True
        except self._db.exceptions.ConditionalCheckFailedException:
            return False

    def get(self, name: str) -> Destination | None:
        item = self._db.get_item(TableName=self.table, Key={"name": {"S": name}}).get("Item")
        return Destination.from_item(item) if item else None

    def list(self) -> list[Destination]:
        """Every destination: one Scan page per 1 MB, a few hundred bytes each."""
        found: list[Destination] = []
        for page in self._db.get_paginator("scan").paginate(TableName=self.table):
            found.extend(Destination.from_item(item) for item in page.get("Items", []))
        return sorted(found, key=lambda destination: destination.name)

    def remove(self, name: str) -> bool:
        try:
            self._db.delete_item(
                TableName=self.table,
                Key={"name": {"S": name}},
                ConditionExpression="attribute_exists(#name)",
                ExpressionAttributeNames={"#name": "name"},
            )
            return True
        except self._db.exceptions.ConditionalCheckFailedException:
            return False

    def note_failure(self, name: str, error: str, now: int) -> None:
        """Remember why the destination last failed (a retry or a give-up; ``error`` already
        scrubbed of its secrets, kept to 300 characters); a removed destination stays removed."""
        with contextlib.suppress(self._db.exceptions.ConditionalCheckFailedException):
            self._db.update_item(
                TableName=self.table,
                Key={"name": {"S": name}},
                UpdateExpression="SET lastError = :error, lastErrorAt = :now",
                ConditionExpression="attribute_exists(#name)",
                ExpressionAttributeNames={"#name": "name"},
                ExpressionAttributeValues={":error": {"S": error[:300]}, ":now": {"N": str(now)}},
            )
