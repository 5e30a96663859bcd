"""Scheduled: cameras past their heartbeat deadline are marked offline."""

from __future__ import annotations

import time
from typing import Any

import boto3
from vstarcam_push.dal.camera_fleet import CameraFleet
from vstarcam_push.ingest.sweep import sweep_offline
from vstarcam_push.runtime.logs import JsonLogger, quiet_wire_loggers
from vstarcam_push.runtime.settings import Settings

# No Powertools (its package imports Logger, Metrics and Tracer, about 5 % of this cold
# start): the "cameras offline" line carries the count, and the template's metric filter
# on this function's log group makes it the OfflineTransitions metric. A quiet minute
# writes no line and publishes no metric: one written every minute, even as 0, would cost
# more than the rest of a one-camera stack (docs/performance.md).
logger = JsonLogger()
quiet_wire_loggers()  # no secret in the logs at any level (runtime/logs.py)
settings = Settings.from_env()
fleet = CameraFleet(boto3.client("dynamodb"), settings.cameras_table)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = sweep_offline(fleet, now=int(time.time()))
    # Only at LogLevel=DEBUG: a quiet minute writes nothing at INFO (its cost).
    logger.debug(
        "sweep done",
        extra={"past_due": result.past_due, "marked_offline": len(result.marked_offline)},
    )
    if result.marked_offline:
        logger.info(
            "cameras offline",
            extra={"vuids": result.marked_offline, "count": len(result.marked_offline)},
        )
    return {"pastDue": result.past_due, "markedOffline": result.marked_offline}
