"""The local stack as a subprocess on free ports, started and waited for until it is ready.

Used by the end-to-end and load tests and by ``make bench``::

    with local_stack(schedule_rate=1, parameter_overrides={"RetentionDays": "7"}) as stack:
        requests.post(stack.heartbeat_url, json={"vuid": "VE0005622QHOW"})
        stack.client("dynamodb")            # boto3 against the stack's moto server
        stack.outputs                       # StackOutputs, as the CLI reads them
        stack.wait_for_line(r"SNS +alarm")  # the stack's console, bounded wait

The stack runs ``python -m vstarcam_tools.local --port 0 --aws-port 0`` with
dummy AWS credentials and no AWS configuration files, so it can never reach
a real account; its console (stdout and stderr) is collected in ``lines``.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import requests

from vstarcam_tools.local.guard import MOTO_API_KEY_HEADER, MOTO_API_KEY_VARIABLE
from vstarcam_tools.outputs import StackOutputs, read_outputs

REGION = "us-east-1"
STACK_NAME = "vstarcam-push"
READY_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 20.0
DUMMY_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


class LocalStackFailed(RuntimeError):
    pass


def offline_environment(**extra: str) -> dict[str, str]:
    """This process's environment without any AWS setting, plus dummy credentials."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "POWERTOOLS_"))
    }
    environment.update(DUMMY_AWS)
    environment["PYTHONUNBUFFERED"] = "1"
    environment.update(extra)
    return environment


@dataclass
class LocalStackProcess:
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    heartbeat_url: str = ""
    alarm_url: str = ""
    endpoint: str = ""
    # The key to moto's own API (/moto-api/), which answers nothing else: made here.
    moto_api_key: str = ""
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _reader: threading.Thread | None = None
    _outputs: StackOutputs | None = None

    @property
    def base_url(self) -> str:
        return self.heartbeat_url.rsplit("/", 1)[0]

    def client(self, service: str) -> Any:
        """A boto3 client of the stack's moto server, with dummy credentials."""
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    @property
    def outputs(self) -> StackOutputs:
        if self._outputs is None:
            self._outputs = read_outputs(self.client("cloudformation"), STACK_NAME)
        return self._outputs

    def moto_api(self, path: str) -> Any:
        """``GET /moto-api/<path>`` (moto's own record, e.g. ``data.json``) with the key."""
        return requests.get(
            f"{self.endpoint}/moto-api/{path}",
            headers={MOTO_API_KEY_HEADER: self.moto_api_key},
            timeout=30,
        )

    def aws_environment(self) -> dict[str, str]:
        """An environment for a subprocess (the CLI) that talks to this stack."""
        return offline_environment(AWS_ENDPOINT_URL=self.endpoint)

    # -- the console ---------------------------------------------------------------
    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for_line(self, pattern: str, timeout_s: float = 20.0, start: int = 0) -> str:
        """The first console line from index ``start`` on matching ``pattern``, waiting for it."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                for line in self.lines[start:]:
                    if regex.search(line):
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.process.poll() is not None:
                    raise TimeoutError(
                        f"no line matching {pattern!r} within {timeout_s} s; console:\n"
                        + "\n".join(self.lines[-40:])
                    )
                self._changed.wait(min(remaining, 0.5))

    def console(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    # -- lifetime ------------------------------------------------------------------
    def stop(self, signum: int = signal.SIGTERM, timeout_s: float = STOP_TIMEOUT_S) -> int:
        """Signal the stack and wait for it to exit; returns its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout_s)
        if self._reader is not None:
            self._reader.join(timeout_s)
        return int(self.process.returncode)

    def kill(self, timeout_s: float = STOP_TIMEOUT_S) -> int:
        """SIGKILL the stack's whole process group (started with ``own_session``): no
        clean-up runs, as after ``kill -9``."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.stop(timeout_s=timeout_s)


def start_local_stack(
    *,
    schedule_rate: float | None = 1.0,
    parameter_overrides: Mapping[str, str] | None = None,
    extra_args: Sequence[str] = (),
    log_dir: Path | None = None,
    ready_timeout_s: float = READY_TIMEOUT_S,
    state_dir: Path | None = None,
    own_session: bool = False,
) -> LocalStackProcess:
    """Start ``python -m vstarcam_tools.local`` on free ports; returns once it printed "Ready".

    ``state_dir``: keep the state there across starts (default: keep none, ``--no-state``).
    ``own_session``: the stack leads its own process group (so :meth:`LocalStackProcess.kill`
    can take its worker processes down with it, as a terminal's ``kill -9`` of a job does).
    """
    command = [sys.executable, "-m", "vstarcam_tools.local", "--port", "0", "--aws-port", "0"]
    command += ["--state-dir", str(state_dir)] if state_dir is not None else ["--no-state"]
    if schedule_rate is not None:
        command += ["--schedule-rate", str(schedule_rate)]
    if parameter_overrides:
        command += ["--parameter-overrides", *(f"{k}={v}" for k, v in parameter_overrides.items())]
    if log_dir is not None:
        command += ["--log-dir", str(log_dir)]
    command += list(extra_args)
    moto_api_key = secrets.token_urlsafe(24)
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=offline_environment(**{MOTO_API_KEY_VARIABLE: moto_api_key}),
        start_new_session=own_session,
    )
    stack = LocalStackProcess(process, moto_api_key=moto_api_key)
    stack._reader = threading.Thread(target=stack._read, name="local-stack-console", daemon=True)
    stack._reader.start()
    try:
        stack.wait_for_line(r"^Ready", timeout_s=ready_timeout_s)
        stack.heartbeat_url = _banner_value(stack, r"^Heartbeat URL: (\S+)")
        stack.alarm_url = _banner_value(stack, r"^Alarm URL: (\S+)")
        stack.endpoint = _banner_value(stack, r"^AWS_ENDPOINT_URL=(\S+)")
    except BaseException as error:
        stack.stop(signal.SIGKILL)
        raise LocalStackFailed(f"the local stack did not start:\n{stack.console()}") from error
    return stack


@contextmanager
def local_stack(**options: Any) -> Iterator[LocalStackProcess]:
    """:func:`start_local_stack` as a context manager that always stops the stack."""
    stack = start_local_stack(**options)
    try:
        yield stack
    finally:
        stack.stop()


def _banner_value(stack: LocalStackProcess, pattern: str) -> str:
    match = re.search(pattern, stack.wait_for_line(pattern, timeout_s=1))
    if match is None:
        raise LocalStackFailed(f"no {pattern!r} in the banner")
    return match.group(1)
