"""POST /heartbeat/{key}: ``{"vuid": ...}`` -> the camera is online until its next deadline.

The key in the path is the camera's push key; the bare ``POST /heartbeat`` carries none.
The same from the HTTP API's route or the function's own URL (``CameraEndpoint``).
"""

from __future__ import annotations

from typing import Any

import boto3
from vstarcam_push.dal.camera_admission import CameraAdmission
from vstarcam_push.ingest.protocol import parse_heartbeat
from vstarcam_push.models.push_keys import HEARTBEAT_PATH
from vstarcam_push.runtime.http_event import HttpRequest
from vstarcam_push.runtime.logs import JsonLogger, quiet_wire_loggers
from vstarcam_push.runtime.replies import respond
from vstarcam_push.runtime.settings import Settings

# No Powertools and no metrics here: a successful heartbeat writes no log line at all,
# and its refusals are counted from their log lines by the template's metric filters.
# Heartbeats are counted by the function's own (free) AWS/Lambda Invocations metric.
logger = JsonLogger()
quiet_wire_loggers()  # no secret in the logs at any level (runtime/logs.py)
settings = Settings.from_env()
admission = CameraAdmission(
    boto3.client("dynamodb"),
    settings.cameras_table,
    offline_after=settings.offline_after_seconds,
    accept_unknown=settings.accept_unknown_cameras,
    require_key=settings.require_push_key,
)


def heartbeat(request: HttpRequest) -> None:
    key = request.camera_key(HEARTBEAT_PATH)  # first: a function URL's stray path is a 404
    vuid = parse_heartbeat(request.body)
    logger.append_keys(vuid=vuid)
    admission.heartbeat(vuid, now=request.received_at_ms // 1000, key=key)
    # Only at LogLevel=DEBUG: at INFO a successful heartbeat writes nothing (its cost).
    logger.debug("heartbeat accepted")


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return respond(event, heartbeat, logger, metrics=None)
