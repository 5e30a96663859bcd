"""The one argparse type behind every bounded number on the command lines."""

from __future__ import annotations

import argparse

import pytest
from vstarcam_tools.arguments import number

PORT = number(int, 0, 65535)
TIMEOUT = number(float, 0, 60, above=True, unit="seconds")


@pytest.mark.parametrize(
    ("parse", "text", "value"),
    [(PORT, "0", 0), (PORT, "65535", 65535), (TIMEOUT, "0.5", 0.5), (TIMEOUT, "60", 60.0)],
)
def test_values_inside_the_range_are_kept(parse, text: str, value: float) -> None:
    assert parse(text) == value


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (PORT, "x", "'x' is not a whole number"),
        (PORT, "1.5", "'1.5' is not a whole number"),
        (PORT, "-1", "-1 must be at least 0"),
        (PORT, "65536", "65536 must be at most 65535"),
        (TIMEOUT, "soon", "'soon' is not a number of seconds"),
        (TIMEOUT, "0", "0 must be more than 0 seconds"),
        (TIMEOUT, "61", "61 must be at most 60 seconds"),
        (TIMEOUT, "inf", "inf is not a finite number of seconds"),
        (TIMEOUT, "nan", "nan is not a finite number of seconds"),
    ],
)
def test_values_outside_are_refused_with_the_range(parse, text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=f"^{message}$"):
        parse(text)
