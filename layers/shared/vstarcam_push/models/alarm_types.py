"""Alarm types: the codes of the vendor's table, named in words."""

from __future__ import annotations

from dataclasses import dataclass

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
