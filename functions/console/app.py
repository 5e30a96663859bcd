"""GET /, GET /sw.js and GET /console/{version}/{file}: the web console's page, its
service worker and its files.

The files in ``web/`` ship inside this function, so the page comes from the
same origin as its API (no CORS) and every response carries the console's
security headers, which an S3 origin behind HTTP API could not add. The
version in the file URLs is a digest of all the files: those URLs never
change content, so browsers keep them a year, while the page itself is
revalidated on every load. Text files are gzipped once, at start.

The service worker (``sw.js``) is what makes the console an installable app
that opens offline: it must live at the root to control the page at ``/``, so
it has an address of its own that never changes; its content names this
version, so a new deployment's worker is a new file the browser installs. The
web app manifest and its icons are versioned files like the others.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import os
from pathlib import Path
from typing import Any, NamedTuple

from vstarcam_push.console.http import content_security_policy, origin_of, security_headers
from vstarcam_push.models.alarm_types import ALARM_TYPE_NAMES, AlarmType
from vstarcam_push.runtime.logs import quiet_wire_loggers

quiet_wire_loggers()  # no secret in the logs at any level (runtime/logs.py)

WEB = Path(__file__).resolve().parent / "web"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".webmanifest": "application/manifest+json",
}
# Already compressed: gzip would only cost CPU.
BINARY = {".png"}
# Served at /sw.js (its own route), not under /console/{version}/.
WORKER = "sw.js"
IMMUTABLE = "public, max-age=31536000, immutable"


class File(NamedTuple):
    content_type: str
    body: bytes
    gzipped: bytes | None  # None: sent as it is (a PNG)
    etag: str


def _load() -> tuple[str, dict[str, bytes]]:
    files = {
        path.name: path.read_bytes()
        for path in sorted(WEB.iterdir())
        if path.suffix in CONTENT_TYPES and path.is_file()
    }
    digest = hashlib.sha256()
    for name, body in files.items():
        digest.update(name.encode() + b"\0" + body + b"\0")
    return digest.hexdigest()[:12], files


def _file(name: str, body: bytes) -> File:
    suffix = Path(name).suffix
    return File(
        content_type=CONTENT_TYPES[suffix],
        body=body,
        gzipped=None if suffix in BINARY else gzip.compress(body, compresslevel=9, mtime=0),
        etag='"' + hashlib.sha256(body).hexdigest()[:16] + '"',
    )


VERSION, _SOURCES = _load()
CONFIG = {
    "version": VERSION,
    "cognitoEndpoint": os.environ.get("COGNITO_ENDPOINT", ""),
    "clientId": os.environ.get("COGNITO_CLIENT_ID", ""),
    # The alarm type filter offers the vendor's codes, named as everywhere else.
    "alarmTypes": [
        {"hex": AlarmType(code).hex, "name": name} for code, name in ALARM_TYPE_NAMES.items()
    ],
}
MEDIA_ORIGIN = origin_of(os.environ.get("MEDIA_ORIGIN", ""))
CSP = (
    content_security_policy(MEDIA_ORIGIN, origin_of(os.environ.get("COGNITO_ENDPOINT", "")))
    # The installable app: its manifest and its service worker, from here only.
    + "; manifest-src 'self'; worker-src 'self'"
)
# The worker's own policy (a worker is governed by its script's headers, not the page's):
# it fetches this origin's files and the bucket's thumbnails, and nothing else. Chromium
# loads a notification's image, icon and badge under it too (img-src): the icons are this
# origin's, an alarm's picture this origin's thumbnail link and the bucket it redirects to.
WORKER_CSP = "; ".join(
    [
        "default-src 'none'",
        "connect-src " + " ".join(filter(None, ["'self'", MEDIA_ORIGIN])),
        "img-src " + " ".join(filter(None, ["'self'", MEDIA_ORIGIN])),
        "frame-ancestors 'none'",
    ]
)
# The page names this version's files and carries the sign-in settings in a <meta> tag
# (no inline script: the CSP forbids it).
PAGE = _file(
    "index.html",
    _SOURCES["index.html"]
    .decode()
    .replace("__VERSION__", VERSION)
    .replace("__CONFIG__", html.escape(json.dumps(CONFIG, separators=(",", ":")), quote=True))
    .encode(),
)
FILES = {
    name: _file(name, body) for name, body in _SOURCES.items() if name not in ("index.html", WORKER)
}
# The worker keeps the page and exactly these files (its app shell), and the thumbnails of
# the media bucket's origin.
SERVICE_WORKER = _file(
    WORKER,
    _SOURCES[WORKER]
    .decode()
    .replace("__VERSION__", VERSION)
    .replace('["__FILES__"]', json.dumps(sorted(FILES)))
    .replace("__MEDIA_ORIGIN__", MEDIA_ORIGIN)
    .encode(),
)


def _reply(
    status: int,
    headers: dict[str, str],
    body: bytes = b"",
    gzipped: bool = False,
    binary: bool = False,
    csp: str = CSP,
) -> dict[str, Any]:
    encoded = gzipped or binary
    reply: dict[str, Any] = {
        "statusCode": status,
        "headers": {**security_headers(csp), **headers},
        "body": base64.b64encode(body).decode() if encoded else body.decode(),
        "isBase64Encoded": encoded,
    }
    if gzipped:
        reply["headers"]["content-encoding"] = "gzip"
    return reply


def _serve(file: File, event: dict[str, Any], cache_control: str, csp: str = CSP) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    common = {"cache-control": cache_control, "etag": file.etag, "vary": "accept-encoding"}
    if headers.get("if-none-match") == file.etag:
        return _reply(304, common, csp=csp)
    typed = {**common, "content-type": file.content_type}
    if file.gzipped is None:
        return _reply(200, typed, file.body, binary=True, csp=csp)
    gzipped = "gzip" in headers.get("accept-encoding", "")
    body = file.gzipped if gzipped else file.body
    return _reply(200, typed, body, gzipped, csp=csp)


def _not_found() -> dict[str, Any]:
    return _reply(
        404,
        {"content-type": "text/plain; charset=utf-8", "cache-control": "no-store"},
        b"not found\n",
    )


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("routeKey") == "GET /":
        # Revalidated on every load, so a new deployment's page (and files) is seen at once.
        return _serve(PAGE, event, "no-cache")
    if event.get("routeKey") == "GET /sw.js":
        # Revalidated on every check (browsers cap a worker's caching at 24 h anyway), so a
        # new deployment reaches installed consoles the next time they open.
        return _serve(SERVICE_WORKER, event, "no-cache", WORKER_CSP)
    parameters = event.get("pathParameters") or {}
    file = FILES.get(parameters.get("file", ""))
    if file is None or parameters.get("version") != VERSION:
        return _not_found()
    return _serve(file, event, IMMUTABLE)
