"""Bad input: every refusal is a clear ``{"code","message"}`` reply with its 4xx status,
and nothing is stored (no media, no alarm record, the camera unchanged)."""

from __future__ import annotations

from typing import Any

import pytest
from vstarcam_push.runtime.http_event import MAX_REQUEST_BYTES

from tests.conftest import (
    JPEG,
    MP4,
    VUID,
    alarm_body,
    alarm_event,
    heartbeat_event,
    http_event,
    invoke,
    reply_of,
)
from tests.integration.conftest import Aws, LoadFunction

BOUNDARY = "cam3ra-b0undary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def multipart(*parts: tuple[str, bytes], closing: bool = True) -> bytes:
    """A hand-built multipart body: each part is (Content-Disposition parameters, content)."""
    body = b""
    for disposition, content in parts:
        body += (
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; {disposition}\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    return body + (f"--{BOUNDARY}--\r\n".encode() if closing else b"")


def assert_nothing_stored(aws: Aws, camera_before: dict[str, Any] | None) -> None:
    assert aws.media_keys() == []
    assert aws.alarms() == []
    assert aws.camera() == camera_before


def refused(aws: Aws, function: Any, event: dict[str, Any]) -> tuple[int, str]:
    """Invoke with a registered camera; return (status, message) after checking nothing changed."""
    before = aws.camera()
    response = invoke(function, event)
    reply = reply_of(response)
    assert_nothing_stored(aws, before)
    return response["statusCode"], reply["message"]


# -- heartbeat --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"vuid=VE0005622QHOW", "not JSON"),
        (b"", "not JSON"),
        (b'{"vuid": "VE0005622QHOW"', "not JSON"),
        (b'["VE0005622QHOW"]', "JSON object"),
        (b'"VE0005622QHOW"', "JSON object"),
        (b"null", "JSON object"),
        (b"{}", "vuid is missing"),
        (b'{"vuid": null}', "vuid is missing"),
        (b'{"vuid": ""}', "vuid is empty"),
        (b'{"vuid": 5622}', "vuid must be a string"),
        (b'{"vuid": "VE0"}', "4 to 32 letters and digits"),
        (b'{"vuid": "' + b"V" * 33 + b'"}', "4 to 32 letters and digits"),
        (b'{"vuid": "VE000-5622QHOW"}', "4 to 32 letters and digits"),
        (b'{"vuid": "../VE0005622QHOW"}', "4 to 32 letters and digits"),
        (b'{"vuid": "VE0005622QHOW "}', "4 to 32 letters and digits"),
        ('{"vuid": "VЕ0005622QHOW"}'.encode(), "4 to 32 letters and digits"),
        (b"[" * 1_000 + b"]" * 1_000, "nested too deeply"),
        (b'{"vuid":' * 1_000 + b'"VE0005622QHOW"' + b"}" * 1_000, "nested too deeply"),
        (b'{"vuid": ' + b"9" * 5_000 + b"}", "not JSON"),
    ],
    ids=[
        "form-encoded",
        "empty-body",
        "truncated-json",
        "array",
        "string",
        "null",
        "no-vuid",
        "vuid-null",
        "vuid-empty",
        "vuid-number",
        "vuid-too-short",
        "vuid-too-long",
        "vuid-dash",
        "vuid-path",
        "vuid-trailing-space",
        "vuid-cyrillic-letter",
        "nested-1000-deep",
        "vuid-nested-1000-deep",
        "integer-of-5000-digits",
    ],
)
def test_malformed_heartbeat_is_refused_with_400(
    aws: Aws, functions: LoadFunction, body: bytes, words: str
) -> None:
    """GIVEN a registered camera
    WHEN a heartbeat body is not {"vuid": "<4-32 letters and digits>"}
    THEN the reply is 400 with a message saying what is wrong, and the camera is unchanged."""
    aws.register()
    status, message = refused(aws, functions("HeartbeatFunction"), heartbeat_event(body))

    assert status == 400
    assert words in message


