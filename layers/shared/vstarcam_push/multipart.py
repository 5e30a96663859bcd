"""multipart/form-data parsing behind one function, so the parser can be swapped.

``parse_form`` is the only entry point; today it uses requests-toolbelt's
``MultipartDecoder``.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

from vstarcam_push.errors import BadRequest, UnsupportedMediaType


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
    # MultipartDecoder accepts a body without its closing delimiter; a camera
    # cut off mid-upload must not be stored as a complete alarm.
    if not body.rstrip(b"\r\n").endswith(b"--" + boundary + b"--"):
        raise BadRequest(
            "multipart body is truncated: the closing boundary is missing", reason="truncated"
        )
    if not body.startswith(b"--" + boundary):
        raise BadRequest("multipart body does not start with its boundary", reason="malformed")

    # Imported on first use: requests-toolbelt pulls in requests, which the
    # heartbeat path never needs (cold start, see docs/performance.md).
    from requests_toolbelt.multipart.decoder import (
        ImproperBodyPartContentException,
        MultipartDecoder,
        NonMultipartContentTypeException,
    )

    try:
        decoder = MultipartDecoder(body, content_type)
    except (ImproperBodyPartContentException, NonMultipartContentTypeException) as error:
        raise BadRequest(f"multipart body is malformed: {error}", reason="malformed") from error
    except (LookupError, ValueError) as error:
        raise BadRequest("multipart body is malformed", reason="malformed") from error

    parts: dict[str, Part] = {}
    for body_part in decoder.parts:
        disposition = _header(body_part.headers, b"content-disposition")
        header = Message()
        header["content-disposition"] = disposition
        name = header.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            continue
        filename = header.get_param("filename", header="content-disposition")
        part_type = _header(body_part.headers, b"content-type") or None
        parts.setdefault(
            name,
            Part(
                name=name,
                filename=filename if isinstance(filename, str) else None,
                content_type=part_type,
                content=body_part.content,
            ),
        )
    return parts


def _header(headers: object, key: bytes) -> str:
    value = headers.get(key, b"")  # type: ignore[attr-defined]
    return value.decode("latin-1") if isinstance(value, bytes) else str(value or "")
