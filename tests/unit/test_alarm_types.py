"""Alarm types: the vendor's codes in words; the ``type`` field in decimal or hex."""

from __future__ import annotations

import pytest
from vstarcam_push.models.alarm_types import ALARM_TYPE_NAMES, AlarmType, parse_alarm_type
from vstarcam_push.models.errors import BadRequest

from tests.conftest import VENDOR_ALARM_TYPES


def test_the_eight_documented_alarm_types_are_named_as_the_vendor_names_them() -> None:
    assert ALARM_TYPE_NAMES == VENDOR_ALARM_TYPES
    assert all(AlarmType(code).known for code in VENDOR_ALARM_TYPES)


@pytest.mark.parametrize(("code", "name"), VENDOR_ALARM_TYPES.items())
def test_each_code_parses_from_decimal_and_from_hex_to_its_name(code: int, name: str) -> None:
    """GIVEN a documented code
    WHEN the type field is decimal ("18"), lower-case hex ("0x12") or upper-case hex ("0X12")
    THEN it is the same alarm type, named in words, with a two-digit lower-case hex form."""
    forms = [str(code), f"0x{code:02x}", f"0X{code:02X}"]

    parsed = {parse_alarm_type(form) for form in forms}

    assert parsed == {AlarmType(code)}
    assert AlarmType(code).name == name
    assert AlarmType(code).hex == f"0x{code:02x}"


def test_unknown_code_is_named_unknown_with_its_hex() -> None:
    """GIVEN a code the vendor's table does not list
    THEN it is kept and named "unknown (0xNN)"."""
    assert parse_alarm_type("153").name == "unknown (0x99)"
    assert parse_alarm_type("0x7").name == "unknown (0x07)"
    assert parse_alarm_type("4660").name == "unknown (0x1234)"
    assert not parse_alarm_type("153").known


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (" 18 ", 0x12),
        ("18\r\n", 0x12),
        ("0018", 0x12),
        ("0x0012", 0x12),
        ("0", 0),
        ("65535", 0xFFFF),
    ],
)
def test_type_field_tolerates_whitespace_and_leading_zeros(text: str, code: int) -> None:
    assert parse_alarm_type(text).code == code


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "motion",
        "0x",
        "0xZZ",
        "0x 12",
        "1.5",
        "-18",
        "+18",
        "18h",
        "1e3",
        "١٨",
        "0b10010",
        # Python's int() reads Arabic-Indic digits even in base 16: every hex digit must be
        # ASCII, the first one too.
        "0x١٨",
        "0x١8",
        "0x1٨",
    ],
)
def test_type_that_is_neither_decimal_nor_hex_is_refused_naming_both_forms(text: str) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_alarm_type(text)

    assert refused.value.reason == "type_invalid"
    assert "decimal number (18)" in refused.value.message
    assert "hex (0x12)" in refused.value.message


@pytest.mark.parametrize("text", ["65536", "0x10000", "9" * 40])
def test_type_beyond_0xffff_is_refused_as_out_of_range(text: str) -> None:
    """GIVEN a huge type value
    THEN it is refused instead of becoming a huge number in the store and in notifications."""
    with pytest.raises(BadRequest) as refused:
        parse_alarm_type(text)

    assert refused.value.reason == "type_invalid"
    assert "out of range" in refused.value.message
    assert len(refused.value.message) < 80


def test_a_refused_type_is_quoted_in_the_message_cut_to_20_characters() -> None:
    """GIVEN a 30-character type field
    THEN the refusal quotes its first 20 characters, no more (the message stays short)."""
    with pytest.raises(BadRequest) as refused:
        parse_alarm_type("abcdefghijklmnopqrstuvwxyz0123")

    assert refused.value.message.startswith("alarm type 'abcdefghijklmnopqrst' is neither")


# -- severity ---------------------------------------------------------------------------


def test_alerts_and_detections_by_default() -> None:
    """Smoke 0x26, fire 0x6d, smoke detection 0x6e, doorbell 0x14, humanoid 0x29 and baby
    crying 0x28 are alerts; motion 0x12, absence 0x27 and any unknown code detections."""
    from vstarcam_push.models.alarm_types import DEFAULT_ALERT_TYPES, severity_of

    alerts = {0x26, 0x6D, 0x6E, 0x14, 0x29, 0x28}
    assert alerts == DEFAULT_ALERT_TYPES
    assert {code for code in VENDOR_ALARM_TYPES if severity_of(code) == "alert"} == alerts
    assert [severity_of(code) for code in (0x12, 0x27, 0x99, 0)] == ["detection"] * 4


def test_the_alert_types_setting_changes_them() -> None:
    from vstarcam_push.models.alarm_types import (
        DEFAULT_ALERT_TYPES,
        parse_alert_types,
        severity_of,
    )

    assert parse_alert_types(None) == parse_alert_types(" ") == DEFAULT_ALERT_TYPES
    assert parse_alert_types("0x26,0x6d,0x6e,0x14,0x29,0x28") == DEFAULT_ALERT_TYPES
    motion_too = parse_alert_types("0x12, 38")
    assert motion_too == {0x12, 0x26}
    assert severity_of(0x12, motion_too) == "alert" and severity_of(0x14, motion_too) == "detection"
    assert parse_alert_types("none") == frozenset()
    with pytest.raises(BadRequest):
        parse_alert_types("0x26,smoke")


def test_a_severity_is_alert_or_detection() -> None:
    from vstarcam_push.models.alarm_types import check_severity

    assert check_severity("alert") == "alert" and check_severity("detection") == "detection"
    for wrong in ("Alert", "urgent", ""):
        with pytest.raises(BadRequest, match="neither alert nor detection"):
            check_severity(wrong)
