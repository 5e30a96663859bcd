"""Lambda execution environments on one machine: a small pool of worker processes per function.

The handlers read their environment and create boto3 clients at import time,
and every function's environment differs, so each function runs in its own
processes, never in the local stack's: a worker sets the function's
environment, imports the handler (a cold start) and then serves invocations
one at a time until the stack stops. A pool spawns workers only when all of
its workers are busy, up to ``max_workers``; further invocations wait for one
to be free.

A worker that exceeds the function's timeout is killed, like an execution
environment that timed out, and the invocation fails with Lambda's
``Task timed out`` error. A handler module that fails to import fails the
invocation with ``Runtime.ImportModuleError`` and the worker is replaced on
the next invocation.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from vstarcam_tools.local.lambda_logs import LevelFilter, enabled
from vstarcam_tools.template import FunctionSpec

# Lambda gives a function's initialisation 10 s; a loaded development machine
# spawning several Python interpreters at once needs more.
INIT_TIMEOUT_S = 60.0
_SPAWN = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class Invocation:
    """One invocation's outcome: the handler's return value or Lambda's error document."""

    request_id: str
    payload: Any
    error: dict[str, Any] | None
    duration_ms: float
    cold_start: bool
    # The ``notice`` of each log line the invocation wrote (a line for people: the local
    # stack's terminal prints them).
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class _WorkerSettings:
    function_name: str
    code_dir: str
    handler: str
    memory_mb: int
    function_arn: str
    environment: dict[str, str]
    log_file: str | None
    logging: dict[str, str]


def pool_size(spec: FunctionSpec, concurrency: int) -> int:
    """The most workers a function gets: the local stack's ``--concurrency``, or less where
    the template reserves less (``ReservedConcurrentExecutions``), as Lambda caps it; an
    invocation over it waits for a worker, as an asynchronous one waits in Lambda's queue."""
    if spec.reserved_concurrency is None:
        return concurrency
    return max(1, min(concurrency, spec.reserved_concurrency))


class FunctionPool:
    """One function's workers. ``invoke`` is thread-safe and blocks until the handler returns."""

    def __init__(
        self,
        spec: FunctionSpec,
        environment: dict[str, str],
        *,
        max_workers: int = 4,
        log_file: Path | None = None,
        function_arn: str = "",
    ) -> None:
        self.spec = spec
        self.max_workers = max_workers
        self._settings = _WorkerSettings(
            function_name=spec.name,
            code_dir=str(spec.code_dir),
            handler=spec.handler,
            memory_mb=spec.memory_mb,
            function_arn=function_arn,
            environment=environment,
            log_file=str(log_file) if log_file else None,
            logging=dict(spec.logging),
        )
        self._idle: list[_Worker] = []
        self._count = 0
        self._closed = False
        self._changed = threading.Condition()

    def invoke(self, event: dict[str, Any]) -> Invocation:
        worker, cold = self._acquire()
        try:
            return worker.invoke(event, self.spec.timeout_s, cold)
        finally:
            self._release(worker)

    def _acquire(self) -> tuple[_Worker, bool]:
        with self._changed:
            while not self._idle and self._count >= self.max_workers and not self._closed:
                self._changed.wait()
            if self._closed:
                raise RuntimeError(f"{self.spec.logical_id} is shutting down")
            if self._idle:
                return self._idle.pop(), False
            self._count += 1
        try:
            return _Worker(self._settings), True
        except BaseException:
            with self._changed:
                self._count -= 1
                self._changed.notify()
            raise

    def _release(self, worker: _Worker) -> None:
        with self._changed:
            if worker.alive and not self._closed:
                self._idle.append(worker)
            else:
                worker.kill()
                self._count -= 1
            self._changed.notify()

    @property
    def workers(self) -> int:
        return self._count

    def close(self) -> None:
        """Stop the idle workers now; busy ones stop when their invocation returns."""
        close_pools([self])

    def _shut(self) -> list[_Worker]:
        """Closed to new invocations; returns the idle workers, now the caller's to stop."""
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._changed.notify_all()
        return idle


def close_pools(pools: Iterable[FunctionPool]) -> None:
    """Close every pool: all their idle workers are told to exit at once, then waited for, so
    stopping a stack with many warm workers takes about one worker's exit, not their sum."""
    idle = [worker for pool in pools for worker in pool._shut()]
    for worker in idle:
        worker.hang_up()
    for worker in idle:
        worker.stop()


