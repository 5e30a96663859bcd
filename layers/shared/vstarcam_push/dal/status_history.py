"""The StatusHistory table: each camera's offline and back-online changes, for the day view.

Its own table, like the audit trail: the Cameras table keeps its one-write-unit
heartbeat (no index, no second item), and the Alarms table's stream, indexes, counts
and deletes never meet a status change. One partition per camera, sorted by time
(``changeId``): a day's history of one camera, with the change before it, is one
Query read newest first from the day's end (a few items: 0.5 read unit). TTL
(``expiresAt``) removes a change after the stack's RetentionDays, as alarms go.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from vstarcam_push.models.status_history import StatusChange, change_id_before

# One camera's day: pages of PAGE_ITEMS changes (about 2 KB: a Query is billed by what it
# reads, so a small page keeps a normal day at 0.5 read unit however long the history),
# at most MAX_PAGES of them (a camera flapping every 3 minutes changes 480 times a day):
# bounded whatever happens.
PAGE_ITEMS = 25
MAX_PAGES = 40

# The console's cameras are read in parallel, as their newest alarms are.
MAX_WORKERS = 8


@dataclass(frozen=True)
class DayHistory:
    """A camera's changes inside a span, oldest first, and its last change before it
    (None: none is kept). ``complete`` is False when the page budget ran out first."""

    before: StatusChange | None
    changes: list[StatusChange]
    complete: bool = True


class StatusHistory:
    def __init__(self, dynamodb: Any, table: str, retention_days: int = 30) -> None:
        self._db = dynamodb
        self.table = table
        self.retention_days = retention_days

    def record(self, change: StatusChange) -> None:
        """One write of one change. Idempotent: the key and every attribute come from the
        change itself (the TTL too, counted from the change, not from now), so a stream
        record delivered again writes the very same item."""
        self._db.put_item(
            TableName=self.table,
            Item=change.to_item(change.at + self.retention_days * 86_400),
        )

    def span(self, vuid: str, start_ms: int, end_ms: int) -> DayHistory:
        """The camera's changes from ``start_ms`` to before ``end_ms``, and the one before:
        read newest first from ``end_ms`` until a change before ``start_ms`` is seen."""
        changes: list[StatusChange] = []
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "vuid = :vuid AND changeId < :end",
            "ExpressionAttributeValues": {
                ":vuid": {"S": vuid},
                ":end": {"S": change_id_before(end_ms)},
            },
            "ScanIndexForward": False,
            "Limit": PAGE_ITEMS,
        }
        for _ in range(MAX_PAGES):
            answer = self._db.query(**query)
            for item in answer.get("Items", []):
                change = StatusChange.from_item(item)
                if change.at_ms < start_ms:
                    return DayHistory(change, changes[::-1])
                changes.append(change)
            last = answer.get("LastEvaluatedKey")
            if last is None:
                return DayHistory(None, changes[::-1])
            query["ExclusiveStartKey"] = last
        return DayHistory(None, changes[::-1], complete=False)

    def spans(self, vuids: list[str], start_ms: int, end_ms: int) -> dict[str, DayHistory]:
        """``span`` of each camera, one Query each, in parallel."""
        if not vuids:
            return {}
        with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(vuids))) as pool:
            found = list(pool.map(lambda vuid: self.span(vuid, start_ms, end_ms), vuids))
        return dict(zip(vuids, found, strict=True))
