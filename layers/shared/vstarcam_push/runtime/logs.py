"""The heartbeat's logger (Powertools' JSON line shape, without Powertools), and the
wire loggers kept at INFO.

``quiet_wire_loggers`` (below) keeps the AWS SDK's and urllib3's DEBUG lines, which carry
secrets, out of every function's log at every level; each function calls it as it starts.

Whatever one imports from ``aws_lambda_powertools``, its package imports Logger,
Metrics and Tracer: about 25 ms of every cold start (45 on a busy machine), a tenth
of the heartbeat function's whole cold start, and the heartbeat is 99 % of all
invocations. It logs nothing on success and one line per refusal, so it uses this
stand-in, which writes the keys the other functions' Powertools lines carry
(``level``, ``location``, ``message``, ``timestamp``, ``service``, the Lambda request
id, appended keys and ``extra``) and chooses its level as Powertools does: Lambda's
``AWS_LAMBDA_LOG_LEVEL`` (the function's ``ApplicationLogLevel``) first, then
``POWERTOOLS_LOG_LEVEL``, then INFO. The heartbeat's refusal metrics come from a
metric filter on these lines (template.yaml), not from EMF.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from typing import Any

# Lambda's level names (ApplicationLogLevel) in Python's terms, as Powertools maps them.
_LAMBDA_LEVELS = {
    "TRACE": "DEBUG",
    "DEBUG": "DEBUG",
    "INFO": "INFO",
    "WARN": "WARNING",
    "ERROR": "ERROR",
    "FATAL": "CRITICAL",
}


def log_level() -> str:
    """The effective level: Lambda's log level wins over POWERTOOLS_LOG_LEVEL, as in Powertools."""
    lambda_level = _LAMBDA_LEVELS.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper())
    if lambda_level:
        return lambda_level
    chosen = os.environ.get("POWERTOOLS_LOG_LEVEL", "").upper() or "INFO"
    return chosen if chosen in logging.getLevelNamesMapping() else "INFO"


# The libraries that log what goes over the wire at DEBUG: botocore the responses it
# parses (SSM's decrypted SecureStrings: the push-key secret, the channels' tokens), the
# parameters it sends and the request it signs (the role's session token); urllib3 every
# request line (Telegram's bot token, Discord's and Slack's webhook secrets are in the
# path). Lambda's runtime sets the root logger to the function's level, so at
# LogLevel=DEBUG or TRACE all of it would reach CloudWatch.
WIRE_LOGGERS = ("botocore", "boto3", "s3transfer", "urllib3")


def quiet_wire_loggers() -> None:
    """Keep the wire loggers at INFO or above, whatever the function's level.

    Their children (``botocore.parsers``, ``urllib3.connectionpool``) set no level of
    their own, so they inherit this one. At a level above INFO they follow the function's,
    so WARN still hides their INFO lines.
    """
    level = max(logging.INFO, logging.getLevelNamesMapping()[log_level()])
    for name in WIRE_LOGGERS:
        logging.getLogger(name).setLevel(level)


class _JsonFormatter(logging.Formatter):
    def __init__(self, owner: JsonLogger) -> None:
        super().__init__()
        self._owner = owner

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "level": record.levelname,
            "location": f"{record.funcName}:{record.lineno}",
            "message": record.getMessage(),
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(record.created))
            + f",{int(record.msecs):03d}+0000",
            "service": self._owner.service,
            **self._owner.keys,
            **getattr(record, "extra_keys", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
            line["exception_name"] = record.exc_info[0].__name__ if record.exc_info[0] else ""
        return json.dumps(line, default=str, separators=(",", ":"))


class JsonLogger:
    """The subset of Powertools' ``Logger`` that ``vstarcam_push.runtime.replies`` uses."""

    def __init__(self, service: str | None = None) -> None:
        self.service = service or os.environ.get("POWERTOOLS_SERVICE_NAME", "service_undefined")
        self.keys: dict[str, Any] = {}
        self._logger = logging.getLogger(self.service)
        self._logger.propagate = False
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(_JsonFormatter(self))
        self._logger.handlers = [handler]
        self._logger.setLevel(log_level())

    def append_keys(self, **keys: Any) -> None:
        self.keys.update(keys)

    def _log(self, level: int, message: str, extra: dict[str, Any] | None, **kwargs: Any) -> None:
        if self._logger.isEnabledFor(level):
            self._logger.log(
                level, message, extra={"extra_keys": extra or {}}, stacklevel=3, **kwargs
            )

    def debug(self, message: str, extra: dict[str, Any] | None = None) -> None:
        self._log(logging.DEBUG, message, extra)

    def info(self, message: str, extra: dict[str, Any] | None = None) -> None:
        self._log(logging.INFO, message, extra)

    def warning(self, message: str, extra: dict[str, Any] | None = None) -> None:
        self._log(logging.WARNING, message, extra)

    def error(self, message: str, extra: dict[str, Any] | None = None) -> None:
        self._log(logging.ERROR, message, extra)

    def exception(self, message: str, extra: dict[str, Any] | None = None) -> None:
        self._log(logging.ERROR, message, extra, exc_info=True)

    def inject_lambda_context(
        self, handler: Callable[[Any, Any], Any]
    ) -> Callable[[Any, Any], Any]:
        """Each invocation starts with no appended keys but the Lambda request id."""

        @functools.wraps(handler)
        def decorated(event: Any, context: Any) -> Any:
            self.keys = {"function_request_id": getattr(context, "aws_request_id", None)}
            return handler(event, context)

        return decorated


def notice(tag: str, event: str, vuid: str, text: str) -> str:
    """``HELD  alarm    VE0005622QHOW    not notified: ...``: one line for a person watching,
    carried as a log line's ``notice`` key (the local stack's terminal prints it; in
    CloudWatch it reads beside the line's fields). Control characters become spaces: a
    service's answer or a camera's name must not move a terminal's cursor."""
    line = f"{tag:<5} {event:<8} {vuid:<16} {text}"
    return "".join(c if c.isprintable() else " " for c in line)
