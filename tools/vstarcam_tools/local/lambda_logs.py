"""Lambda's log-level controls on one machine, as the template's ``LoggingConfig`` sets them.

With the JSON log format Lambda keeps an application line only at or above the
function's ``ApplicationLogLevel``, reading the line's ``level`` key; a line that
is not JSON or has no valid ``level`` counts as INFO (the EMF metric lines among
them). The platform's START/END/REPORT lines are INFO too, so ``SystemLogLevel:
WARN`` drops them for every invocation that did not fail. The local stack's
workers apply the same rules to what the handlers print, so a level set on the
stack behaves here as it will in the cloud.
"""

from __future__ import annotations

import io
import json
from typing import TextIO

LEVELS = {"TRACE": 0, "DEBUG": 1, "INFO": 2, "WARN": 3, "ERROR": 4, "FATAL": 5}
# Python's names for them, which Powertools writes.
_ALIASES = {"WARNING": "WARN", "CRITICAL": "FATAL"}


def line_level(line: str) -> str:
    """The level Lambda reads from one application log line."""
    try:
        document = json.loads(line)
    except ValueError:
        return "INFO"
    if not isinstance(document, dict):
        return "INFO"
    level = str(document.get("level", "")).upper()
    level = _ALIASES.get(level, level)
    return level if level in LEVELS else "INFO"


def enabled(level: str, minimum: str) -> bool:
    return LEVELS.get(level.upper(), LEVELS["INFO"]) >= LEVELS.get(minimum.upper(), LEVELS["INFO"])


class LevelFilter(io.TextIOBase):
    """A text stream that forwards whole lines at or above ``minimum`` to ``stream``."""

    def __init__(self, stream: TextIO, minimum: str) -> None:
        super().__init__()
        self._stream = stream
        self._minimum = minimum
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if enabled(line_level(line), self._minimum):
                self._stream.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        self._stream.flush()
