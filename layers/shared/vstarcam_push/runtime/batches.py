"""The batch loops of the event sources: a table stream's and an SQS queue's.

Both reply in Lambda's ``ReportBatchItemFailures`` shape; they differ in what a
failure means: a stream resumes at its first failed record (so the records after it
are reported too), a queue retries each failed message on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vstarcam_push.runtime.logs import notice

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger

    from vstarcam_push.runtime.logs import JsonLogger

logger = logging.getLogger(__name__)


class BatchFailed(Exception):
    """Every record of a stream batch failed: a function error, so Lambda retries and bisects."""


def stream_batch(
    event: dict[str, Any],
    handle: Callable[[dict[str, Any]], None],
    logger: Logger | JsonLogger,
) -> dict[str, Any]:
    """Handle a table stream batch in order; the reply lists the records to retry.

    Lambda resumes a stream at the first failed record (ReportBatchItemFailures),
    so the records after it are not handled now but reported too: handled now,
    they would be handled, and notified, a second time.
    """
    records = event.get("Records") or []
    failed: list[dict[str, str]] = []
    for record in records:
        if not failed:
            try:
                handle(record)
                continue
            except Exception:
                logger.exception(
                    "stream record failed; it and the records after it will be retried",
                    extra={"event_id": record.get("eventID")},
                )
        failed.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
    if records and len(failed) == len(records):
        raise BatchFailed(f"All records failed processing ({len(records)} in the batch)")
    return {"batchItemFailures": failed}


def queue_batch(
    event: dict[str, Any],
    handle: Callable[[dict[str, Any]], str],
    log: Any = None,
    time_left_ms: Callable[[], int] | None = None,
    reserve_ms: int = 0,
) -> dict[str, Any]:
    """An SQS batch: the messages whose handling answered ``retry`` are reported
    (ReportBatchItemFailures); Lambda deletes the others. An unexpected error fails only
    its own message.

    With ``time_left_ms`` (the Lambda context's ``get_remaining_time_in_millis``) a message
    is started only while at least ``reserve_ms`` remain, the longest one may take: a
    function that timed out would have every message of the batch retried, the ones it
    delivered too. The messages not started are reported, so they are retried, not lost.
    """
    failures = []
    records = event.get("Records") or []
    for index, record in enumerate(records):
        if time_left_ms is not None and time_left_ms() < reserve_ms:
            (log or logger).warning(
                "too little time left to start another message; the rest will be retried",
                extra={"not_started": len(records) - index, "reserve_ms": reserve_ms},
            )
            failures += [{"itemIdentifier": rest["messageId"]} for rest in records[index:]]
            break
        try:
            result = handle(record)
        except Exception as error:
            said = f"failed unexpectedly ({type(error).__name__}); the message will be retried"
            (log or logger).exception(
                "delivery failed unexpectedly; the message will be retried",
                extra={
                    "message_id": record.get("messageId"),
                    "notice": notice("PUSH", "-", "-", said),
                },
            )
            result = "retry"
        if result == "retry":
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
