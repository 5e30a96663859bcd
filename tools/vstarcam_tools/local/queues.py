"""Lambda's SQS event source mapping, emulated: poll a queue, batch, invoke, delete.

moto keeps SQS messages, visibility timeouts, receive counts and redrive
policies, but cannot invoke a function without Docker; like
:mod:`vstarcam_tools.local.streams` for the table streams, this plays the
event source mapping with the settings of the template's ``SQS`` event:

- receives up to ``BatchSize`` messages (at most 10 a call) with their
  attributes (``ApproximateReceiveCount`` among them);
- invokes ``handler({"Records": [...]})`` with records shaped as Lambda passes
  them (``messageId``, ``receiptHandle``, ``body``, ``attributes``,
  ``messageAttributes``, ``md5OfBody``, ``eventSource``, ``eventSourceARN``,
  ``awsRegion``);
- on success deletes the batch, except, with ``ReportBatchItemFailures``, the
  messages the function listed in ``batchItemFailures`` (an identifier not in
  the batch fails the whole batch); a function error deletes nothing. What is
  not deleted comes back when its visibility timeout ends (the function may
  have changed it: that is how the delivery function backs off), and the
  queue's redrive policy moves it to the dead-letter queue after
  ``maxReceiveCount`` receives, as SQS itself does.

API::

    source = QueueEventSource(sqs, queue_arn, handler, SqsMappingConfig.from_sam(properties))
    source.drain(rounds=5)   # receive and invoke until the queue has nothing visible
    source.start() / source.stop()   # or poll in a background thread
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vstarcam_tools.local.poller import BackgroundPoller

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Any]
DEFAULT_POLL_INTERVAL_S = 0.25
LONG_POLL_S = 1


@dataclass(frozen=True)
class SqsMappingConfig:
    batch_size: int = 10
    report_batch_item_failures: bool = False

    @classmethod
    def from_sam(cls, properties: dict[str, Any]) -> SqsMappingConfig:
        return cls(
            batch_size=min(int(properties.get("BatchSize", 10)), 10),
            report_batch_item_failures="ReportBatchItemFailures"
            in properties.get("FunctionResponseTypes", []),
        )


@dataclass
class QueueStats:
    received: int = 0
    invocations: int = 0
    function_errors: int = 0
    deleted: int = 0
    returned: int = 0


class QueueEventSource(BackgroundPoller):
    what = "polling the queue"
    kind = "sqs"

    def __init__(
        self,
        sqs: Any,
        queue_arn: str,
        handler: Handler,
        config: SqsMappingConfig | None = None,
        *,
        name: str | None = None,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
    ) -> None:
        super().__init__(name or queue_arn.rsplit(":", 1)[-1], poll_interval_s)
        self._sqs = sqs
        self.queue_arn = queue_arn
        self.handler = handler
        self.config = config or SqsMappingConfig()
        self.stats = QueueStats()
        region, account, queue = queue_arn.split(":")[3:6]
        self.region = region
        self.queue_url = sqs.get_queue_url(QueueName=queue, QueueOwnerAWSAccountId=account)[
            "QueueUrl"
        ]
        self._lock = threading.Lock()

    def poll_once(self, wait_s: int = 0) -> int:
        """Receive one batch (waiting up to ``wait_s`` for one) and invoke the function with
        it; returns the batch size."""
        with self._lock:
            answer = self._sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=self.config.batch_size,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=wait_s,
            )
            messages = answer.get("Messages", [])
            if not messages:
                return 0
            self.stats.received += len(messages)
            records = [self._record(message) for message in messages]
            self._invoke(records)
            return len(records)

    def drain(self, rounds: int = 100) -> QueueStats:
        """Poll until nothing is visible, at most ``rounds`` batches; returns what it did."""
        before = QueueStats(**vars(self.stats))
        for _ in range(rounds):
            if not self.poll_once():
                break
        return QueueStats(
            **{key: getattr(self.stats, key) - getattr(before, key) for key in vars(before)}
        )

    def _round(self) -> bool:
        # Long polling, as Lambda's pollers do (1 s instead of 20, so stop() is quick): an
        # idle queue costs moto a wait on a condition, not four requests a second.
        self.poll_once(wait_s=LONG_POLL_S)
        return True

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {
                name: {
                    "stringValue": value.get("StringValue"),
                    "dataType": value.get("DataType", "String"),
                }
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": self.region,
        }

    def _invoke(self, records: list[dict[str, Any]]) -> None:
        self.stats.invocations += 1
        try:
            response = self.handler({"Records": records})
        except Exception as error:
            self.stats.function_errors += 1
            self.stats.returned += len(records)
            logger.warning("%s: function error: %s", self.name, " ".join(str(error).split()))
            return
        keep: set[str] = set()
        if self.config.report_batch_item_failures and isinstance(response, dict):
            failures = response.get("batchItemFailures") or []
            ids = {record["messageId"] for record in records}
            keep = {str(item.get("itemIdentifier")) for item in failures}
            if not keep <= ids:
                keep = ids
        done = [record for record in records if record["messageId"] not in keep]
        self.stats.returned += len(records) - len(done)
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": record["receiptHandle"]}
                    for i, record in enumerate(done)
                ],
            )
            self.stats.deleted += len(done)
