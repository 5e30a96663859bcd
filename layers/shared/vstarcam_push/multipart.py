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

from vstarcam_push.errors import BadRequest, UnsupportedMediaType

# A camera sends 3 or 4 parts (vuid, type, picture, video). More than this is not a
# camera: 440,000 empty parts in 4.4 MB took 1.7 s of CPU to parse, a real 4 MB push 3 ms.
MAX_PARTS = 8

# The parser logs each malformed body as a plain-text warning; the endpoint
# already logs the refusal, with its reason, as structured JSON.
logging.getLogger("python_multipart").setLevel(logging.ERROR)


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


def parse_form(body: bytes, content_type: str, max_parts: int = MAX_PARTS) -> dict[str, Part]:
    """Split a multipart/form-data body into its parts by field name (first one wins).

    More than ``max_parts`` parts (a camera's limit by default) is refused as soon as the
    next part begins.
    """
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

    reader = _FormReader(max_parts)
    try:
        MultipartParser(boundary, reader.callbacks()).write(body)
    except MultipartParseError as error:
        raise BadRequest(f"multipart body is malformed: {error}", reason="malformed") from error
    except UnicodeDecodeError as error:
        raise BadRequest("multipart part headers are not UTF-8", reason="malformed") from error
    if not reader.ended:
        raise BadRequest(
            "multipart body is malformed: its last part is not closed", reason="malformed"
        )
    if not reader.begun:
        # RFC 2046: a multipart body holds at least one part.
        raise BadRequest("multipart body is malformed: it has no parts", reason="malformed")
    return reader.parts


class _FormReader:
    """python-multipart's callbacks: each part's headers and content, collected by field name."""

    def __init__(self, max_parts: int = MAX_PARTS) -> None:
        self.max_parts = max_parts
        self.parts: dict[str, Part] = {}
        self.begun = False
        self.ended = False
        self.count = 0
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
        if self.count > self.max_parts:
            # Raised inside the parser's callback: parsing stops here, at the part too many.
            raise BadRequest(
                f"multipart body has more than {self.max_parts} parts: a camera sends 3 or 4",
                reason="too_many_parts",
            )
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
