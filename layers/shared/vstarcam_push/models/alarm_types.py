"""Alarm types: the codes of the vendor's table, named in words, and each one's severity.

Severity sorts what needs a person now from what is often only movement, as Frigate's
"alerts" and "detections" do: an *alert* (smoke, fire, the doorbell, a person, a baby
crying) or a *detection* (motion, absence, any code the table does not know). The
stack parameter ``AlertTypes`` (the functions' ``ALERT_TYPES``) changes which codes are
alerts; nothing stores a severity, so a change applies to the alarms already kept too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from vstarcam_push.models.errors import BadRequest

ALARM_TYPE_NAMES: dict[int, str] = {
    0x12: "Motion detection alarm",
    0x14: "Doorbell button alarm",
    0x26: "Smoke alarm",
    0x27: "Absence detection alarm",
    0x28: "Baby crying detection alarm",
    0x29: "Humanoid detection alarm",
    0x6D: "Fire detection alarm",
    0x6E: "Smoke detection alarm",
}

Severity = Literal["alert", "detection"]
SEVERITIES: tuple[Severity, ...] = ("alert", "detection")

# Smoke 0x26, fire 0x6d, smoke detection 0x6e, doorbell 0x14, humanoid 0x29, baby crying 0x28.
DEFAULT_ALERT_TYPES: frozenset[int] = frozenset({0x26, 0x6D, 0x6E, 0x14, 0x29, 0x28})

# Codes are small integers; the bound keeps a hostile "type" from becoming a
# huge number in the store and in notifications.
MAX_ALARM_TYPE = 0xFFFF


@dataclass(frozen=True)
class AlarmType:
    code: int

    @property
    def name(self) -> str:
        return ALARM_TYPE_NAMES.get(self.code, f"unknown ({self.hex})")

    @property
    def hex(self) -> str:
        return f"0x{self.code:02x}"

    @property
    def known(self) -> bool:
        return self.code in ALARM_TYPE_NAMES


def parse_alarm_type(text: str) -> AlarmType:
    """Read the multipart ``type`` field: decimal (``18``) or hex (``0x12``).

    >>> parse_alarm_type("0x12").name
    'Motion detection alarm'
    """
    value = text.strip()
    try:
        if value[:2].lower() == "0x" and value[2:].isascii() and value[2:].isalnum():
            code = int(value[2:], 16)
        elif value.isascii() and value.isdigit():
            code = int(value, 10)
        else:
            raise ValueError(value)
    except ValueError as error:
        raise BadRequest(
            f"alarm type {value[:20]!r} is neither a decimal number (18) nor hex (0x12)",
            reason="type_invalid",
        ) from error
    if code > MAX_ALARM_TYPE:
        raise BadRequest(f"alarm type {value[:20]} is out of range", reason="type_invalid")
    return AlarmType(code)


def severity_of(code: int, alert_types: Iterable[int] = DEFAULT_ALERT_TYPES) -> Severity:
    """``alert`` for the alert codes, ``detection`` for every other (unknown ones too).

    >>> severity_of(0x26), severity_of(0x12), severity_of(0x99)
    ('alert', 'detection', 'detection')
    """
    return "alert" if code in frozenset(alert_types) else "detection"


def parse_alert_types(text: str | None) -> frozenset[int]:
    """The ``AlertTypes`` setting: codes hex or decimal, comma-separated; ``none`` for no
    alert at all; empty or absent for the default set.

    >>> sorted(parse_alert_types("0x26, 20")), parse_alert_types("none")
    ([20, 38], frozenset())
    """
    value = (text or "").strip()
    if not value:
        return DEFAULT_ALERT_TYPES
    if value.lower() == "none":
        return frozenset()
    return frozenset(parse_alarm_type(item).code for item in value.split(",") if item.strip())


def check_severity(value: str) -> Severity:
    """A severity a person typed (a filter), or a refusal that names the two."""
    if value == "alert":
        return "alert"
    if value == "detection":
        return "detection"
    raise BadRequest(
        f"severity {value[:20]!r} is neither alert nor detection", reason="severity_invalid"
    )
