"""multipart/form-data parsing behind one function, so the parser can be swapped.

``parse_form`` is the only entry point; it uses python-multipart's streaming
``MultipartParser``, fed the whole body at once. Chosen over requests-toolbelt
by ``make bench`` (docs/performance.md): it copies a part's bytes once instead
of three times, and does not import ``requests`` on the cold path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser

from vstarcam_push.models.errors import BadRequest, UnsupportedMediaType

# The parser logs each malformed body as a plain-text warning; the endpoint
# already logs the refusal, with its reason, as structured JSON.
logging.getLogger("python_multipart").setLevel(logging.ERROR)


# A camera sends vuid, type, picture and video; room for firmware that adds a few fields,
# and a bound on the work a body of many tiny parts makes (100,000 parts took 6 s).
MAX_PARTS = 32


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None
    content: bytes


def boundary_of(content_type: str) -> bytes:
    """The boundary of a ``multipart/form-data`` Content-Type, or a refusal."""
    header = Message()
    header["content-type"] = content_type
    if header.get_content_type() != "multipart/form-data":
        raise UnsupportedMediaType(
            "alarm push must be multipart/form-data, "
            f"got {content_type[:80] or 'no content type'!r}",
            reason="not_multipart",
        )
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str) or not boundary or len(boundary) > 200:
        raise BadRequest("multipart content type has no boundary", reason="no_boundary")
    return boundary.encode("latin-1", errors="replace")


def parse_form(body: bytes, content_type: str) -> dict[str, Part]:
    """Split a multipart/form-data body into its parts by field name (first one wins)."""
    boundary = boundary_of(content_type)
    # A camera cut off mid-upload must not be stored as a complete alarm; checked
    # here, before parsing, so the refusal says "truncated".
    if not body.rstrip(b"\r\n").endswith(b"--" + boundary + b"--"):
        raise BadRequest(
            "multipart body is truncated: the closing boundary is missing", reason="truncated"
        )
    if not body.startswith(b"--" + boundary):
        # RFC 2046 allows a preamble before the first boundary; hand-built bodies
        # often start with a lone CRLF (each part written as "\r\n--boundary...").
        start = body.find(b"\r\n--" + boundary)
        if start < 0:
            raise BadRequest("multipart body does not start with its boundary", reason="malformed")
        body = body[start + 2 :]

    reader = _FormReader()
    try:
        MultipartParser(boundary, reader.callbacks()).write(body)
    except MultipartParseError as error:
        raise BadRequest(_in_camera_terms(error), reason="malformed") from error
    except UnicodeDecodeError as error:
        raise BadRequest("multipart part headers are not UTF-8", reason="malformed") from error
    except _TooManyParts as error:
        raise BadRequest(
            f"multipart body has more than {MAX_PARTS} parts: an alarm push has at most four "
            "(vuid, type, picture and video)",
            reason="too_many_parts",
        ) from error
    if not reader.ended:
        raise BadRequest(
            "multipart body is malformed: its last part is not closed", reason="malformed"
        )
    if not reader.begun:
        # RFC 2046: a multipart body holds at least one part.
        raise BadRequest("multipart body is malformed: it has no parts", reason="malformed")
    return reader.parts


# The parser's own words ("Did not find CR at end of boundary (13)") are about its state
# machine; a refusal says which line of the push is wrong, as the camera's firmware wrote it.
_PARSER_ERRORS = (
    ("Maximum header", "multipart body is malformed: a part has too many or too long headers"),
    (
        "boundary",
        "multipart body is malformed: a boundary line is broken "
        "(each part starts with --<boundary> and a line break)",
    ),
    (
        "header",
        "multipart body is malformed: a part's headers are broken "
        "(each is 'Name: value' on its own line, then an empty line)",
    ),
)


def _in_camera_terms(error: MultipartParseError) -> str:
    text = str(error)
    for clue, message in _PARSER_ERRORS:
        if clue in text:
            return message
    return "multipart body is malformed"


class _TooManyParts(Exception):
    """Raised from the parser's callback: the body has more parts than a camera sends."""


class _FormReader:
    """python-multipart's callbacks: each part's headers and content, collected by field name."""

    def __init__(self) -> None:
        self.parts: dict[str, Part] = {}
        self.count = 0
        self.begun = False
        self.ended = False
        self._headers: dict[str, str] = {}
        self._field: list[bytes] = []
        self._value: list[bytes] = []
        self._content: list[bytes] = []

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda data, start, end: self._field.append(data[start:end]),
            "on_header_value": lambda data, start, end: self._value.append(data[start:end]),
            "on_header_end": self._header_end,
            "on_part_data": lambda data, start, end: self._content.append(data[start:end]),
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self.begun = True
        self.count += 1
        if self.count > MAX_PARTS:
            raise _TooManyParts
        self._headers, self._content = {}, []

    def _header_end(self) -> None:
        name = b"".join(self._field).decode("utf-8").strip().lower()
        self._headers[name] = b"".join(self._value).decode("utf-8").strip()
        self._field, self._value = [], []

    def _part_end(self) -> None:
        header = Message()
        header["content-disposition"] = self._headers.get("content-disposition", "")
        name = header.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name or name in self.parts:
            return
        filename = header.get_param("filename", header="content-disposition")
        # One chunk when the body is written at once: no second copy of a picture.
        content = self._content[0] if len(self._content) == 1 else b"".join(self._content)
        self.parts[name] = Part(
            name=name,
            filename=filename if isinstance(filename, str) else None,
            content_type=self._headers.get("content-type") or None,
            content=content,
        )

    def _end(self) -> None:
        self.ended = True
