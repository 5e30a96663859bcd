"""The background thread both local event sources run: start, stop, and a loop that keeps
polling through failures, as Lambda's pollers do."""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger(__name__)


class Stopped(Exception):
    """Raised inside a round by a wait that :meth:`BackgroundPoller.stop` cut short."""


class BackgroundPoller:
    """A source that polls in a thread until :meth:`stop`. A subclass gives :meth:`_round`
    (one poll and its deliveries) and says in ``what`` what a failed round was doing."""

    what = "polling"
    kind = "poller"  # the thread's name is <kind>-<name>

    def __init__(self, name: str, poll_interval_s: float) -> None:
        self.name = name
        self.poll_interval_s = poll_interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Poll in a background thread until :meth:`stop`."""
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"{self.kind}-{self.name}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _round(self) -> bool:
        """One poll and what it delivers; True when it waited already (a long poll)."""
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                waited = self._round()
            except Stopped:
                return
            except Exception:
                # A failed read is logged and polled again after the interval, as Lambda does.
                logger.exception("%s: %s failed", self.name, self.what)
                waited = False
            if not waited:
                self._stop.wait(self.poll_interval_s)
