"""The Audit table: the trail of changes made through the console and the CLI.

One partition per UTC day (``day``), items sorted by ``entryId`` (the time in
milliseconds, zero-padded, and a random suffix so two changes in the same millisecond
both stay). Reading the last days is one Query per day, newest first; a filter on the
user is applied to what was read (a trail is a few dozen entries a day, not a fleet's
alarms). TTL (``expiresAt``) removes entries after the stack's RetentionDays.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from vstarcam_push.models.audit import MAX_DETAIL_CHARS, AuditEntry

# A listing reads at most this many days and this many Query pages: bounded whatever
# the retention.
MAX_DAYS = 400
MAX_PAGES = 200


def _day(at_ms: int) -> str:
    return datetime.fromtimestamp(at_ms / 1000, tz=UTC).strftime("%Y-%m-%d")


class AuditLog:
    def __init__(self, dynamodb: Any, table: str, retention_days: int) -> None:
        self._db = dynamodb
        self.table = table
        self.retention_days = retention_days

    def record(self, entry: AuditEntry) -> None:
        entry.check()
        details = json.dumps(entry.details, separators=(",", ":"), sort_keys=True)
        if len(details) > MAX_DETAIL_CHARS:
            details = json.dumps({"truncated": details[: MAX_DETAIL_CHARS - 40]})
        item: dict[str, Any] = {
            "day": {"S": _day(entry.at_ms)},
            "entryId": {"S": f"{entry.at_ms:013d}-{secrets.token_hex(4)}"},
            "atMs": {"N": str(entry.at_ms)},
            "user": {"S": entry.user or "-"},
            "source": {"S": entry.source},
            "action": {"S": entry.action},
            "target": {"S": entry.target or "-"},
            "details": {"S": details},
            "expiresAt": {"N": str(entry.at_ms // 1000 + self.retention_days * 86_400)},
        }
        if entry.origin:
            item["origin"] = {"S": entry.origin}
        self._db.put_item(TableName=self.table, Item=item)

    def read(
        self, since_ms: int, now_ms: int, user: str | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        """Entries from ``since_ms`` to ``now_ms``, newest first, at most ``limit``; only
        ``user``'s (compared without case) when given."""
        found: list[AuditEntry] = []
        wanted = user.casefold() if user else None
        day = datetime.fromtimestamp(now_ms / 1000, tz=UTC).date()
        first = datetime.fromtimestamp(max(since_ms, 0) / 1000, tz=UTC).date()
        pages = 0
        for _ in range(MAX_DAYS):
            if day < first:
                break
            request: dict[str, Any] = {
                "TableName": self.table,
                "KeyConditionExpression": "#day = :day AND entryId >= :since",
                "ExpressionAttributeNames": {"#day": "day"},
                "ExpressionAttributeValues": {
                    ":day": {"S": day.isoformat()},
                    ":since": {"S": f"{since_ms:013d}"},
                },
                "ScanIndexForward": False,
            }
            while pages < MAX_PAGES:
                pages += 1
                page = self._db.query(**request)
                for item in page.get("Items", []):
                    entry = entry_of(item)
                    if entry.at_ms > now_ms or (wanted and entry.user.casefold() != wanted):
                        continue
                    found.append(entry)
                    if len(found) >= limit:
                        return found
                if "LastEvaluatedKey" not in page:
                    break
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            day -= timedelta(days=1)
        return found


def entry_of(item: dict[str, Any]) -> AuditEntry:
    try:
        details = json.loads(item.get("details", {}).get("S", "{}"))
    except ValueError:
        details = {}
    return AuditEntry(
        at_ms=int(item["atMs"]["N"]),
        user=item["user"]["S"],
        source=item["source"]["S"],
        action=item["action"]["S"],
        target=item["target"]["S"],
        details=details if isinstance(details, dict) else {},
        origin=item.get("origin", {}).get("S", ""),
    )
