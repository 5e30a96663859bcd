"""Ingest: the alarm handler's decode + parse + validate, beside ``base64.b64decode`` alone.

Time is the median of interleaved runs; memory is tracemalloc's peak above
what was allocated before the call (the event itself is not counted). The
same measurement is made with each candidate multipart parser plugged in
behind ``parse_form``, so the choice in ``vstarcam_push.ingest.multipart`` is made
by these numbers (docs/performance.md).
"""

from __future__ import annotations

import base64
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from contextlib import contextmanager
from email.message import Message
from importlib.metadata import version
from typing import Any

from vstarcam_push.ingest import alarm_intake as alarm_push
from vstarcam_push.ingest.alarm_intake import parse_alarm_push
from vstarcam_push.ingest.multipart import Part, boundary_of, parse_form
from vstarcam_push.models.errors import BadRequest
from vstarcam_push.runtime.http_event import HttpRequest

from vstarcam_tools.dev.bench import events

SIZES = {"1MB": 1024 * 1024, "4MB": 4 * 1024 * 1024}
VUID = "VE0005622QHOW"


def toolbelt_parse_form(body: bytes, content_type: str) -> dict[str, Part]:
    """The first ``parse_form``, on requests-toolbelt's MultipartDecoder, to compare against."""
    from requests_toolbelt.multipart.decoder import MultipartDecoder

    boundary = boundary_of(content_type)
    if not body.rstrip(b"\r\n").endswith(b"--" + boundary + b"--"):
        raise BadRequest("multipart body is truncated", reason="truncated")
    if not body.startswith(b"--" + boundary):
        raise BadRequest("multipart body does not start with its boundary", reason="malformed")
    parts: dict[str, Part] = {}
    for body_part in MultipartDecoder(body, content_type).parts:
        header = Message()
        header["content-disposition"] = body_part.headers.get(b"content-disposition", b"").decode(
            "latin-1"
        )
        name = header.get_param("name", header="content-disposition")
        if isinstance(name, str) and name:
            part_type = body_part.headers.get(b"content-type", b"").decode("latin-1") or None
            filename = header.get_param("filename", header="content-disposition")
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


IN_USE = (
    f"python-multipart {version('python-multipart')} (vstarcam_push.ingest.multipart.parse_form)"
)
PARSERS: dict[str, Callable[[bytes, str], dict[str, Part]]] = {
    IN_USE: parse_form,
    f"requests-toolbelt {version('requests-toolbelt')} MultipartDecoder": toolbelt_parse_form,
}


@contextmanager
def _parser(parse: Callable[[bytes, str], dict[str, Part]]) -> Any:
    original = alarm_push.parse_form
    alarm_push.parse_form = parse
    try:
        yield
    finally:
        alarm_push.parse_form = original


def _ingest(event: dict[str, Any]) -> object:
    request = HttpRequest.from_event(event)
    return parse_alarm_push(request.body, request.content_type)


def _b64(event: dict[str, Any]) -> object:
    # The handler's own call: strict decoding is also CPython's faster path, so the
    # ratio is the cost of parsing and validating, nothing else.
    return base64.b64decode(event["body"], validate=True)


def _peak(work: Callable[[dict[str, Any]], object], event: dict[str, Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = work(event)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    del result
    return peak


def measure(event: dict[str, Any], runs: int) -> dict[str, Any]:
    _ingest(event)
    ingest_ms: list[float] = []
    b64_ms: list[float] = []
    for _ in range(runs):
        for work, times in ((_ingest, ingest_ms), (_b64, b64_ms)):
            gc.collect()
            start = time.perf_counter()
            work(event)
            times.append((time.perf_counter() - start) * 1000)
    ms, b64 = statistics.median(ingest_ms), statistics.median(b64_ms)
    return {
        "ms": round(ms, 2),
        "b64_ms": round(b64, 2),
        "ratio": round(ms / b64, 3),
        "peak_bytes": _peak(_ingest, event),
        "b64_peak_bytes": _peak(_b64, event),
        "body_bytes": len(base64.b64decode(event["body"])),
    }


def run(runs: int) -> dict[str, Any]:
    """The ``ingest`` section: the parser in use, and each candidate beside it."""
    alarm_events = {
        label: events.alarm_event(VUID, events.picture(size), int(time.time() * 1000))
        for label, size in SIZES.items()
    }
    candidates: dict[str, dict[str, Any]] = {}
    for name, parse in PARSERS.items():
        with _parser(parse):
            candidates[name] = {
                label: measure(event, runs) for label, event in alarm_events.items()
            }
    return {**candidates.pop(IN_USE), "parser": IN_USE, "candidates": candidates}
