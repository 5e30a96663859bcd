"""The terminal report: the start banner, one line per request, push delivery, SNS message
and dead letter, and the logging set-up that prints them.

Anyone who can send a request chooses some of what is printed (a vuid, a path, a
function's error message). None of it reaches the terminal raw: :func:`clean` strips
control and format characters from each value (no escape sequence, no forged line), the
:class:`SafeFormatter` does it again for every value logged through it, and a path
that matches no route is printed as a route shape (:func:`route_shape`), since a
camera's path carries its push key.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shlex
import shutil
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from vstarcam_tools.local.console import CONSOLE_USER
from vstarcam_tools.local.http_api import RequestRecord, Route

if TYPE_CHECKING:
    from vstarcam_tools.local.runner import LocalStack

logger = logging.getLogger("vstarcam_tools.local")

# A printed value is cut to this many characters (a vuid is 13 to 20).
MAX_VALUE = 200


def clean(value: object, limit: int = MAX_VALUE) -> str:
    """``value`` as one line of printable text: control characters (ESC, CR, LF, ...),
    format characters (bidirectional overrides) and unassigned ones dropped, then cut
    to ``limit`` characters.

    >>> clean("VE1\\n12:00:00  SNS   alarm  \\x1b[2J")
    'VE112:00:00  SNS   alarm  [2J'
    """
    text = value if isinstance(value, str) else str(value)
    kept = "".join(
        " " if category == "Zs" else char
        for char in text
        if (category := unicodedata.category(char))[0] != "C" and category not in ("Zl", "Zp")
    )
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"


class Report(str):
    """Lines this module made from :func:`clean` values: logged as they are, newlines kept."""


class SafeFormatter(logging.Formatter):
    """A formatter that cleans every value a record carries (:func:`clean`; a
    :class:`Report` keeps its newlines), and strips control characters but newlines
    from the whole line (a traceback's text, a message string)."""

    def format(self, record: logging.LogRecord) -> str:
        if isinstance(record.args, Mapping):
            record = logging.makeLogRecord(
                {**record.__dict__, "args": {k: _safe(v) for k, v in record.args.items()}}
            )
        elif record.args:
            record = logging.makeLogRecord(
                {**record.__dict__, "args": tuple(_safe(arg) for arg in record.args)}
            )
        text = super().format(record)
        return "\n".join(clean(line, len(line) + 1) for line in text.split("\n"))


class CleanLines(io.TextIOBase):
    """A text stream that forwards whole lines to ``stream``, each :func:`clean`ed and
    after ``prefix`` (the functions' own output, shown on the terminal with ``--verbose``).

    A function may print a sender's text with its newlines; the prefix on every line
    keeps such a line from passing for one of the stack's own.
    """

    def __init__(self, stream: TextIO, prefix: str = "") -> None:
        super().__init__()
        self._stream = stream
        self._prefix = prefix
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self._stream.write(self._prefix + clean(line, len(line) + 1) + "\n")
        return len(text)

    def flush(self) -> None:
        self._stream.flush()


def _safe(arg: object) -> object:
    if isinstance(arg, int | float):
        return arg
    if isinstance(arg, Report):
        return Report("\n".join(clean(line, 10_000) for line in arg.split("\n")))
    return clean(arg, 10_000)


def route_shape(method: str, path: str, routes: Iterable[Route]) -> str:
    """How an unmatched request is printed: as much of the path as some route's template
    matches, its parameters as ``<name>``, then ``/…``; never a segment of the path
    itself (a camera's path carries its push key).

    >>> route_shape("POST", "/alarm/SECRETKEY/x", [Route("POST", "/alarm/{key}", "F")])
    'POST /alarm/<key>/…'
    """
    segments = [segment for segment in path.split("/") if segment][:50]
    best: list[str] = []
    for route in routes:
        template = [segment for segment in route.path.split("/") if segment]
        shape: list[str] = []
        for pattern, segment in zip(template, segments, strict=False):
            if pattern.startswith("{") and pattern.endswith("}"):
                shape.append(f"<{pattern[1:-1]}>")
            elif pattern == segment:
                shape.append(pattern)
            else:
                break
        if len(shape) > len(best):
            best = shape
    rest = "/…" if len(segments) > len(best) else ""
    shown = "/" + "/".join(best) + rest if best else ("/…" if segments else "/")
    return f"{clean(method, 10)} {shown}"


def describe_notification(message: str, subject: str | None, attributes: dict[str, Any]) -> str:
    """A line for a published message: event, vuid and its SMS text (or subject); then the
    email's media links, each on its own line, since this console stands in for the inbox."""

    def attribute(name: str) -> str:
        value = attributes.get(name) or {}
        return clean(value.get("Value") or value.get("StringValue") or "-", 40)

    text, links = message, []
    try:
        document = json.loads(message)
        if isinstance(document, dict):
            text = str(document.get("sms") or document.get("default") or message)
            email = str(document.get("email") or "")
            links = [line for line in email.splitlines() if line.startswith("Open the ")]
    except ValueError:
        pass
    text = " ".join(clean(text, 10_000).split()) or clean(subject or "")
    line = f"SNS   {attribute('event'):<8} {attribute('vuid'):<16} {clean(text, 1000)}"
    return Report("\n".join([line, *(f"{'':>10}{clean(link, 1000)}" for link in links)]))


def request_logger(routes: Iterable[Route]) -> Callable[[RequestRecord], None]:
    """What the local HTTP API calls after each request: one line, see :func:`request_line`."""
    known = list(routes)

    def log_request(record: RequestRecord) -> None:
        logger.info("%s", request_line(record, known))
        for line in record.notices:
            logger.info("%s", clean(line, 1000))

    return log_request


def request_line(record: RequestRecord, routes: Iterable[Route]) -> str:
    """``POST /alarm/{key}  VE0005622QHOW  200  41 ms``: the route (or the shape of an
    unmatched path), the vuid, the status, the time, and a function error if any."""
    route = record.route.key if record.route else route_shape(record.method, record.path, routes)
    cold = " (cold start)" if record.cold_start else ""
    detail = ""
    if record.error is not None:
        detail = f"  function error: {clean(record.error.get('errorMessage', ''), 500)}"
    vuid = request_vuid(record.content_type, record.body)
    return f"{route:<22} {vuid:<16} {record.status:d} {record.duration_ms:6.0f} ms{cold}{detail}"


def request_vuid(content_type: str, body: bytes) -> str:
    """The vuid a heartbeat or alarm push names, for the log line; ``-`` if none can be read."""
    if not body:
        return "-"
    try:
        if "multipart/" in content_type.lower():
            from vstarcam_push.ingest.multipart import parse_form

            part = parse_form(body, content_type).get("vuid")
            vuid: Any = part.content.decode("ascii", "replace") if part else None
        else:
            document = json.loads(body)
            vuid = document.get("vuid") if isinstance(document, dict) else None
    except Exception:
        return "-"
    return clean(vuid, 32) or "-" if vuid else "-"


def print_banner(local: LocalStack) -> None:
    options, outputs = local.options, local.outputs
    lines = [
        f"vstarcam-push local stack {local.stack.name!r} in {local.stack.region} (moto, no Docker)",
        f"Heartbeat URL: {outputs['HeartbeatUrl']} + /<the camera's push key>",
        f"Alarm URL: {outputs['AlarmUrl']} + /<the camera's push key>",
        f"AWS_ENDPOINT_URL={local.endpoint}",
    ]
    if "ConsoleUrl" in outputs:
        # A password kept from the last run may be the user's own: it is not shown.
        password = (
            local.console_password or "unchanged since the last run: --console-password sets one"
        )
        lines.append(f"Console: {outputs['ConsoleUrl']} (user {CONSOLE_USER}, password {password})")
    if options.host in ("0.0.0.0", "::", ""):
        lines.append(
            "Listening on every interface: set these URLs on your cameras (plain HTTP; "
            "use the address of this machine that the cameras can reach)."
        )
    if any(rules.mfa != "OFF" for rules in local.sign_in_rules.values()):
        lines.append(
            "Two-step sign-in: moto accepts any 6-digit code, so here it proves nothing "
            "(deployed, Cognito checks the authenticator app's code)."
        )
    cli = cli_command()
    lines += [
        "Use the CLI against it (paste these lines into another terminal):",
        f"  export AWS_ENDPOINT_URL={local.endpoint} AWS_REGION={local.stack.region}",
        f'  {cli} cameras add VE0005622QHOW --name "Front door"',
        f"  {cli} cameras urls VE0005622QHOW",
        "(cameras urls prints the camera's own URLs again, with its push key)",
        f"Schedules: {', '.join(local.describe_schedules()) or 'none'}",
        local.state.describe() if local.state else "State: not kept (--no-state)",
        "Function logs: "
        + ("shown here (--verbose)" if options.verbose else f"{local.log_dir}/<Function>.log"),
        "Ready: requests and SNS notifications are logged below. Ctrl-C stops.",
    ]
    print("\n".join(lines), flush=True)


def cli_command() -> str:
    """The CLI as a shell runs it from anywhere: ``vstarcam-push`` if the shell finds
    this installation's, else its full path (``make run`` runs it from ``.venv/bin``,
    which is not on the PATH)."""
    # Not resolved: a virtualenv's python is a link to the system's, its scripts are not.
    installed = Path(sys.executable).parent / "vstarcam-push"
    found = shutil.which("vstarcam-push")
    if not installed.exists():
        return "vstarcam-push"
    if found and os.path.samefile(found, installed):
        return "vstarcam-push"
    return shlex.quote(str(installed.absolute()))


def configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(SafeFormatter("%(asctime)s  %(message)s", datefmt="%H:%M:%S"))
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    # werkzeug would log every request to moto and to the API a second time; its errors
    # (and any other library's warnings) are cleaned as the stack's own lines are.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    root = logging.getLogger()
    if not root.handlers:
        fallback = logging.StreamHandler(sys.stderr)
        fallback.setLevel(logging.WARNING)
        fallback.setFormatter(SafeFormatter("%(message)s"))
        root.addHandler(fallback)