class _Worker:
    def __init__(self, settings: _WorkerSettings) -> None:
        self.settings = settings
        self._conn, child = _SPAWN.Pipe()
        self._process = _SPAWN.Process(
            target=_worker_main,
            args=(child, settings),
            name=f"lambda-{settings.function_name}",
            daemon=True,
        )
        self._process.start()
        child.close()
        self.alive = True

    def invoke(self, event: dict[str, Any], timeout_s: int, cold: bool) -> Invocation:
        request_id = str(uuid.uuid4())
        started = time.monotonic()
        deadline_ms = int(time.time() * 1000) + timeout_s * 1000
        try:
            if cold and not self._conn.poll(INIT_TIMEOUT_S):
                self.kill()
                return _failed(request_id, started, cold, "Runtime.InitTimeout", "init timed out")
            if cold:
                # The worker reports "ready" once its handler module is imported (or failed to).
                self._conn.recv()
                started = time.monotonic()
                deadline_ms = int(time.time() * 1000) + timeout_s * 1000
            self._conn.send((request_id, event, deadline_ms))
            if not self._conn.poll(timeout_s):
                self.kill()
                message = f"Task timed out after {timeout_s:.2f} seconds"
                return _failed(request_id, started, cold, "Sandbox.Timedout", message)
            status, body, *notices = self._conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self.kill()
            message = "the execution environment exited unexpectedly"
            return _failed(request_id, started, cold, "Runtime.ExitError", message)
        duration_ms = (time.monotonic() - started) * 1000
        if status == "init_error":
            self.kill()
        said = tuple(notices[0]) if notices else ()
        if status == "ok":
            return Invocation(request_id, body, None, duration_ms, cold, said)
        return Invocation(request_id, None, body, duration_ms, cold, said)

    def hang_up(self) -> None:
        """Close the worker's end of the pipe: it exits once it sees that (``stop`` waits)."""
        self._conn.close()

    def stop(self) -> None:
        try:
            self._conn.close()
        finally:
            self._process.join(2)
            self.kill()

    def kill(self) -> None:
        self.alive = False
        if self._process.is_alive():
            self._process.kill()
        self._process.join(2)
        self._conn.close()


def _failed(
    request_id: str, started: float, cold: bool, error_type: str, message: str
) -> Invocation:
    error = {"errorType": error_type, "errorMessage": message, "stackTrace": []}
    return Invocation(request_id, None, error, (time.monotonic() - started) * 1000, cold)


# -- inside the worker process ---------------------------------------------------


