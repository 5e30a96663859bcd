"""Alarms stream -> a thumbnail and a browser-playable MP4 for each new alarm.

Media that do not decode are recorded on the alarm as failed (and counted), so a
poison record never blocks the ones after it; an AWS failure is reported back
(ReportBatchItemFailures) for Lambda to retry, and a record that keeps failing
goes to the dead-letter queue.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.media import MediaStore
from vstarcam_push.media.processing import MediaProcessor
from vstarcam_push.runtime.batches import stream_batch
from vstarcam_push.runtime.logs import quiet_wire_loggers
from vstarcam_push.runtime.replies import count, handler_metrics
from vstarcam_push.runtime.settings import Settings

logger = Logger()
quiet_wire_loggers()  # no secret in the logs at any level (runtime/logs.py)
metrics = handler_metrics()
settings = Settings.from_env()
processor = MediaProcessor(
    AlarmStore(boto3.client("dynamodb"), settings.alarms_table),
    MediaStore(boto3.client("s3"), settings.media_bucket),
)


def process(record: dict[str, Any]) -> None:
    processed = processor.handle_record(record)
    if processed is None:
        return
    extra = {
        "alarm_id": processed.alarm_id,
        "outcome": processed.outcome,
        "reason": processed.result.error if processed.result else None,
    }
    if processed.outcome == "failed":
        logger.warning("media processing failed", extra=extra)
        count(metrics, "MediaFailures")
    else:
        logger.info("media processed", extra=extra)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return stream_batch(event, process, logger)