def test_heartbeat_of_an_unknown_camera_is_refused_with_403(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN AcceptUnknownCameras=false (the default) and another camera registered
    WHEN an unregistered vuid sends a heartbeat
    THEN the reply is 403 telling how to register it, and no camera is created."""
    aws.register()
    status, message = refused(
        aws, functions("HeartbeatFunction"), heartbeat_event({"vuid": "OKB0379853SNLJ"})
    )

    assert status == 403
    assert "OKB0379853SNLJ is not registered" in message
    assert "vstarcam-push cameras add OKB0379853SNLJ" in message
    assert aws.camera("OKB0379853SNLJ") is None


def test_heartbeat_body_that_is_not_base64_when_it_says_so_is_refused(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN an event flagged isBase64Encoded whose body is not base64
    WHEN the heartbeat function gets it
    THEN the reply is 400 and nothing changes."""
    aws.register()
    event = heartbeat_event({"vuid": VUID})
    event["isBase64Encoded"] = True
    event["body"] = "{not base64}"
    status, message = refused(aws, functions("HeartbeatFunction"), event)

    assert status == 400
    assert "base64" in message


# -- alarm push ---------------------------------------------------------------------


def test_alarm_push_that_is_not_multipart_is_refused_with_415(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN a registered camera
    WHEN an alarm push arrives as JSON instead of multipart/form-data
    THEN the reply is 415 naming the expected media type."""
    aws.register()
    event = http_event("/alarm", b'{"vuid":"VE0005622QHOW","type":18}', "application/json")
    status, message = refused(aws, functions("AlarmFunction"), event)

    assert status == 415
    assert "multipart/form-data" in message


def test_alarm_push_without_a_content_type_is_refused_with_415(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN an alarm push with no Content-Type header at all
    WHEN it arrives
    THEN the reply is 415."""
    aws.register()
    body, _ = alarm_body()
    event = http_event("/alarm", body, "")
    del event["headers"]["content-type"]
    status, _ = refused(aws, functions("AlarmFunction"), event)

    assert status == 415


@pytest.mark.parametrize(
    ("body", "content_type", "words"),
    [
        (
            multipart(('name="vuid"', VUID.encode())),
            "multipart/form-data",
            "no boundary",
        ),
        (
            multipart(('name="vuid"', VUID.encode()), ('name="type"', b"18"))[:-40],
            MULTIPART,
            "truncated",
        ),
        (
            multipart(
                ('name="vuid"', VUID.encode()),
                ('name="type"', b"18"),
                ('name="picture"; filename="a.jpg"', JPEG),
                closing=False,
            )
            + f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=".encode(),
            MULTIPART,
            "truncated",
        ),
        (
            b'--other\r\nContent-Disposition: form-data; name="vuid"\r\n\r\nX\r\n--other--\r\n'
            + f"--{BOUNDARY}--\r\n".encode(),
            MULTIPART,
            "malformed",
        ),
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="vuid"\r\n{VUID}\r\n'
            f"--{BOUNDARY}--\r\n".encode(),
            MULTIPART,
            "malformed",
        ),
        (
            multipart(('name="type"', b"18"), ('name="picture"; filename="a.jpg"', JPEG)),
            MULTIPART,
            "no vuid",
        ),
        (
            multipart(('name="vuid"', VUID.encode()), ('name="picture"; filename="a.jpg"', JPEG)),
            MULTIPART,
            "no type",
        ),
        (
            multipart(('name="vuid"', VUID.encode()), ('name="type"', b"18")),
            MULTIPART,
            "no picture",
        ),
        (
            multipart(
                ('name="vuid"', b"VE-0005622"),
                ('name="type"', b"18"),
                ('name="picture"; filename="a.jpg"', JPEG),
            ),
            MULTIPART,
            "4 to 32 letters and digits",
        ),
        (
            multipart(
                ('name="vuid"', "VE0005622QHÖW".encode()),
                ('name="type"', b"18"),
                ('name="picture"; filename="a.jpg"', JPEG),
            ),
            MULTIPART,
            "plain ASCII",
        ),
        (
            multipart(
                ('name="vuid"', VUID.encode()),
                ('name="type"', "١٨".encode()),
                ('name="picture"; filename="a.jpg"', JPEG),
            ),
            MULTIPART,
            "plain ASCII",
        ),
        (
            # The video's bytes run into the closing boundary: the part is never closed, and
            # the alarm must not be stored without its video.
            multipart(
                ('name="vuid"', VUID.encode()),
                ('name="type"', b"18"),
                ('name="picture"; filename="a.jpg"', JPEG),
                closing=False,
            )
            + f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="video"\r\n\r\n'.encode()
            + MP4
            + f"--{BOUNDARY}--\r\n".encode(),
            MULTIPART,
            "last part is not closed",
        ),
        (
            multipart(
                *[(f'name="extra{n}"', b"x") for n in range(30)],
                ('name="vuid"', VUID.encode()),
                ('name="type"', b"18"),
                ('name="picture"; filename="a.jpg"', JPEG),
            ),
            MULTIPART,
            "more than 32 parts",
        ),
    ],
    ids=[
        "no-boundary",
        "no-closing-boundary",
        "cut-mid-part",
        "boundary-mismatch",
        "part-without-blank-line",
        "no-vuid",
        "no-type",
        "no-picture",
        "vuid-invalid",
        "vuid-not-ascii",
        "type-arabic-digits",
        "last-part-not-closed",
        "33-parts",
    ],
)
def test_malformed_alarm_push_is_refused_with_400(
    aws: Aws, functions: LoadFunction, body: bytes, content_type: str, words: str
) -> None:
    """GIVEN a registered camera
    WHEN an alarm push's multipart body is malformed or lacks a required field
    THEN the reply is 400 with a message saying what is wrong, and nothing is stored."""
    aws.register()
    status, message = refused(
        aws, functions("AlarmFunction"), http_event("/alarm", body, content_type)
    )

    assert status == 400
    assert words in message


@pytest.mark.parametrize(
    "alarm_type", ["motion", "", "0x", "0xZZ", "1.5", "-18", "+18", "18h", "0x10000", "65536"]
)
def test_alarm_type_that_is_neither_decimal_nor_hex_is_refused(
    aws: Aws, functions: LoadFunction, alarm_type: str
) -> None:
    """GIVEN an alarm push whose type is not a decimal (18) or 0x-hex (0x12) code up to 0xffff
    WHEN it arrives
    THEN the reply is 400 explaining both accepted forms, and nothing is stored."""
    aws.register()
    event = alarm_event(alarm_type=alarm_type)
    status, message = refused(aws, functions("AlarmFunction"), event)

    assert status == 400
    assert "decimal" in message or "out of range" in message


@pytest.mark.parametrize(
    ("picture", "video", "words"),
    [
        (b"", None, "picture is empty"),
        (b"GIF89a\x01\x00\x01\x00" + bytes(32), None, "not a JPEG or PNG"),
        (b"<html>not a picture</html>", None, "not a JPEG or PNG"),
        (b"\x00\x00\x00\x18ftypmp42" + bytes(64), None, "not a JPEG or PNG"),
        (JPEG, b"", "video part is empty"),
    ],
    ids=["empty-picture", "gif", "html", "video-as-picture", "empty-video"],
)
def test_alarm_media_that_cannot_be_stored_is_refused(
    aws: Aws, functions: LoadFunction, picture: bytes, video: bytes | None, words: str
) -> None:
    """GIVEN an alarm push whose picture is empty or not a JPEG/PNG, or whose video is empty
    WHEN it arrives
    THEN the reply is 400 and nothing is stored."""
    aws.register()
    event = alarm_event(picture=picture, video=video)
    status, message = refused(aws, functions("AlarmFunction"), event)

    assert status == 400
    assert words in message


def test_alarm_push_of_an_unknown_camera_is_refused_with_403(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN AcceptUnknownCameras=false and an unregistered vuid
    WHEN it pushes a valid alarm
    THEN the reply is 403, no media and no record are stored and no camera is created."""
    aws.register()
    event = alarm_event(vuid="OKB0379853SNLJ")
    status, message = refused(aws, functions("AlarmFunction"), event)

    assert status == 403
    assert "vstarcam-push cameras add OKB0379853SNLJ" in message
    assert aws.camera("OKB0379853SNLJ") is None


def test_alarm_push_over_the_lambda_request_limit_is_refused_with_413(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN an alarm push whose event body is over Lambda's 6 MB request limit
    WHEN it reaches the function (a front door other than API Gateway might pass it)
    THEN the reply is 413 naming the limit, and nothing is stored."""
    aws.register()
    picture = JPEG + bytes(MAX_REQUEST_BYTES * 3 // 4)
    status, message = refused(aws, functions("AlarmFunction"), alarm_event(picture=picture))

    assert status == 413
    assert "6 MB" in message