@dataclass
class LambdaContext:
    """The ``context`` argument Lambda passes to a handler."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    deadline_ms: int
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return max(self.deadline_ms - int(time.time() * 1000), 0)


def _worker_main(conn: Connection, settings: _WorkerSettings) -> None:
    # Ctrl-C reaches the whole process group; the local stack stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Only what Lambda would set: the parent's variables (and credentials) stay out.
    kept = {name: os.environ[name] for name in ("PATH", "LANG", "SYSTEMROOT") if name in os.environ}
    os.environ.clear()
    os.environ.update({**kept, **settings.environment})
    os.environ["AWS_LAMBDA_LOG_STREAM_NAME"] = (
        time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime()) + uuid.uuid4().hex
    )
    if hasattr(time, "tzset"):
        time.tzset()
    if settings.log_file:
        log = os.open(settings.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
    else:
        # --verbose: the handlers print to the operator's terminal, where no line a sender
        # shaped may arrive raw (local/report.py). Imported here: report imports this module.
        from vstarcam_tools.local.report import CleanLines

        prefix = f"{settings.function_name} | "
        sys.stdout = CleanLines(sys.stdout, prefix)
        sys.stderr = CleanLines(sys.stderr, prefix)
    platform = _PlatformLog(sys.stdout, settings.logging)
    if platform.json:
        # Lambda keeps application lines at or above ApplicationLogLevel (lambda_logs).
        sys.stdout = LevelFilter(sys.stdout, settings.logging.get("ApplicationLogLevel", "INFO"))
    notices = NoticeTap(sys.stdout)
    sys.stdout = notices
    # Lambda puts the function's code first on the path and imports "app".
    sys.path.insert(0, settings.code_dir)
    module_name, function_name = settings.handler.rsplit(".", 1)
    started = time.monotonic()
    handler: Callable[[Any, Any], Any] | None = None
    init_error: dict[str, Any] | None = None
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as error:
        traceback.print_exc()
        init_error = _error_document(error, "Runtime.ImportModuleError")
    init_ms = (time.monotonic() - started) * 1000
    conn.send(("ready", None))
    first = True
    while True:
        try:
            request_id, event, deadline_ms = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            # The stack is stopping: gone at once, as Lambda ends an environment, without the
            # interpreter's clean-up (a tenth of a second of CPU with boto3 loaded, for each
            # of a stopping stack's workers at once).
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        if init_error is not None:
            conn.send(("init_error", init_error))
            return
        platform.start(request_id)
        context = LambdaContext(
            function_name=settings.function_name,
            memory_limit_in_mb=settings.memory_mb,
            invoked_function_arn=settings.function_arn,
            aws_request_id=request_id,
            deadline_ms=deadline_ms,
            log_group_name=os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", ""),
            log_stream_name=os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", ""),
        )
        invoked = time.monotonic()
        notices.said.clear()
        try:
            assert handler is not None
            reply: tuple[str, Any] = ("ok", handler(event, context))
        except Exception as error:
            traceback.print_exc()
            reply = ("error", _error_document(error, type(error).__name__))
        duration_ms = (time.monotonic() - invoked) * 1000
        platform.report(
            request_id, duration_ms, settings.memory_mb, init_ms if first else None, reply[0]
        )
        first = False
        sys.stdout.flush()
        sys.stderr.flush()
        said = list(notices.said)
        try:
            conn.send((*reply, said))
        except Exception as error:
            # A return value that cannot be pickled is the handler's error, as Lambda's
            # serialisation failure is.
            conn.send(("error", _error_document(error, "Runtime.MarshalError"), said))


class NoticeTap(io.TextIOBase):
    """Passes everything on to ``stream``, and keeps the ``notice`` of each JSON log line
    that has one: what the function says for people (a notification held back, a push's
    outcome), for the local stack's terminal."""

    def __init__(self, stream: Any) -> None:
        super().__init__()
        self._stream = stream
        self._pending = ""
        self.said: list[str] = []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if '"notice"' in line:
                with contextlib.suppress(ValueError):
                    document = json.loads(line)
                    if isinstance(document, dict) and isinstance(document.get("notice"), str):
                        self.said.append(document["notice"])
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()


class _PlatformLog:
    """The platform's START/END/REPORT lines, in the function's LoggingConfig.

    Text without a LoggingConfig; JSON records otherwise, kept only when SystemLogLevel
    lets INFO through, or, for the report of a failed invocation, WARN.
    """

    def __init__(self, stream: Any, config: dict[str, str]) -> None:
        self._stream = stream
        self.json = config.get("LogFormat") == "JSON"
        self._level = config.get("SystemLogLevel", "INFO")

    def _emit(self, kind: str, level: str, record: dict[str, Any]) -> None:
        if enabled(level, self._level):
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z"
            line = {"time": stamp, "type": f"platform.{kind}", "record": record}
            print(json.dumps(line), file=self._stream, flush=True)

    def start(self, request_id: str) -> None:
        if not self.json:
            print(f"START RequestId: {request_id} Version: $LATEST", file=self._stream, flush=True)
            return
        self._emit("start", "INFO", {"requestId": request_id, "version": "$LATEST"})

    def report(
        self,
        request_id: str,
        duration_ms: float,
        memory_mb: int,
        init_ms: float | None,
        status: str,
    ) -> None:
        if not self.json:
            init = f"\tInit Duration: {init_ms:.2f} ms" if init_ms is not None else ""
            print(f"END RequestId: {request_id}", file=self._stream, flush=True)
            print(
                f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
                f"Memory Size: {memory_mb} MB{init}",
                file=self._stream,
                flush=True,
            )
            return
        metrics: dict[str, Any] = {"durationMs": round(duration_ms, 2), "memorySizeMB": memory_mb}
        if init_ms is not None:
            metrics["initDurationMs"] = round(init_ms, 2)
        failed = status != "ok"
        record = {
            "requestId": request_id,
            "metrics": metrics,
            "status": "error" if failed else "success",
        }
        self._emit("report", "WARN" if failed else "INFO", record)


def _error_document(error: BaseException, error_type: str) -> dict[str, Any]:
    return {
        "errorType": error_type,
        "errorMessage": str(error),
        "stackTrace": traceback.format_exception(error),
    }
