"""Command-line numbers: one argparse type for every bounded count, port and duration."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import TypeVar

N = TypeVar("N", int, float)


def number(
    kind: type[N],
    low: float,
    high: float | None = None,
    *,
    above: bool = False,
    unit: str = "",
) -> Callable[[str], N]:
    """An argparse ``type``: ``kind`` from ``low`` (excluded if ``above``) to ``high``.

    Non-finite floats are refused. Messages name the value and the allowed range, e.g.
    ``0 must be at least 1`` or ``'x' is not a whole number of seconds``.
    """
    noun = ("whole number" if kind is int else "number") + (f" of {unit}" if unit else "")
    suffix = f" {unit}" if unit else ""

    def parse(text: str) -> N:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {noun}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text} is not a finite {noun}")
        if (value <= low) if above else (value < low):
            bound = "more than" if above else "at least"
            raise argparse.ArgumentTypeError(f"{text} must be {bound} {_show(low)}{suffix}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"{text} must be at most {_show(high)}{suffix}")
        return value

    return parse


def _show(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
