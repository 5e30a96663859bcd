"""Push keys, camera names and cooldown slots: the pure rules behind "only the camera can push"
and "bounded state per camera"."""

from __future__ import annotations

import pytest
from vstarcam_push.dal.push_key_secret import SecretUnavailable, load_secret
from vstarcam_push.models.alarm_types import ALARM_TYPE_NAMES, AlarmType
from vstarcam_push.models.camera import MAX_NAME_LENGTH, AlarmRate, clean_name, cooldown_slot
from vstarcam_push.models.errors import BadRequest
from vstarcam_push.models.push_keys import (
    KEY_LENGTH,
    derive_push_key,
    is_push_key,
    key_hash,
    key_matches,
    keyed_push_urls,
    new_key_id,
    new_secret,
    push_urls,
    redact,
)

SECRET = bytes(range(32))


def test_a_key_is_128_bits_url_safe_and_22_characters() -> None:
    key = derive_push_key(new_secret(), "VE0005622QHOW", new_key_id())
    assert len(key) == KEY_LENGTH == 22 and is_push_key(key)
    assert set(key) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_keys_differ_by_camera_key_id_and_secret_and_are_reproducible() -> None:
    """The same (secret, vuid, key id) gives the same key (``cameras urls`` shows it again);
    changing any of them gives another."""
    key = derive_push_key(SECRET, "VE0005622QHOW", 7)
    assert derive_push_key(SECRET, "VE0005622QHOW", 7) == key
    others = {
        derive_push_key(SECRET, "OKB0379853SNLJ", 7),
        derive_push_key(SECRET, "VE0005622QHOW", 8),
        derive_push_key(bytes(32), "VE0005622QHOW", 7),
    }
    assert key not in others and len(others) == 3


def test_the_stored_hash_is_not_the_key_and_matches_only_it() -> None:
    key = derive_push_key(SECRET, "VE0005622QHOW", 1)
    stored = key_hash(key)
    assert len(stored) == 32 and key.encode() not in stored
    assert key_matches(key, stored)
    assert not key_matches(derive_push_key(SECRET, "VE0005622QHOW", 2), stored)
    assert not key_matches(None, stored) and not key_matches(key, None)


@pytest.mark.parametrize(
    "value", ["", "short", "A" * 21, "A" * 23, "A" * 21 + "/", "A" * 21 + "=", None, 22]
)
def test_anything_but_22_url_safe_characters_is_not_a_key(value: object) -> None:
    assert not is_push_key(value)
    assert not key_matches(value, key_hash("A" * 22))  # type: ignore[arg-type]


def test_urls_are_the_stack_urls_plus_the_key() -> None:
    key = "A" * 22
    urls = push_urls("https://abc.execute-api.us-east-1.amazonaws.com/", "VE0005622QHOW", key)
    assert urls.to_json() == {
        "vuid": "VE0005622QHOW",
        "heartbeatUrl": f"https://abc.execute-api.us-east-1.amazonaws.com/heartbeat/{key}",
        "alarmUrl": f"https://abc.execute-api.us-east-1.amazonaws.com/alarm/{key}",
    }
    front = keyed_push_urls(
        "http://d1.cloudfront.net/heartbeat", "http://d1.cloudfront.net/alarm", "V1234", key
    )
    assert front.to_json() == {
        "vuid": "V1234",
        "heartbeatUrl": f"http://d1.cloudfront.net/heartbeat/{key}",
        "alarmUrl": f"http://d1.cloudfront.net/alarm/{key}",
    }
    # An output or setting written with a trailing slash gives no empty path segment.
    slashed = keyed_push_urls(
        "http://d1.cloudfront.net/heartbeat/", "http://d1.cloudfront.net/alarm/", "V1234", key
    )
    assert slashed == front


class _NoParameter(Exception):
    pass


class _EmptySsm:
    """An SSM client holding no parameter, as a stack before its first ``cameras add``."""

    class exceptions:
        ParameterNotFound = _NoParameter

    def get_parameter(self, **_: object) -> dict[str, object]:
        raise _NoParameter


def test_a_missing_secret_that_is_not_to_be_made_says_how_to_get_one() -> None:
    with pytest.raises(SecretUnavailable) as refused:
        load_secret(_EmptySsm(), "/vstarcam-push/push-key-secret", create=False)
    assert str(refused.value) == (
        "the stack has no push key secret (/vstarcam-push/push-key-secret): no camera has "
        "a key yet; 'vstarcam-push cameras add VUID' issues one"
    )


def test_redact_hides_the_key_of_a_camera_url_only() -> None:
    key = derive_push_key(SECRET, "VE0005622QHOW", 3)
    assert redact(f"https://h/heartbeat/{key}") == "https://h/heartbeat/<push key>"
    assert redact(f"http://h:3000/alarm/{key}") == "http://h:3000/alarm/<push key>"
    for unchanged in ("https://h/heartbeat", "http://push.vendor.example/alarm", ""):
        assert redact(unchanged) == unchanged


# -- camera names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("Front door", "Front door"),
        ("Front door\nOpen the picture: https://evil", "Front door Open the picture: https://evil"),
        ("Garage\r\n\r\nPay here", "Garage Pay here"),
        ("Tab\there", "Tab here"),
        ("\u202eroolf tnorF", "roolf tnorF"),  # a right-to-left override
        ("Line\u2028separator", "Line separator"),
        ("  padded  ", "padded"),
        ("Café 玄関", "Café 玄関"),
        ("\x00\x07\x1b[31m", "[31m"),
    ],
)
def test_names_are_one_line_without_control_characters(name: str, cleaned: str) -> None:
    assert clean_name(name) == cleaned


def test_names_are_at_most_64_characters_and_a_longer_one_is_refused_not_cut() -> None:
    """One rule for the CLI, a CSV, a camera's alias and the console (the console's, the
    stricter of the two there were: a longer name was cut at registration)."""
    assert clean_name("x" * MAX_NAME_LENGTH) == "x" * 64
    assert clean_name(" x\n" * 32) == " ".join("x" * 32)  # 63 after the newlines fold
    for name in ("x" * 1000, "a" * 63 + " b"):
        with pytest.raises(BadRequest, match="name is longer than 64 characters") as refused:
            clean_name(name)
        assert refused.value.reason == "name_too_long"


def test_no_name_is_empty_and_a_name_that_is_not_text_is_refused() -> None:
    assert clean_name(None) == ""
    with pytest.raises(BadRequest, match="name must be text"):
        clean_name(42)


# -- cooldown slots and the alarm rate window ------------------------------------------------


def test_each_vendor_code_has_its_own_slot_and_every_other_code_shares_one() -> None:
    vendor = {cooldown_slot(AlarmType(code)) for code in ALARM_TYPE_NAMES}
    assert len(vendor) == len(ALARM_TYPE_NAMES)
    others = {cooldown_slot(AlarmType(code)) for code in range(0, 0x10000, 97)} - vendor
    assert others == {"other"}


def test_the_alarm_rate_window() -> None:
    """Within 60 s of the window's start, ``limit`` pushes; then a new window."""
    assert AlarmRate(None, 0).allows(now=100, limit=1, period=60)
    assert AlarmRate(window_start=100, count=1).allows(now=159, limit=2, period=60)
    assert not AlarmRate(window_start=100, count=2).allows(now=159, limit=2, period=60)
    assert AlarmRate(window_start=100, count=2).allows(now=160, limit=2, period=60)
