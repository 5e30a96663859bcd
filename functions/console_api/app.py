"""/api/*: the web console's JSON API. API Gateway's JWT authorizer lets only signed-in users in."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from vstarcam_push.console.push import PushSettings
from vstarcam_push.console.routes import ConsoleApi, ConsoleSettings, handle_errors
from vstarcam_push.media.links import presigning_client
from vstarcam_push.runtime.logs import quiet_wire_loggers
from vstarcam_push.runtime.settings import Settings

logger = Logger()
quiet_wire_loggers()  # no secret in the logs at any level (runtime/logs.py)
settings = Settings.from_env()
dynamodb = boto3.client("dynamodb")
api = ConsoleApi(
    dynamodb,
    boto3.client("s3"),
    presigning_client(os.environ.get("AWS_REGION", "us-east-1")),
    ConsoleSettings(
        cameras_table=settings.cameras_table,
        alarms_table=settings.alarms_table,
        media_bucket=settings.media_bucket,
        default_offline_after=settings.offline_after_seconds,
        retention_days=settings.retention_days,
        api_url=settings.api_url,
        camera_urls=(settings.camera_heartbeat_url, settings.camera_alarm_url),
        push_key_secret_parameter=settings.push_key_secret_parameter,
        alert_types=settings.alert_types,
        audit_table=settings.audit_table,
        user_pool_id=settings.console_user_pool_id,
        status_history_table=settings.status_history_table,
    ),
    ssm=boto3.client("ssm"),
    cognito=boto3.client("cognito-idp"),
    logger=logger,
    # Made on a device's first test push only.
    lambda_client=lambda: boto3.client("lambda"),
    push=PushSettings(
        destinations_table=settings.destinations_table,
        secrets_prefix=settings.secrets_prefix,
        key_parameter=settings.web_push_key_parameter,
        deliveries_table=settings.deliveries_table,
        delivery_function=settings.delivery_function,
        allow_loopback=settings.web_push_allow_loopback,
    ),
)
handle = handle_errors(api.handle, logger)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # API Gateway's request id joins these logs to the API's access log lines; the user
    # is named by the token's subject, never by the token. Roles and sites are read from
    # the same verified claims (console/params.py).
    context_ = event.get("requestContext") or {}
    claims = ((context_.get("authorizer") or {}).get("jwt") or {}).get("claims") or {}
    logger.append_keys(
        api_request_id=context_.get("requestId"),
        route=event.get("routeKey"),
        user=claims.get("sub"),
    )
    return handle(event)
