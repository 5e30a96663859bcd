"""The camera protocol's reply shape, and the one place where outcomes become replies,
log lines and metrics.

Every reply is ``{"code": "<status>", "message": "<words>"}`` JSON, as the
vendor's interface document prescribes; success is ``{"code":"200","message":"Success"}``.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from vstarcam_push.models.errors import PushError, UnknownCamera, throttled
from vstarcam_push.runtime.http_event import HttpRequest

if TYPE_CHECKING:
    # Imported where used: the heartbeat function imports no Powertools at all
    # (vstarcam_push.runtime.logs says why).
    from aws_lambda_powertools import Logger, Metrics

    from vstarcam_push.runtime.logs import JsonLogger


SUCCESS_BODY = '{"code":"200","message":"Success"}'


def reply(status: int, message: str) -> dict[str, Any]:
    """An HTTP API (payload v2) response in the camera protocol's shape."""
    if status == 200 and message == "Success":
        body = SUCCESS_BODY
    else:
        body = json.dumps({"code": str(status), "message": message}, separators=(",", ":"))
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json; charset=UTF-8"},
        "body": body,
    }


def success() -> dict[str, Any]:
    return reply(200, "Success")


def handler_metrics() -> Metrics:
    """A handler's Metrics, made at import.

    An invocation that counts nothing is normal here (a quiet sweep; a refusal, counted
    by reason in its own EMF blob), so Powertools' "No application metrics" warning,
    a non-JSON line in a JSON log, is filtered the way Powertools documents.
    """
    from aws_lambda_powertools import Metrics

    warnings.filterwarnings("ignore", "No application metrics to publish")
    return Metrics()


def count(metrics: Metrics, name: str, dimension: tuple[str, str] | None = None) -> None:
    """Add one to a metric; a dimensioned metric (by reason, by alarm type) is its own EMF blob."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    if dimension is None:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        return
    with single_metric(
        name=name,
        unit=MetricUnit.Count,
        value=1,
        namespace=metrics.namespace,
        default_dimensions=metrics.default_dimensions,
    ) as metric:
        metric.add_dimension(name=dimension[0], value=dimension[1])


def failure(
    error: Exception,
    logger: Logger | JsonLogger,
    metrics: Metrics | None = None,
    refusal_level: str = "warning",
) -> tuple[int, str]:
    """The one mapping of a failed request to its status and message, logged (and counted).

    An AWS call refused for capacity (``throttled``, e.g. the Cameras table's provisioned
    units) is a 503: nothing was written, and it is neither this code's fault (no
    traceback) nor the camera's (no 4xx, which the refusals alarm counts); the camera's
    next heartbeat, a timer's tick later, is the retry, and a camera retries a failed
    alarm. A ``PushError`` keeps its own; an AWS failure is a 500 "storage is unavailable";
    any other a 500 "internal error". Every line carries its ``reason``; refusals are
    logged at ``refusal_level``. Without ``metrics`` (the heartbeat, the console API) a
    metric filter on those lines counts them, where one does.
    """
    if throttled(error):
        message = (
            error.message
            if isinstance(error, PushError)
            else "the receiver is busy: nothing was stored, please retry"
        )
        logger.warning("request throttled", extra={"reason": "throttled", "status": 503})
        if metrics is not None:
            count(metrics, "Refusals", ("reason", "throttled"))
        return 503, message
    if isinstance(error, PushError):
        if error.status >= 500:
            logger.exception("request failed", extra={"reason": error.reason})
        else:
            getattr(logger, refusal_level)(
                "request refused",
                extra={"reason": error.reason, "status": error.status, "detail": error.message},
            )
        if metrics is not None:
            if isinstance(error, UnknownCamera):
                count(metrics, "UnknownCameras")
            count(metrics, "Refusals", ("reason", error.reason))
        return error.status, error.message
    if isinstance(error, BotoCoreError | ClientError):
        reason, status, message = "storage_failed", 500, "storage is unavailable, please retry"
        logger.exception("AWS call failed", extra={"reason": reason})
    else:
        reason, status, message = "internal_error", 500, "internal error, please retry"
        logger.exception("unexpected failure", extra={"reason": reason})
    if metrics is not None:
        count(metrics, "Refusals", ("reason", reason))
    return status, message


def respond(
    event: dict[str, Any],
    handle: Callable[[HttpRequest], dict[str, Any] | None],
    logger: Logger | JsonLogger,
    metrics: Metrics | None,
) -> dict[str, Any]:
    """Run ``handle`` on the request; every refusal is a ``{"code","message"}`` reply.

    ``handle`` returns None for the protocol's success reply, or a reply of its own
    (the media links' redirect). Every refusal's log line carries its ``reason``;
    without ``metrics`` (the heartbeat) a metric filter on those lines counts them.
    """
    # API Gateway's request id joins these logs to the API's access log lines; the sender's
    # address stands in for that log where a function URL (CameraEndpoint) has none.
    context = event.get("requestContext") or {}
    logger.append_keys(
        api_request_id=context.get("requestId"),
        source_ip=(context.get("http") or {}).get("sourceIp"),
    )
    try:
        handled = handle(HttpRequest.from_event(event))
    except Exception as error:
        # Nothing escapes to API Gateway, whose own 500 would not be in the wire shape.
        return reply(*failure(error, logger, metrics))
    return success() if handled is None else handled
