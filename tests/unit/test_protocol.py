"""The wire protocol: the reply shape, the vuid rules, the HTTP API v2 request and the
heartbeat body."""

from __future__ import annotations

import base64
import json

import pytest
from vstarcam_push.ingest.protocol import parse_heartbeat, validate_vuid
from vstarcam_push.models.errors import BadRequest, PayloadTooLarge
from vstarcam_push.runtime.http_event import MAX_REQUEST_BYTES, HttpRequest
from vstarcam_push.runtime.replies import SUCCESS_BODY, reply, success

from tests.conftest import JPEG, heartbeat_event, http_event


def test_success_reply_is_exactly_the_vendor_example() -> None:
    """GIVEN a request that was handled
    THEN the reply is HTTP 200, application/json; charset=UTF-8, body exactly
    {"code":"200","message":"Success"}."""
    response = success()

    assert response["statusCode"] == 200
    assert response["body"] == '{"code":"200","message":"Success"}' == SUCCESS_BODY
    assert response["headers"] == {"content-type": "application/json; charset=UTF-8"}


@pytest.mark.parametrize("status", [400, 403, 413, 415, 500])
def test_failure_reply_carries_its_status_as_the_code_and_a_message(status: int) -> None:
    """GIVEN a refusal with status N and a message
    THEN the reply is HTTP N with exactly {"code": "N", "message": ...} (code is a string)."""
    response = reply(status, 'vuid "x" is "odd"')

    assert response["statusCode"] == status
    assert json.loads(response["body"]) == {"code": str(status), "message": 'vuid "x" is "odd"'}


def test_non_ascii_message_stays_valid_json() -> None:
    """GIVEN a message with non-ASCII text
    THEN the body is valid JSON that round-trips it."""
    body = json.loads(reply(400, "Kamera „Küche“ unbekannt")["body"])

    assert body["message"] == "Kamera „Küche“ unbekannt"


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("VE0005622QHOW", "VE0005622QHOW"),
        ("OKB0379853SNLJ", "OKB0379853SNLJ"),
        ("VSTB366562CWVTV", "VSTB366562CWVTV"),
        ("ve0005622qhow", "VE0005622QHOW"),
        ("1234", "1234"),
        ("A" * 32, "A" * 32),
    ],
)
def test_vuid_of_4_to_32_letters_and_digits_is_accepted_in_upper_case(
    value: str, canonical: str
) -> None:
    """GIVEN vuids as cameras print them (letters, digits; old models digits only)
    THEN they are accepted, canonically upper case."""
    assert validate_vuid(value) == canonical


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "vuid_missing"),
        ("", "vuid_missing"),
        (1234, "vuid_invalid"),
        (["VE0005622QHOW"], "vuid_invalid"),
        ("VE0", "vuid_invalid"),
        ("A" * 33, "vuid_invalid"),
        ("VE0005622-QHOW", "vuid_invalid"),
        ("VE0005622QHOW/../x", "vuid_invalid"),
        ("VE0005622QHOW\n", "vuid_invalid"),
        (" VE0005622QHOW", "vuid_invalid"),
        ("VE0005622QHÖW", "vuid_invalid"),
        ("VE0005622QHOW٣", "vuid_invalid"),
    ],
)
def test_anything_else_is_refused_as_a_vuid(value: object, reason: str) -> None:
    """GIVEN a missing, empty, non-string, too short/long, or non-alphanumeric vuid
    THEN it is refused with 400 and a message that shows the expected shape."""
    with pytest.raises(BadRequest) as refused:
        validate_vuid(value)

    assert refused.value.status == 400
    assert refused.value.reason == reason
    assert "vuid" in refused.value.message


def test_base64_body_is_decoded_to_the_exact_bytes() -> None:
    """GIVEN a multipart push, which HTTP API delivers base64-encoded
    THEN the request body is the original bytes, JPEG and all (never decoded as text)."""
    body = b"--b\r\n" + JPEG + b"\r\n--b--\r\n"
    request = HttpRequest.from_event(http_event("/alarm", body, "multipart/form-data; boundary=b"))

    assert request.body == body
    assert request.content_type == "multipart/form-data; boundary=b"


def test_text_body_is_taken_as_utf8() -> None:
    """GIVEN a JSON heartbeat, which HTTP API passes as text"""
    request = HttpRequest.from_event(heartbeat_event({"vuid": "VE0005622QHOW"}))

    assert json.loads(request.body) == {"vuid": "VE0005622QHOW"}


