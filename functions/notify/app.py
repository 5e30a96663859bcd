"""Table streams -> SNS and the push destinations: new alarms, cameras going offline and
coming back online. Push destinations get one delivery-queue message each (the
delivery function sends them). Each status change is also kept in the StatusHistory
table, for the console's day view.

Records that fail are reported back (ReportBatchItemFailures) so Lambda
retries them, and a record that keeps failing goes to the dead-letter queue.
"""

from __future__ import annotations

import os
import time
from typing import Any

import boto3
from vstarcam_push.dal.destinations import DestinationStore
from vstarcam_push.dal.notification_claims import NotificationClaims
from vstarcam_push.dal.status_history import StatusHistory
from vstarcam_push.delivery.fanout import FanOut
from vstarcam_push.models.camera import NotifyCeiling
from vstarcam_push.models.status_history import status_change
from vstarcam_push.notify.notifier import Notifier
from vstarcam_push.runtime.batches import stream_batch
from vstarcam_push.runtime.logs import JsonLogger, quiet_wire_loggers
from vstarcam_push.runtime.settings import Settings

# No Powertools (its package imports Logger, Metrics and Tracer, about 5 % of this cold
# start): the template's metric filters on this function's log group count the
# "suppressed" and "not sent" lines as NotificationsSuppressed and NotificationsCapped.
logger = JsonLogger()
quiet_wire_loggers()  # no secret in the logs at any level (runtime/logs.py)
settings = Settings.from_env()
dynamodb = boto3.client("dynamodb")
notifier = Notifier(
    boto3.client("sns"),
    settings.topic_arn,
    NotificationClaims(dynamodb, settings.cameras_table),
    bucket=settings.media_bucket,
    region=os.environ.get("AWS_REGION", "us-east-1"),
    cooldown_seconds=settings.notify_cooldown_seconds,
    api_url=settings.api_url,
    ceiling=NotifyCeiling(settings.notify_ceiling, settings.notify_ceiling_seconds),
    push=FanOut(
        DestinationStore(dynamodb, settings.destinations_table),
        boto3.client("sqs"),
        settings.delivery_queue_url,
    )
    if settings.delivery_queue_url
    else None,
    log=logger,
    alert_types=settings.alert_types,
)
# The day view's history: every status change this function is given, kept like alarms.
history = (
    StatusHistory(dynamodb, settings.status_history_table, settings.retention_days)
    if settings.status_history_table
    else None
)


def notify(record: dict[str, Any]) -> None:
    # The change first, whatever the notifier then sends or holds back (a snoozed camera,
    # quiet hours): one idempotent write, so a record retried after a failed publish
    # writes the same item again. The stream's filter delivers status changes only: a
    # heartbeat of a camera that stays online never gets here.
    change = status_change(record)
    if change is not None and history is not None:
        history.record(change)
    # What it holds back (cooldown, ceiling, quiet hours) the notifier logs itself, with
    # the camera, the reason and until when.
    event, outcome = notifier.handle(record, now=int(time.time()))
    if outcome == "sent":
        # No custom metric ($0.30 a month for each event's, by the hours it is published):
        # the topic's free AWS/SNS NumberOfMessagesPublished counts the notifications, and
        # this line says which event each was.
        logger.info("notification sent", extra={"event": event})


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return stream_batch(event, notify, logger)
