"""The delivery function's on-failure destination: an invocation Lambda gave up on.

Lambda invokes it with the record of a delivery invocation that crashed or timed out three
times; the owner is told in one sentence on the operations topic and the delivery is
dead-lettered for the doctor (``delivery/failed_invocation.py``), instead of the record's
raw JSON reaching their email and SMS.
"""

from __future__ import annotations

import time
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from vstarcam_push.delivery.deliverer import DeadLetters
from vstarcam_push.delivery.failed_invocation import failed_document, failed_message
from vstarcam_push.runtime.logs import notice, quiet_wire_loggers
from vstarcam_push.runtime.settings import Settings

logger = Logger()
quiet_wire_loggers()  # no secret in the logs at any level (runtime/logs.py)
settings = Settings.from_env()
dead_letters = DeadLetters(
    boto3.client("sqs"),
    settings.dead_letter_queue_url,
    boto3.client("sns"),
    settings.operations_topic_arn,
)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    document = failed_document(event, now=int(time.time()))
    dead_letters.send(document, failed_message(document))
    name = document["destination"] or "-"
    said = f"-> {name}  failed every attempt: {document['reason']} (the owner is told)"
    logger.error(
        "push delivery failed every attempt; the owner is told",
        extra={
            "destination": name,
            "event_id": document["eventId"],
            "attempts": document["attempts"],
            "detail": document["reason"],
            "notice": notice("PUSH", document["event"] or "-", document["vuid"] or "-", said),
        },
    )
    return {"result": "dead_lettered"}