def test_receive_time_is_api_gateways_time_epoch() -> None:
    """GIVEN a push (which carries no timestamp of its own)
    THEN its time is requestContext.timeEpoch, in milliseconds, and its id the API request id."""
    event = heartbeat_event({"vuid": "VE0005622QHOW"}, time_ms=1_795_701_791_250)
    request = HttpRequest.from_event(event)

    assert request.received_at_ms == 1_795_701_791_250
    assert request.request_id == event["requestContext"]["requestId"]


def test_header_names_are_matched_case_insensitively() -> None:
    """GIVEN a front door that passes "Content-Type" with capitals
    THEN it is still the content type."""
    event = http_event("/alarm", b"x", "multipart/form-data; boundary=b")
    event["headers"] = {"Content-Type": "multipart/form-data; boundary=b"}

    assert HttpRequest.from_event(event).content_type == "multipart/form-data; boundary=b"


def test_missing_body_is_an_empty_body() -> None:
    event = heartbeat_event({"vuid": "VE0005622QHOW"})
    del event["body"]

    assert HttpRequest.from_event(event).body == b""


def test_body_over_the_lambda_limit_is_refused_with_413() -> None:
    """GIVEN an event body over Lambda's 6 MB request limit
    THEN it is refused with 413 before being decoded."""
    event = http_event("/alarm", b"", "multipart/form-data; boundary=b")
    event["body"] = "A" * (MAX_REQUEST_BYTES + 4)

    with pytest.raises(PayloadTooLarge) as refused:
        HttpRequest.from_event(event)

    assert refused.value.status == 413
    assert "6 MB" in refused.value.message


def test_body_at_the_limit_is_accepted() -> None:
    event = http_event("/alarm", b"", "multipart/form-data; boundary=b")
    event["body"] = base64.b64encode(bytes(MAX_REQUEST_BYTES * 3 // 4)).decode()

    assert len(HttpRequest.from_event(event).body) == MAX_REQUEST_BYTES * 3 // 4


def test_body_that_is_not_base64_is_refused() -> None:
    event = http_event("/alarm", b"", "multipart/form-data; boundary=b")
    event["body"] = "not base64!"

    with pytest.raises(BadRequest) as refused:
        HttpRequest.from_event(event)

    assert refused.value.reason == "bad_encoding"


@pytest.mark.parametrize(
    "body",
    [
        b'{"vuid":"VE0005622QHOW"}',
        b'{"vuid": "VE0005622QHOW", "extra": 1}',
        b' \r\n{"vuid":"VE0005622QHOW"}\r\n',
        '{"vuid":"VE0005622QHOW"}'.encode("utf-16"),
    ],
    ids=["vendor-example", "extra-field", "whitespace", "utf-16"],
)
def test_heartbeat_body_is_a_json_object_with_a_vuid(body: bytes) -> None:
    """GIVEN {"vuid": "..."} (extra fields ignored, any JSON encoding)
    THEN the heartbeat's vuid is read."""
    assert parse_heartbeat(body) == "VE0005622QHOW"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "not_json"),
        (b"vuid=VE0005622QHOW", "not_json"),
        (b"\xff\xfe\x00", "not_json"),
        (b"[]", "not_object"),
        (b"42", "not_object"),
        (b"{}", "vuid_missing"),
        (b'{"VUID":"VE0005622QHOW"}', "vuid_missing"),
        (b'{"vuid":42}', "vuid_invalid"),
        (b"[" * 1_000 + b"]" * 1_000, "not_json"),
        (b'{"vuid":' * 100_000 + b'"VE0005622QHOW"' + b"}" * 100_000, "not_json"),
        (b"[" * 3_000_000, "not_json"),
    ],
    # Plain ids: brackets or quotes in an id would make the test impossible to select.
    ids=lambda value: value.hex()[:16] or "empty" if isinstance(value, bytes) else value,
)
def test_heartbeat_body_that_is_not_that_is_refused(body: bytes, reason: str) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_heartbeat(body)

    assert refused.value.reason == reason
    assert refused.value.status == 400


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b"[" * 1_000 + b"]" * 1_000,
            'heartbeat body is nested too deeply: send {"vuid":"<camera vuid>"}',
        ),
        (b"vuid=VE0005622QHOW", 'heartbeat body is not JSON: send {"vuid":"<camera vuid>"}'),
        (
            b'["VE0005622QHOW"]',
            'heartbeat body must be a JSON object like {"vuid":"VE0005622QHOW"}',
        ),
    ],
    ids=["nested", "not-json", "not-an-object"],
)
def test_a_heartbeat_body_refusal_says_exactly_what_to_send(body: bytes, message: str) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_heartbeat(body)
    assert refused.value.message == message
