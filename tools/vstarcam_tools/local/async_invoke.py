"""Lambda's asynchronous invocation on one machine: ``Invoke`` with ``InvocationType=Event``.

moto cannot run a function without Docker, so the local stack answers the Lambda API's
``Invoke`` for its own functions itself (:class:`LambdaInvokeRoute`, in front of moto) and
plays Lambda's asynchronous queue (:class:`AsyncInvocations`):

- the caller gets 202 at once; the invocation runs on the function's worker pool;
- a function error (raised, timed out) is tried twice more, 60 and 120 s later, as Lambda
  does by default (``EventInvokeConfig.MaximumRetryAttempts``);
- then the invocation's record goes to the function's on-failure destination (an SNS
  topic, an SQS queue or another of the stack's functions), shaped as Lambda's
  (``requestContext.condition`` ``RetriesExhausted``, the request and the error).

A ``RequestResponse`` invocation of a local function runs at once and answers its payload.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

logger = logging.getLogger(__name__)

# Lambda's default waits between the attempts of a failed asynchronous invocation.
RETRY_DELAYS_S = (60.0, 120.0)
_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")

# function -> (payload, error document or None)
Run = Callable[[str, Any], tuple[Any, dict[str, Any] | None]]


@dataclass(frozen=True)
class AsyncConfig:
    """A function's ``EventInvokeConfig``: its retries and its on-failure destination."""

    retries: int = 2
    on_failure_arn: str = ""

    @classmethod
    def from_sam(cls, config: dict[str, Any] | None) -> AsyncConfig:
        config = config or {}
        destination = (config.get("DestinationConfig") or {}).get("OnFailure") or {}
        return cls(
            retries=int(config.get("MaximumRetryAttempts", 2)),
            on_failure_arn=str(destination.get("Destination") or ""),
        )


class AsyncInvocations:
    """Runs each asynchronous invocation in its own thread (the function's pool bounds how
    many run at once), with Lambda's retries and on-failure destination."""

    def __init__(
        self,
        run: Run,
        configs: dict[str, AsyncConfig],
        *,
        function_arns: dict[str, str] | None = None,
        sns: Any = None,
        sqs: Any = None,
        retry_delays_s: tuple[float, ...] = RETRY_DELAYS_S,
    ) -> None:
        self._run = run
        self.configs = configs
        self.function_arns = function_arns or {}
        self._sns = sns
        self._sqs = sqs
        self.retry_delays_s = retry_delays_s
        self._stop = threading.Event()
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()
        self.accepted = 0

    def knows(self, function: str) -> bool:
        return function in self.configs

    def submit(self, function: str, payload: Any) -> str:
        """Queue one invocation; returns its request id at once."""
        request_id = str(uuid.uuid4())
        thread = threading.Thread(
            target=self._attempts,
            args=(function, payload, request_id),
            name=f"async-{function}",
            daemon=True,
        )
        with self._lock:
            self.accepted += 1
            self._threads.add(thread)
        thread.start()
        return request_id

    def _attempts(self, function: str, payload: Any, request_id: str) -> None:
        try:
            config = self.configs[function]
            error: dict[str, Any] | None = None
            for attempt in range(config.retries + 1):
                if attempt and self._stop.wait(self._delay(attempt)):
                    return
                _, error = self._run(function, payload)
                if error is None:
                    return
                logger.warning(
                    "%s: asynchronous invocation failed (attempt %d): %s",
                    function,
                    attempt + 1,
                    error.get("errorMessage"),
                )
            self._on_failure(function, payload, request_id, config, error or {})
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _delay(self, attempt: int) -> float:
        delays = self.retry_delays_s or (0.0,)
        return delays[min(attempt - 1, len(delays) - 1)]

    def _on_failure(
        self,
        function: str,
        payload: Any,
        request_id: str,
        config: AsyncConfig,
        error: dict[str, Any],
    ) -> None:
        record = failure_record(
            self.function_arns.get(function, function),
            request_id,
            payload,
            error,
            config.retries + 1,
        )
        arn = config.on_failure_arn
        logger.error("%s: asynchronous invocation failed every attempt; to %s", function, arn)
        if arn.startswith("arn:aws:sns:") and self._sns is not None:
            self._sns.publish(TopicArn=arn, Message=json.dumps(record))
        elif arn.startswith("arn:aws:lambda:"):
            # Another function of the stack: an asynchronous invocation of it, the record
            # its event (the delivery function's on-failure destination).
            by_arn = {function_arn: name for name, function_arn in self.function_arns.items()}
            destination = by_arn.get(arn.removesuffix(":$LATEST"))
            if destination is not None and destination in self.configs:
                self.submit(destination, record)
        elif arn.startswith("arn:aws:sqs:") and self._sqs is not None:
            account, name = arn.split(":")[4], arn.split(":")[5]
            url = self._sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)
            self._sqs.send_message(QueueUrl=url["QueueUrl"], MessageBody=json.dumps(record))

    def idle(self) -> bool:
        with self._lock:
            return not self._threads

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until no invocation is running or waiting for a retry (bounded)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.idle():
                return True
            time.sleep(0.02)
        return self.idle()

    def stop(self) -> None:
        self._stop.set()


def failure_record(
    function_arn: str, request_id: str, payload: Any, error: dict[str, Any], attempts: int
) -> dict[str, Any]:
    """Lambda's record of an asynchronous invocation that failed every attempt, as its
    on-failure destination gets it: the request as it was invoked and the error document
    (``errorType``, ``errorMessage``, ``stackTrace``) of the last attempt."""
    return {
        "version": "1.0",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn + ":$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": payload,
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "responsePayload": {
            "errorType": error.get("errorType"),
            "errorMessage": error.get("errorMessage"),
            "requestId": request_id,
            "stackTrace": error.get("stackTrace") or [],
        },
    }


class LambdaInvokeRoute:
    """WSGI: the Lambda API's ``Invoke`` of the local stack's own functions, answered here;
    every other request goes to ``app`` (moto). ``names`` maps a function's name (or ARN)
    to the logical id the pools know it by."""

    def __init__(
        self, app: Any, invocations: AsyncInvocations, names: dict[str, str], run: Run
    ) -> None:
        self.app = app
        self.invocations = invocations
        self.names = names
        self._run = run

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        match = _INVOKE_PATH.match(environ.get("PATH_INFO", ""))
        if match is None or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        name = unquote(match.group(1)).split(":function:")[-1].split(":")[0]
        function = self.names.get(name)
        if function is None:
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            return _answer(start_response, "400 Bad Request", b'{"Type":"InvalidRequestContent"}')
        kind = environ.get("HTTP_X_AMZ_INVOCATION_TYPE", "RequestResponse")
        if kind == "DryRun":
            return _answer(start_response, "204 No Content", b"")
        if kind == "Event":
            request_id = self.invocations.submit(function, payload)
            return _answer(start_response, "202 Accepted", b"", request_id)
        result, error = self._run(function, payload)
        headers = [("X-Amz-Function-Error", "Unhandled")] if error else []
        answer = json.dumps(error if error else result).encode()
        return _answer(start_response, "200 OK", answer, "", headers)


def _answer(
    start_response: Any,
    status: str,
    body: bytes,
    request_id: str = "",
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("x-amzn-RequestId", request_id or str(uuid.uuid4())),
        *(extra or []),
    ]
    start_response(status, headers)
    return [body]
