"""The upgrade's drain of the old delivery queue, run on a schedule (no long polling).

A stack updated from the queue-based design may hold retries in its delivery queue:
messages invisible until their backoff ends. Every few minutes the delivery function takes
the visible (due) ones with short receives (``WaitTimeSeconds=0``: an empty queue answers
at once and costs one request), hands each to the new path (``Deliverer.handle_queued``:
the attempt, and a one-time schedule for any further retry) and deletes it. A message whose
handling fails unexpectedly stays: it is visible again after the queue's visibility
timeout, and the queue's redrive policy is its backstop, as before.

Nothing sends to the queue any more, and it keeps a message 2 days: two days after the
update it is empty for good, and the drain and the queue can go in the next release.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

# Up to this many receives a run; an idle queue answers the first with nothing.
MAX_RECEIVES = 10


def drain(
    sqs: Any,
    queue_url: str,
    handle: Callable[[dict[str, Any]], str],
    time_left_ms: Callable[[], int],
    reserve_ms: int,
    log: Any = None,
) -> dict[str, int]:
    """Hand the queue's due messages to ``handle`` (an SQS record each, as Lambda's event
    source shaped them) while time is left for one more; say how many were handed over."""
    drained = failed = 0
    for _ in range(MAX_RECEIVES):
        if time_left_ms() < reserve_ms:
            break
        messages = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=1,
            AttributeNames=["ApproximateReceiveCount"],
            WaitTimeSeconds=0,
        ).get("Messages", [])
        if not messages:
            break
        (message,) = messages
        record = {
            "messageId": message["MessageId"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
        }
        try:
            handle(record)
        except Exception:
            # Left in the queue: visible again after its visibility timeout.
            failed += 1
            (log or logger).exception(
                "a queued delivery failed to drain; it stays in the old queue",
                extra={"message_id": message["MessageId"]},
            )
            continue
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        drained += 1
    if drained or failed:
        (log or logger).info(
            "old delivery queue drained", extra={"drained": drained, "failed": failed}
        )
    return {"drained": drained, "failed": failed}
