"""One doctor run: the stack, the read-only checks, the camera path, cleanup on every path.

Order matters: the stack check reads what every other check needs; leftovers
of an interrupted earlier run are removed before anything is created; the
no-spam check must pass before any test push (else the owner would be
emailed); and whatever the run created is removed in ``finally``, also after
Ctrl-C (SIGINT) or SIGTERM, with further interrupts held off until it is done.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import requests
from botocore.exceptions import BotoCoreError, ClientError

from vstarcam_tools.doctor import camera_path, derived, guards
from vstarcam_tools.doctor.camera_path import Probe
from vstarcam_tools.doctor.context import DoctorContext
from vstarcam_tools.doctor.results import CheckResult, Reporter, failed, ok, skipped, warning
from vstarcam_tools.doctor.stack import check_stack
from vstarcam_tools.doctor.temporary import Traces, find_traces, new_probe_vuid, remove_traces

BROKEN_CALLS = (ClientError, BotoCoreError, requests.RequestException)


def run_doctor(
    context: DoctorContext, reporter: Reporter, skip_push: bool = False, channels: bool = False
) -> bool:
    """Run every check, reporting each as it finishes; True when none failed."""
    if reporter.add(check_stack(context)).status == "failed":
        return False
    reporter.add(guarded("leftovers", lambda: _leftovers(context, remove=not skip_push)))
    for name, check in guards.READ_ONLY_CHECKS:
        reporter.add(guarded(name, lambda check=check: check(context)))
    spam = next(r for r in reporter.results if r.check == "no spam")
    if skip_push:
        reporter.add(skipped("camera path", "--skip-push: nothing was sent or written"))
    elif spam.status == "failed":
        reporter.add(skipped("camera path", "not sent: it might reach a person (see no spam)"))
    else:
        _push(context, reporter, channels)
    return not reporter.failed


def guarded(check: str, run: Callable[[], CheckResult]) -> CheckResult:
    """The check's result, or a failed one saying which AWS call or request broke it, so
    one missing permission does not hide every other check."""
    try:
        return run()
    except BROKEN_CALLS as error:
        return could_not_check(check, error)


def could_not_check(check: str, error: Exception) -> CheckResult:
    return failed(
        check,
        f"could not check: {' '.join(str(error).split())}",
        "check that your AWS credentials may use this stack's resources (docs/doctor.md "
        "'Permissions') and that the stack's endpoints answer",
    )


def _leftovers(context: DoctorContext, remove: bool) -> CheckResult:
    check = "leftovers"
    traces = find_traces(context)
    if not traces:
        return ok(check, "nothing left by an earlier run")
    if not remove:
        return warning(
            check,
            f"an interrupted earlier run left {traces.describe()}",
            "run 'vstarcam-push doctor' without --skip-push: it removes them first",
        )
    remove_traces(context, traces)
    return warning(
        check,
        f"removed what an interrupted earlier run left: {traces.describe()}",
        "nothing more to do; let a doctor run finish (Ctrl-C cleans up too, a killed one cannot)",
    )


def _push(context: DoctorContext, reporter: Reporter, channels: bool) -> None:
    probe = Probe(vuid=new_probe_vuid(channels))
    previous = _terminate_as_interrupt()
    try:
        reporter.progress(f"registering test camera {probe.vuid} and a temporary queue")
        registered = reporter.add(
            guarded("test camera", lambda: camera_path.register_test_camera(context, probe))
        )
        if registered.status == "ok":
            _walk_camera_path(context, reporter, probe, channels)
    finally:
        with _interrupts_held() as held:
            reporter.progress("removing the test camera, its alarms, media and queue")
            result = _cleanup(context, probe)
        reporter.add(result)
        _restore(signal.SIGTERM, previous)
        if held:
            raise KeyboardInterrupt


def _walk_camera_path(
    context: DoctorContext, reporter: Reporter, probe: Probe, channels: bool
) -> None:
    if channels:
        probe.destinations = derived.destination_names(context)
    reporter.progress("sending a heartbeat and an alarm push as the test camera")
    heartbeat_url, alarm_url = context.stack.heartbeat_url, context.stack.alarm_url
    steps: list[tuple[str, Callable[[], CheckResult]]] = [
        (
            "heartbeat",
            lambda: camera_path.check_heartbeat(context, probe, heartbeat_url, "heartbeat"),
        ),
        (
            "alarm push",
            lambda: camera_path.check_alarm(
                context, probe, alarm_url, "alarm push", "motion.jpg", True
            ),
        ),
        ("unknown camera refused", lambda: camera_path.check_refusal(context, probe)),
    ]
    for name, step in steps:
        reporter.add(guarded(name, step))
    try:
        plain = camera_path.check_plain_http(context, probe)
    except BROKEN_CALLS as error:
        plain = [could_not_check("plain HTTP front door", error)]
    for result in plain:
        reporter.add(result)
    reporter.add(guarded("media link", lambda: camera_path.check_media_link(context, probe)))
    reporter.progress(f"waiting for the derived work (at most {context.limits.wait_s:g} s)")
    derived_steps: list[tuple[str, Callable[[], CheckResult]]] = [
        ("notification", lambda: derived.check_notification(context, probe)),
        ("media processing", lambda: derived.check_media_processing(context, probe)),
        ("push channels", lambda: derived.check_push_channels(context, probe, channels)),
    ]
    for name, step in derived_steps:
        reporter.add(guarded(name, step))


def _cleanup(context: DoctorContext, probe: Probe) -> CheckResult:
    check = "cleanup"
    traces = Traces(
        cameras=[probe.vuid] if probe.registered else [], destinations=probe.destinations or []
    )
    # Found again rather than remembered: a queue may exist whose subscription never did.
    found = find_traces(context)
    traces.queues, traces.subscriptions = found.queues, found.subscriptions
    try:
        remove_traces(context, traces)
    except Exception as error:
        return failed(
            check,
            f"could not remove {traces.describe()}: {error}",
            "run 'vstarcam-push doctor' again: it removes what an earlier run left",
        )
    left = find_traces(context)
    if left:
        return failed(
            check,
            f"still present after removal: {left.describe()}",
            "run 'vstarcam-push doctor' again: it removes what an earlier run left",
        )
    return ok(check, f"removed {traces.describe() or 'nothing (nothing was created)'}")


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _terminate_as_interrupt() -> Any:
    """SIGTERM (a closed terminal, a CI timeout) cleans up as Ctrl-C does."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, interrupt) if _main_thread() else None


def _restore(signum: int, handler: Any) -> None:
    if handler is not None and _main_thread():
        signal.signal(signum, handler)


@contextmanager
def _interrupts_held() -> Iterator[list[int]]:
    """No second Ctrl-C in the middle of removing things: the cleanup runs to its end;
    the signals that came meanwhile are in the yielded list."""
    held: list[int] = []
    previous = {}
    if _main_thread():
        previous = {
            signum: signal.signal(signum, lambda number, _frame: held.append(number))
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
    try:
        yield held
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
