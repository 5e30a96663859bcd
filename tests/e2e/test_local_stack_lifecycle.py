"""Starting and stopping the local stack: signals, refused options, ports in use.

Each test runs its own ``python -m vstarcam_tools.local`` process.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.e2e.helpers import HTTP_TIMEOUT_S, new_vuid
from tests.e2e.localstack import offline_environment, start_local_stack

pytestmark = pytest.mark.slow


def _workers(pid: int) -> set[int]:
    """The worker processes of the local stack ``pid`` (not multiprocessing's resource
    tracker, which leaves on its own once the stack is gone).

    Read from every process's parent (``PPid``) rather than from the stack's threads'
    ``children`` lists: a child started by a request thread that has since ended is
    listed under no thread for a moment, and the test saw no worker at all."""
    children: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue  # a process that just ended
        if f"\nPPid:\t{pid}\n" in status:
            children.add(int(entry.name))
    return {child for child in children if b"spawn_main" in _command_line(child)}


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return b""


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    # A zombie has exited; only its parent's bookkeeping is left.
    return "State:\tZ" in status


@pytest.mark.skipif(
    not Path(f"/proc/{__import__('os').getpid()}/task").is_dir(), reason="needs Linux /proc"
)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_servers_and_workers_cleanly(signum: int) -> None:
    stack = start_local_stack(schedule_rate=1)
    try:
        reply = requests.post(
            stack.heartbeat_url, json={"vuid": new_vuid()}, timeout=HTTP_TIMEOUT_S
        )
        assert reply.status_code == 403  # a heartbeat worker is running now
        workers = _workers(stack.process.pid)
        assert workers
    finally:
        status = stack.stop(signum)

    assert status == 0, stack.console()
    assert "Stopping the local stack..." in stack.lines
    assert "Traceback" not in stack.console()
    assert all(_gone(pid) for pid in workers)
    for url in (stack.base_url, stack.endpoint):
        with pytest.raises(requests.ConnectionError):
            requests.get(url, timeout=5)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--parameter-overrides", "NoSuchParameter=1"], "unknown template parameter"),
        (["--parameter-overrides", "RetentionDays=0"], "RetentionDays=0 is below its minimum"),
        (["--parameter-overrides", "SweepSchedule='cron(0 * * * ? *)'"], "--schedule-rate"),
    ],
    ids=["unknown-parameter", "below-minimum", "cron-schedule"],
)
def test_refused_options_exit_with_an_error_before_serving(
    arguments: list[str], expected: str
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vstarcam_tools.local",
            "--port",
            "0",
            "--aws-port",
            "0",
            "--no-state",
            *arguments,
        ],
        capture_output=True,
        text=True,
        env=offline_environment(),
        timeout=120,
    )

    assert result.returncode != 0
    assert expected in result.stderr
    assert "Ready" not in result.stdout


def test_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        command = [sys.executable, "-m", "vstarcam_tools.local", "--port", str(port)]
        result = subprocess.run(
            [*command, "--aws-port", "0", "--no-state"],
            capture_output=True,
            text=True,
            env=offline_environment(),
            timeout=120,
        )

    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "--port" in result.stderr


def test_local_is_a_subcommand_of_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vstarcam_tools.cli", "local", "--help"],
        capture_output=True,
        text=True,
        env=offline_environment(),
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    for option in (
        "--host", "--port", "--aws-port", "--parameter-overrides", "--schedule-rate",
        "--fresh", "--state-dir", "--no-state",
    ):  # fmt: skip
        assert option in result.stdout
