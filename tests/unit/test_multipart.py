"""multipart/form-data as cameras send it: ``parse_form`` is the one entry point."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from vstarcam_push.ingest.multipart import boundary_of, parse_form
from vstarcam_push.models.errors import BadRequest, UnsupportedMediaType

from tests.conftest import JPEG, MP4, alarm_body

BOUNDARY = "----VStarcamBoundary7MA4YWxkTrZu0gW"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def part(disposition: str, content: bytes, headers: str = "", newline: bytes = b"\r\n") -> bytes:
    head = f"--{BOUNDARY}\r\nContent-Disposition: form-data; {disposition}\r\n{headers}"
    return head.encode().replace(b"\r\n", newline) + newline + content + newline


def closing(newline: bytes = b"\r\n") -> bytes:
    return f"--{BOUNDARY}--".encode() + newline


def camera_body(picture: bytes = JPEG, newline: bytes = b"\r\n", end: bytes = b"\r\n") -> bytes:
    return (
        part('name="vuid"', b"VE0005622QHOW", newline=newline)
        + part('name="type"', b"18", newline=newline)
        + part(
            'name="picture"; filename="alarm.jpg"',
            picture,
            "Content-Type: image/jpeg\r\n",
            newline=newline,
        )
        + f"--{BOUNDARY}--".encode()
        + end
    )


def test_alarm_push_splits_into_its_fields_by_name() -> None:
    """GIVEN a body built by an HTTP client library (requests-toolbelt's encoder)
    THEN parse_form returns each field by name with its exact bytes, file name and part type."""
    body, content_type = alarm_body(video=MP4)

    parts = parse_form(body, content_type)

    assert set(parts) == {"vuid", "type", "picture", "video"}
    assert parts["vuid"].content == b"VE0005622QHOW"
    assert parts["type"].content == b"18"
    assert parts["picture"].content == JPEG
    assert parts["picture"].filename == "alarm.jpg"
    assert parts["picture"].content_type == "image/jpeg"
    assert parts["video"].content == MP4
    assert parts["vuid"].filename is None


@pytest.mark.parametrize(
    "end",
    [b"", b"\r\n", b"\r\n\r\n", b"\n"],
    ids=["no-newline", "crlf", "two-crlf", "lf"],
)
def test_closing_boundary_may_be_followed_by_line_endings_or_nothing(end: bytes) -> None:
    parts = parse_form(camera_body(end=end), CONTENT_TYPE)

    assert parts["picture"].content == JPEG


@pytest.mark.parametrize(
    "preamble", [b"\r\n", b"\r\n\r\n", b"This is a preamble.\r\n"], ids=["crlf", "2crlf", "text"]
)
def test_preamble_before_the_first_boundary_is_skipped(preamble: bytes) -> None:
    """GIVEN a body that starts with a CRLF or a preamble, as RFC 2046 allows (hand-built
    bodies often write every part as CRLF + boundary)
    THEN the parts are read as usual."""
    parts = parse_form(preamble + camera_body(), CONTENT_TYPE)

    assert parts["vuid"].content == b"VE0005622QHOW"
    assert parts["picture"].content == JPEG


def test_bare_lf_line_endings_are_refused_as_malformed() -> None:
    """GIVEN a body whose lines end in LF only (not the CRLF multipart requires)
    THEN it is refused with 400 rather than guessed at."""
    with pytest.raises(BadRequest) as refused:
        parse_form(camera_body(newline=b"\n", end=b"\n"), CONTENT_TYPE)

    assert refused.value.reason == "malformed"


@pytest.mark.parametrize(
    ("content_type", "boundary"),
    [
        (f"multipart/form-data; boundary={BOUNDARY}", BOUNDARY),
        (f'multipart/form-data; boundary="{BOUNDARY}"', BOUNDARY),
        (f"Multipart/Form-Data; charset=utf-8; BOUNDARY={BOUNDARY}", BOUNDARY),
        ("multipart/form-data;boundary=abc'()+_,-./:=?", "abc'()+_,-./:=?"),
        ('multipart/form-data; boundary="with space:and=signs"', "with space:and=signs"),
    ],
    ids=["unquoted", "quoted", "mixed-case-and-charset", "rfc-special-chars", "quoted-specials"],
)
def test_boundary_is_read_quoted_or_unquoted(content_type: str, boundary: str) -> None:
    assert boundary_of(content_type) == boundary.encode()
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="vuid"\r\n\r\n'
        f"VE0005622QHOW\r\n--{boundary}--\r\n"
    ).encode()

    assert parse_form(body, content_type)["vuid"].content == b"VE0005622QHOW"


def test_boundary_is_case_sensitive() -> None:
    with pytest.raises(BadRequest):
        parse_form(camera_body(), CONTENT_TYPE.lower())


def test_duplicate_field_keeps_the_first() -> None:
    body = part('name="type"', b"18") + part('name="type"', b"20") + closing()

    assert parse_form(body, CONTENT_TYPE)["type"].content == b"18"


def test_parts_without_a_name_are_ignored() -> None:
    """GIVEN parts with no name, an empty name, or no Content-Disposition at all
    THEN they are skipped and the named parts are still read."""
    body = (
        part('filename="orphan.jpg"', JPEG)
        + part('name=""', b"empty name")
        + f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nno disposition\r\n".encode()
        + part('name="vuid"', b"VE0005622QHOW")
        + closing()
    )

    assert set(parse_form(body, CONTENT_TYPE)) == {"vuid"}


def test_header_and_parameter_names_are_case_insensitive_and_names_may_be_unquoted() -> None:
    body = (
        f"--{BOUNDARY}\r\ncontent-disposition: FORM-DATA; NAME=vuid\r\n"
        f"CONTENT-TYPE: text/plain\r\n\r\nVE0005622QHOW\r\n"
    ).encode() + closing()

    parsed = parse_form(body, CONTENT_TYPE)["vuid"]
    assert parsed.content == b"VE0005622QHOW"
    assert parsed.content_type == "text/plain"


def test_empty_part_is_kept_empty() -> None:
    body = part('name="video"; filename="a.mp4"', b"") + closing()

    assert parse_form(body, CONTENT_TYPE)["video"].content == b""


@pytest.mark.parametrize(
    "lookalike",
    [
        f"--{BOUNDARY}".encode(),
        f"\r\n--{BOUNDARY[:-1]}".encode(),
        f"\r\n--{BOUNDARY}X".encode(),
        f"\r\n--{BOUNDARY}-".encode(),
        f"\r\n-{BOUNDARY}\r\n".encode(),
        f"\r\n{BOUNDARY}--\r\n".encode(),
        b"\r\n\r\n--\r\n",
    ],
    ids=[
        "boundary-without-crlf",
        "crlf-boundary-prefix",
        "crlf-boundary-longer",
        "crlf-boundary-one-dash",
        "one-leading-dash",
        "no-leading-dashes",
        "blank-lines-and-dashes",
    ],
)
def test_binary_content_containing_boundary_like_bytes_is_kept_whole(lookalike: bytes) -> None:
    """GIVEN a picture whose bytes look like, but are not, a boundary delimiter
    THEN the picture is read whole, byte for byte."""
    picture = JPEG[:40] + lookalike + JPEG[40:]

    assert parse_form(camera_body(picture), CONTENT_TYPE)["picture"].content == picture


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(picture=st.binary(max_size=3000), video=st.binary(min_size=1, max_size=500))
def test_any_bytes_survive_the_multipart_round_trip(picture: bytes, video: bytes) -> None:
    """GIVEN any picture and video bytes that do not contain the delimiter itself
    THEN they come out of parse_form unchanged."""
    delimiter = f"\r\n--{BOUNDARY}".encode()
    assume(delimiter not in b"\r\n" + picture + b"\r\n" and delimiter not in video + b"\r\n")
    body = (
        part('name="picture"; filename="p.jpg"', picture)
        + part('name="video"; filename="v.mp4"', video)
        + closing()
    )

    parts = parse_form(body, CONTENT_TYPE)

    assert parts["picture"].content == picture
    assert parts["video"].content == video


@pytest.mark.parametrize(
    "content_type",
    ["", "application/json", "text/plain; boundary=x", "multipart/mixed; boundary=x", "image/jpeg"],
)
def test_content_type_that_is_not_multipart_form_data_is_refused_with_415(
    content_type: str,
) -> None:
    with pytest.raises(UnsupportedMediaType) as refused:
        parse_form(camera_body(), content_type)

    assert refused.value.status == 415
    assert "multipart/form-data" in refused.value.message


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        'multipart/form-data; boundary=""',
        "multipart/form-data; charset=utf-8",
        "multipart/form-data; boundary=" + "b" * 201,
    ],
    ids=["none", "empty", "empty-quoted", "other-param", "over-200-chars"],
)
def test_multipart_without_a_usable_boundary_is_refused_with_400(content_type: str) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_form(camera_body(), content_type)

    assert refused.value.status == 400
    assert refused.value.reason == "no_boundary"


@pytest.mark.parametrize("cut", [10, 200, 600, -len(closing()) - 1, -3])
def test_body_cut_short_is_refused_as_truncated(cut: int) -> None:
    """GIVEN a camera cut off mid-upload (the closing boundary never arrived)
    THEN the body is refused with 400, not stored as a complete alarm."""
    with pytest.raises(BadRequest) as refused:
        parse_form(camera_body()[:cut], CONTENT_TYPE)

    assert refused.value.reason == "truncated"


@pytest.mark.parametrize(
    "body",
    [
        closing(),
        b"garbage with no boundary line" + closing(),
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="vuid"\r\nVE1\r\n'.encode()
        + closing(),
        f"--{BOUNDARY}\r\nContent-Disposition form-data\r\n\r\nx\r\n".encode() + closing(),
    ],
    ids=["no-parts", "no-opening-boundary", "no-blank-line-after-headers", "bad-header-line"],
)
def test_malformed_body_is_refused_with_400(body: bytes) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_form(body, CONTENT_TYPE)

    assert refused.value.status == 400
    assert refused.value.reason == "malformed"
    assert "multipart" in refused.value.message


def unclosed_last_part() -> bytes:
    """The video, the last part, is never closed: the closing boundary follows its bytes
    with no line break, so it is part of the video's content to the parser."""
    body = camera_body()[: -len(closing()) - 2]
    video = part('name="video"; filename="alarm.mp4"', MP4)[: -len(b"\r\n")]
    return body + video + closing()


def test_body_whose_last_part_is_never_closed_is_refused_not_stored_without_it() -> None:
    """GIVEN an alarm push whose last part (the video) is not closed by a boundary line
    THEN it is refused as malformed: the parts before it are never returned alone."""
    with pytest.raises(BadRequest) as refused:
        parse_form(unclosed_last_part(), CONTENT_TYPE)

    assert refused.value.reason == "malformed"
    assert refused.value.message == "multipart body is malformed: its last part is not closed"


@pytest.mark.parametrize(
    "last_line",
    [f"--{BOUNDARY}x--", "--other--", f"-{BOUNDARY}--", f"{BOUNDARY}--", "video bytes--"],
    ids=["longer-boundary", "other-boundary", "one-dash", "no-dashes", "content-ending-in-dashes"],
)
def test_only_the_exact_closing_boundary_closes_the_body(last_line: str) -> None:
    """GIVEN a body whose last line ends in "--" but is not "--<boundary>--"
    THEN it is refused as truncated: the closing boundary is the exact delimiter."""
    body = camera_body()[: -len(closing())] + last_line.encode() + b"\r\n"

    with pytest.raises(BadRequest) as refused:
        parse_form(body, CONTENT_TYPE)

    assert refused.value.reason == "truncated"
    assert refused.value.message == ("multipart body is truncated: the closing boundary is missing")


def many_parts(count: int) -> bytes:
    fields = b"".join(part(f'name="field{n}"', b"x") for n in range(count - 3))
    return fields + camera_body()


def test_a_body_of_up_to_32_parts_is_parsed_and_more_are_refused() -> None:
    """GIVEN bodies of 32 and of 33 parts (a camera sends four; a few more are allowed)
    THEN the first is parsed and the second refused with 400, before its parts are read."""
    assert len(parse_form(many_parts(32), CONTENT_TYPE)) == 32

    with pytest.raises(BadRequest) as refused:
        parse_form(many_parts(33), CONTENT_TYPE)

    assert refused.value.status == 400
    assert refused.value.reason == "too_many_parts"
    assert "more than 32 parts" in refused.value.message


PARSER_JARGON = ("CR", "LF", "index", "state", "offset", "(", "character")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            camera_body(newline=b"\n"),
            "multipart body is malformed: a boundary line is broken "
            "(each part starts with --<boundary> and a line break)",
        ),
        (
            f"--{BOUNDARY}Z\r\n".encode() + camera_body()[len(BOUNDARY) + 4 :],
            "multipart body is malformed: a boundary line is broken "
            "(each part starts with --<boundary> and a line break)",
        ),
        (
            f"--{BOUNDARY}\r\nNoColonHere\r\n\r\nx\r\n".encode() + closing(),
            "multipart body is malformed: a part's headers are broken "
            "(each is 'Name: value' on its own line, then an empty line)",
        ),
        (
            part('name="vuid"', b"VE1", "X-Pad: " + "p" * 70_000 + "\r\n") + closing(),
            "multipart body is malformed: a part has too many or too long headers",
        ),
        (
            part('name="vuid"', b"VE1", "X: y\r\n" * 5_000) + closing(),
            "multipart body is malformed: a part has too many or too long headers",
        ),
    ],
    ids=["bare-lf", "junk-after-boundary", "header-without-colon", "huge-header", "many-headers"],
)
def test_refusals_name_the_broken_line_not_the_parsers_state(body: bytes, message: str) -> None:
    """GIVEN a body broken in one of the ways the parser detects
    THEN the refusal says which line of the push is wrong, in the push's own terms
    ("a boundary line", "a part's headers"), never the parser's ("CR at end of boundary
    (13)")."""
    with pytest.raises(BadRequest) as refused:
        parse_form(body, CONTENT_TYPE)

    assert refused.value.message == message
    inner = refused.value.message.split("(", 1)[0]
    assert not any(word in inner for word in PARSER_JARGON)
    assert not any(character.isdigit() for character in refused.value.message)
