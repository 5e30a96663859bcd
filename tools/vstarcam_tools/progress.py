"""A progress line for commands that work through many cameras (``cameras configure --from``)."""

from __future__ import annotations

from typing import TextIO


class Progress:
    """``configured 3/10 cameras (1 failed)`` on stderr.

    A few lines of our own instead of a progress bar library: the count is
    all there is to show, and without a terminal (CI, a log file) each step
    becomes one plain line instead of carriage-return noise.
    """

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self._stream = stream
        self._tty = stream.isatty()

    def advance(self, failed: bool) -> None:
        self.done += 1
        self.failed += failed
        text = f"configured {self.done}/{self.total} cameras" + (
            f" ({self.failed} failed)" if self.failed else ""
        )
        if self._tty:
            width = 20
            filled = width * self.done // self.total
            self._stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}")
            if self.done == self.total:
                self._stream.write("\n")
        else:
            self._stream.write(text + "\n")
        self._stream.flush()
