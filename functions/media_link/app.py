"""GET /alarms/{alarmId}/{media}?token=...: a notification's link -> the picture or video.

The token is checked against the alarm record; the answer is a redirect to a
presigned S3 URL that works for five minutes. The bucket stays private.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.media.links import (
    linked_media,
    parse_link_request,
    presigned_url,
    presigning_client,
    redirect,
)
from vstarcam_push.runtime.http_event import HttpRequest
from vstarcam_push.runtime.logs import quiet_wire_loggers
from vstarcam_push.runtime.replies import count, handler_metrics, respond
from vstarcam_push.runtime.settings import Settings

logger = Logger()
quiet_wire_loggers()  # no secret in the logs at any level (runtime/logs.py)
metrics = handler_metrics()
settings = Settings.from_env()
alarms = AlarmStore(boto3.client("dynamodb"), settings.alarms_table)
s3 = presigning_client(os.environ.get("AWS_REGION", "us-east-1"))


def open_media(request: HttpRequest) -> dict[str, Any]:
    link = parse_link_request(request.path_parameters, request.query)
    # The alarm id and media are logged; the token never is.
    logger.append_keys(alarm_id=link.alarm_id, media=link.media)
    now = request.received_at_ms // 1000
    stored = linked_media(alarms.get(link.alarm_id), link.media, link.token, now)
    count(metrics, "MediaLinksOpened")
    return redirect(presigned_url(s3, settings.media_bucket, link.alarm_id, stored))


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return respond(event, open_media, logger, metrics)
