"""POST /alarm/{key}: a multipart alarm push -> picture (and video) in S3, the alarm in DynamoDB.

The key in the path is the camera's push key; the bare ``POST /alarm`` carries none.
The same from the HTTP API's route or the function's own URL (``CameraEndpoint``).
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.camera_admission import CameraAdmission
from vstarcam_push.dal.media import MediaStore
from vstarcam_push.ingest.alarm_intake import AlarmIntake, parse_alarm_push
from vstarcam_push.models.push_keys import ALARM_PATH
from vstarcam_push.runtime.http_event import HttpRequest
from vstarcam_push.runtime.logs import notice, quiet_wire_loggers
from vstarcam_push.runtime.replies import count, handler_metrics, respond
from vstarcam_push.runtime.settings import Settings

logger = Logger()
quiet_wire_loggers()  # no secret in the logs at any level (runtime/logs.py)
metrics = handler_metrics()
settings = Settings.from_env()
_dynamodb = boto3.client("dynamodb")
intake = AlarmIntake(
    _dynamodb,
    admission=CameraAdmission(
        _dynamodb,
        settings.cameras_table,
        offline_after=settings.offline_after_seconds,
        accept_unknown=settings.accept_unknown_cameras,
        require_key=settings.require_push_key,
    ),
    alarms=AlarmStore(_dynamodb, settings.alarms_table),
    media=MediaStore(boto3.client("s3"), settings.media_bucket),
    retention_days=settings.retention_days,
    media_link_days=settings.media_link_days,
    rate_limit=settings.alarm_rate_limit,
)


def alarm_push(request: HttpRequest) -> None:
    key = request.camera_key(ALARM_PATH)  # first: a function URL's stray path is a 404
    push = parse_alarm_push(request.body, request.content_type)
    logger.append_keys(vuid=push.vuid, alarm_type=push.alarm_type.hex)
    logger.debug(
        "alarm push parsed",
        extra={
            "content_type": request.content_type.split(";", 1)[0],
            "picture_bytes": len(push.picture),
            "picture_type": push.picture_kind.content_type,
            "video_bytes": len(push.video or b""),
        },
    )
    outcome = intake.store(push, request.received_at_ms, key)
    fields = {"alarm_id": outcome.alarm.alarm_id, "alarm_type_name": push.alarm_type.name}
    if outcome.duplicate:
        # A camera's retry, or a person sending the same picture again (the README's curl
        # twice): answered 200 and quiet, so say why (the local stack's terminal prints it).
        said = (
            f"not stored or notified again: the same type and picture as alarm "
            f"{outcome.alarm.alarm_id}, already stored"
        )
        logger.info(
            "alarm already stored",
            extra={**fields, "notice": notice("HELD", "alarm", push.vuid, said)},
        )
        count(metrics, "DuplicateAlarms")
    else:
        logger.info("alarm stored", extra=fields)
        # By type only: the total is their sum (metric math), and each metric costs $0.30.
        count(metrics, "AlarmsByType", ("alarmType", push.alarm_type.hex))


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return respond(event, alarm_push, logger, metrics)
