"""One delivery -> its push channel (ntfy, Telegram, Pushover, Discord, Slack, webhooks).

Invoked asynchronously with one event for one destination: by the notifier for the first
attempt, by a one-time schedule for each retry (which it creates itself on "retry later").
A destination that gives up tells the owner through the operations topic. Every 5 minutes
it also drains the delivery queue of the queue-based design (a stack updated from it).
"""

from __future__ import annotations

import os
import time
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from vstarcam_push.dal.console_users import ConsoleUsers
from vstarcam_push.dal.deliveries import DeliveryLog
from vstarcam_push.dal.destinations import DestinationStore
from vstarcam_push.dal.secrets import SecretStore
from vstarcam_push.dal.vapid_key import VapidKeyStore
from vstarcam_push.delivery.channels.transport import SEND_DEADLINE_S, pool, send
from vstarcam_push.delivery.channels.webpush import WebPush, owners_access
from vstarcam_push.delivery.deliverer import DeadLetters, Deliverer, MediaSource, PushSender
from vstarcam_push.delivery.queue_drain import drain
from vstarcam_push.delivery.retry_schedules import RetrySchedules
from vstarcam_push.media.links import presigning_client
from vstarcam_push.runtime.batches import queue_batch
from vstarcam_push.runtime.logs import quiet_wire_loggers
from vstarcam_push.runtime.settings import Settings

logger = Logger()
quiet_wire_loggers()  # no secret in the logs at any level (runtime/logs.py)
settings = Settings.from_env()
dynamodb, sqs, http = boto3.client("dynamodb"), boto3.client("sqs"), pool()
# One send ends within this deadline; a queued message is started only with time left for
# it and for the AWS calls around it (claim, secrets, picture, record, schedule).
send_deadline_s = settings.push_send_deadline_seconds or SEND_DEADLINE_S
START_RESERVE_MS = int((send_deadline_s + 3) * 1000)
ssm = boto3.client("ssm")
# Web push: the stack's VAPID key (read on the first web push), and each device owner's
# sites now (the Cognito client is made on the first web push too).
vapid_keys = VapidKeyStore(ssm, settings.web_push_key_parameter)
web_push = WebPush(
    vapid_key=lambda: vapid_keys.load(create=False),
    console_url=settings.api_url,
    access_of=owners_access(
        lambda: ConsoleUsers(boto3.client("cognito-idp"), settings.console_user_pool_id)
    ),
    allow_loopback=settings.web_push_allow_loopback,
)
deliverer = Deliverer(
    destinations=DestinationStore(dynamodb, settings.destinations_table),
    deliveries=DeliveryLog(dynamodb, settings.deliveries_table),
    sender=PushSender(
        secrets=SecretStore(ssm, settings.secrets_prefix),
        pictures=MediaSource(
            boto3.client("s3"), settings.media_bucket, dynamodb, settings.alarms_table
        ),
        send=lambda request: send(http, request, send_deadline_s),
        presigner=presigning_client(os.environ.get("AWS_REGION", "us-east-1")),
        bucket=settings.media_bucket,
        api_url=settings.api_url,
        channels={"webpush": web_push},
    ),
    dead_letters=DeadLetters(
        sqs, settings.dead_letter_queue_url, boto3.client("sns"), settings.operations_topic_arn
    ),
    retries=RetrySchedules(
        boto3.client("scheduler"),
        settings.schedule_group,
        settings.scheduler_role_arn,
        settings.dead_letter_queue_arn,
    ),
    log=logger,
)


def deliver_queued(record: dict[str, Any]) -> str:
    # A retry is scheduled on the new path: the queued message is done with either way.
    result = deliverer.handle_queued(record, now=int(time.time()))
    return "scheduled" if result == "retry" else result


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # A retry invokes this very function: its ARN as Lambda gave it.
    deliverer.retries.target_arn = context.invoked_function_arn
    if event.get("source") == "aws.events":
        return drain(
            sqs,
            settings.delivery_queue_url,
            deliver_queued,
            context.get_remaining_time_in_millis,
            START_RESERVE_MS,
            logger,
        )
    if "Records" in event:
        # The queue's event source, for the moments of an update before it is removed.
        return queue_batch(
            event,
            deliver_queued,
            logger,
            time_left_ms=context.get_remaining_time_in_millis,
            reserve_ms=START_RESERVE_MS,
        )
    # An unexpected error propagates, retold without its message (DeliveryCrashed: it may
    # quote a URL or header with a secret): Lambda retries the invocation twice, then its
    # on-failure destination (DeliveryFailedFunction) tells the owner on the operations topic.
    return {"result": deliverer.handle(event, now=int(time.time()))}
