"""The camera's JavaScript-like CGI replies, parsed into typed values with bounded effort."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from vstarcam_tools.camera.cgi_client import (
    MAX_NAME_CHARS,
    MAX_REPLY_BYTES,
    MAX_REPLY_LINES,
    MAX_VALUE_CHARS,
    UnparsableReply,
    parse_reply,
)


def test_var_lines_with_crlf_become_typed_values() -> None:
    reply = (
        "var heartbeatTime=60;\r\n"
        'var heartbeatServer="https://abc.execute-api.us-east-1.amazonaws.com/heartbeat";\r\n'
        'var alarmPushSubServer="";\r\n'
    )
    assert parse_reply(reply) == {
        "heartbeatTime": 60,
        "heartbeatServer": "https://abc.execute-api.us-east-1.amazonaws.com/heartbeat",
        "alarmPushSubServer": "",
    }


def test_bare_integers_are_int_and_everything_else_str() -> None:
    values = parse_reply('var a=0;\nvar b=-2;\nvar c="60";\nvar d=0123;\nvar e=1.5;\nvar f=ok;\n')
    assert values == {"a": 0, "b": -2, "c": "60", "d": "0123", "e": "1.5", "f": "ok"}
    assert isinstance(values["a"], int) and isinstance(values["c"], str)


def test_tolerated_variants_without_var_single_quotes_escapes_and_spacing() -> None:
    reply = 'result=0;\nvar alias=\'Back yard\';\nvar note="say \\"hi\\"";\n  var  x = 5 ;'
    assert parse_reply(reply) == {"result": 0, "alias": "Back yard", "note": 'say "hi"', "x": 5}


def test_several_assignments_on_one_line_and_a_missing_final_semicolon() -> None:
    assert parse_reply('var a=1;var b="x;y"\r\nvar c=3') == {"a": 1, "b": "x;y", "c": 3}


def test_set_reply_and_credential_failure_reply() -> None:
    assert parse_reply('result="ok";\r\n') == {"result": "ok"}
    assert parse_reply("var result=-2;\r\n") == {"result": -2}


def test_empty_reply_has_no_values() -> None:
    assert parse_reply("\r\n  \n") == {}


def test_a_later_assignment_of_the_same_name_wins() -> None:
    assert parse_reply("var a=1;\nvar a=2;\n") == {"a": 2}


@pytest.mark.parametrize(
    "reply",
    [
        "<html><body>Not Found</body></html>",
        '{"vuid": "VE0005622QHOW"}',
        '\x00\x1f<!DOCTYPE html><title>garbled"',
        'var heartbeatServer="https://unterminated;\r\n',
        "var 9lives=1;",
        "var a=b=c;",
    ],
)
def test_text_that_is_not_assignments_is_refused_with_an_excerpt(reply: str) -> None:
    with pytest.raises(UnparsableReply, match="not 'var name=value;' lines: '") as raised:
        parse_reply(reply)
    assert len(str(raised.value)) < 120


def test_limits_on_size_lines_names_and_values() -> None:
    with pytest.raises(UnparsableReply, match="longer than"):
        parse_reply("var a=1;" + " " * MAX_REPLY_BYTES)
    with pytest.raises(UnparsableReply, match="lines"):
        parse_reply("var a=1;\n" * (MAX_REPLY_LINES + 1))
    with pytest.raises(UnparsableReply, match="name longer"):
        parse_reply("var " + "n" * (MAX_NAME_CHARS + 1) + "=1;")
    with pytest.raises(UnparsableReply, match="value of v"):
        parse_reply('var v="' + "x" * (MAX_VALUE_CHARS + 1) + '";')
    assert parse_reply('var v="' + "x" * MAX_VALUE_CHARS + '";')["v"] == "x" * MAX_VALUE_CHARS


_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True)
_texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")),
    max_size=60,
)


@given(
    st.dictionaries(_names, st.one_of(st.integers(-(10**12), 10**12), _texts), max_size=12),
    st.sampled_from(["\r\n", "\n"]),
    st.booleans(),
)
def test_any_written_reply_reads_back_as_written(
    values: dict[str, int | str], ending: str, with_var: bool
) -> None:
    """GIVEN any names and values WHEN written as the firmware does THEN they parse back."""

    def literal(value: int | str) -> str:
        if isinstance(value, int):
            return str(value)
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    prefix = "var " if with_var else ""
    reply = "".join(f"{prefix}{name}={literal(value)};{ending}" for name, value in values.items())
    assert parse_reply(reply) == values


HOSTILE_REPLIES = {
    # The review's case: 31 s for 2,000 blanks, cubic in their number.
    "blanks-then-a-quote": "var a=" + " " * (MAX_REPLY_BYTES - 7) + '"',
    "blanks-then-an-equals-sign": "var a=" + " \t" * ((MAX_REPLY_BYTES - 7) // 2) + "=",
    "blanks-around-an-unclosed-string": "var a=" + " " * 30_000 + '"' + " " * 30_000,
    "many-lines-of-blanks": ("var a=" + " " * 60 + "=\n") * 900,
}


@pytest.mark.parametrize("reply", list(HOSTILE_REPLIES.values()), ids=list(HOSTILE_REPLIES))
def test_a_hostile_64_kb_reply_is_refused_in_linear_time(reply: str) -> None:
    """GIVEN a 64 KB reply built to make a backtracking parser take hours
    WHEN it is parsed in a child process that may take 60 s at most (a bound, not a speed
    measure: linear parsing takes milliseconds, the old pattern hours)
    THEN it is refused as unparsable, within the bound."""
    assert len(reply) <= MAX_REPLY_BYTES
    script = (
        "import sys\n"
        "from vstarcam_tools.camera.cgi_client import UnparsableReply, parse_reply\n"
        "try:\n"
        "    parse_reply(sys.stdin.read())\n"
        "except UnparsableReply:\n"
        "    print('refused')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=reply,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "refused"


def test_blanks_around_values_are_not_part_of_them() -> None:
    assert parse_reply("var a=  12  ;\nvar b = ' x ' ;\nvar c=  bare value  ;") == {
        "a": 12,
        "b": " x ",
        "c": "bare value",
    }
