"""Scheduled: cameras past their heartbeat deadline are marked offline."""

from __future__ import annotations

import time
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit
from vstarcam_push.cameras import CameraRegistry
from vstarcam_push.endpoint import handler_metrics
from vstarcam_push.settings import Settings
from vstarcam_push.sweep import sweep_offline

logger = Logger()
metrics = handler_metrics()
settings = Settings.from_env()
cameras = CameraRegistry(boto3.client("dynamodb"), settings.cameras_table)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = sweep_offline(cameras, now=int(time.time()))
    if result.marked_offline:
        # Published only when a camera went offline: a metric written every minute,
        # even as 0, costs more than the rest of a one-camera stack (docs/performance.md).
        metrics.add_metric(
            name="OfflineTransitions", unit=MetricUnit.Count, value=len(result.marked_offline)
        )
        logger.info("cameras offline", extra={"vuids": result.marked_offline})
    return {"pastDue": result.past_due, "markedOffline": result.marked_offline}
