"""EventBridge schedules on one machine: ``rate(...)`` expressions that invoke a function."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_rate(expression: str) -> float:
    """Seconds between runs of a ``rate(N unit)`` schedule.

    >>> parse_rate("rate(1 minute)")
    60.0
    """
    match = re.fullmatch(r"\s*rate\(\s*(\d+)\s+(second|minute|hour|day)s?\s*\)\s*", expression)
    if not match or int(match.group(1)) == 0:
        raise ValueError(
            f"schedule {expression!r} is not a rate(N minutes) expression; the local stack "
            "does not run cron() schedules: pass --schedule-rate SECONDS"
        )
    return float(int(match.group(1)) * _UNITS[match.group(2)])


class Schedule:
    """Calls ``invoke(event)`` every ``period_s`` seconds, first one period after ``start``.

    Runs are never concurrent: a run that takes longer than the period delays the next.
    """

    def __init__(
        self,
        name: str,
        period_s: float,
        make_event: Callable[[], dict[str, Any]],
        invoke: Callable[[dict[str, Any]], None],
    ) -> None:
        self.name = name
        self.period_s = period_s
        self._make_event = make_event
        self._invoke = invoke
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"schedule-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _run(self) -> None:
        next_run = time.monotonic() + self.period_s
        while not self._stop.wait(max(next_run - time.monotonic(), 0)):
            next_run += self.period_s
            try:
                self._invoke(self._make_event())
            except Exception:
                logger.exception("schedule %s: invocation failed", self.name)
            # After a run longer than the period, start counting again from now.
            next_run = max(next_run, time.monotonic())
