"""API Gateway's HTTP API on one machine: routes from the template, payload v2 events.

Each request on a route becomes the event HTTP API would send (payload format
2.0): lower-case headers, cookies apart, the body as text for text types
(``text/*``, JSON, JavaScript, XML) and base64 for everything else
(multipart included), ``requestContext`` with ``timeEpoch``, ``requestId``,
``http.method/path/sourceIp``, ``routeKey`` and stage ``$default``. The
function's reply is turned back into HTTP as HTTP API does: a ``statusCode``
reply as given, any other value as a ``200`` JSON body, a function error as
``500 {"message":"Internal Server Error"}``.

Requests HTTP API never delivers are refused here too, without invoking the
function: an unknown route (``404 {"message":"Not Found"}``), an event over
Lambda's 6 MB limit (``413`` in the camera protocol's wire shape), and a
request on a route with a JWT authorizer whose token that authorizer refuses
(``401 {"message":"Unauthorized"}``; the token's claims reach the function in
``requestContext.authorizer.jwt`` as HTTP API puts them).
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

from vstarcam_push.runtime.http_event import MAX_REQUEST_BYTES
from werkzeug.wsgi import get_input_stream

from vstarcam_tools.local.workers import Invocation
from vstarcam_tools.template import FunctionSpec

# API Gateway's own payload limit: a bigger body is refused before the event is built.
API_MAX_BODY_BYTES = 10 * 1024 * 1024
_TEXT_TYPES = ("application/json", "application/javascript", "application/xml")
_READ_CHUNK = 64 * 1024

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    # The name of the route's authorizer (Auth.Authorizer), None for an open route.
    authorizer: str | None = None

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters if the request is on this route (``{}`` for none), else None.

        A ``{name}`` segment matches one non-empty path segment, as in HTTP API.
        """
        if self.method not in ("ANY", method):
            return None
        template, actual = self.path.strip("/").split("/"), path.strip("/").split("/")
        if len(template) != len(actual):
            return None
        parameters: dict[str, str] = {}
        for pattern, segment in zip(template, actual, strict=True):
            if pattern.startswith("{") and pattern.endswith("}"):
                if not segment:
                    return None
                parameters[pattern[1:-1]] = segment
            elif pattern != segment:
                return None
        return parameters


def routes_of(functions: dict[str, FunctionSpec]) -> list[Route]:
    """The ``HttpApi`` events of the template's functions."""
    return [
        Route(
            method=str(event["Properties"].get("Method", "ANY")).upper(),
            path=event["Properties"]["Path"],
            function=logical_id,
            authorizer=_authorizer_of(event["Properties"]),
        )
        for logical_id, spec in functions.items()
        for event in spec.events.values()
        if event.get("Type") == "HttpApi"
    ]


def _authorizer_of(properties: dict[str, Any]) -> str | None:
    name = (properties.get("Auth") or {}).get("Authorizer")
    return None if name in (None, "NONE") else str(name)


# An authorizer: the Authorization header's value -> the token's claims, or None to refuse.
Authorizer = Callable[[str], dict[str, Any] | None]


@dataclass(frozen=True)
class RequestRecord:
    """What the local stack logs about one request."""

    method: str
    path: str
    route: Route | None
    status: int
    duration_ms: float
    cold_start: bool
    content_type: str
    body: bytes
    error: dict[str, Any] | None
    # What the function said for people (an alarm already stored, ...): printed after it.
    notices: tuple[str, ...] = ()


def is_text(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return (
        media_type.startswith("text/")
        or media_type in _TEXT_TYPES
        or media_type.endswith(("+json", "+xml"))
    )


class HttpApi:
    """A WSGI application serving ``routes`` by calling ``invoke(function, event)``."""

    def __init__(
        self,
        routes: list[Route],
        invoke: Callable[[str, dict[str, Any]], Invocation],
        *,
        api_id: str,
        account: str,
        on_request: Callable[[RequestRecord], None] | None = None,
        authorizers: dict[str, Authorizer] | None = None,
        function_urls: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.routes = routes
        # CameraEndpoint=FunctionUrl: (function, API event) -> the event its function URL
        # sends, for the functions that have one (vstarcam_tools.function_urls).
        self.function_urls = function_urls
        self.authorizers = authorizers or {}
        self.invoke = invoke
        self.api_id = api_id
        self.account = account
        self.on_request = on_request

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.monotonic()
        now_ms = int(time.time() * 1000)
        request_id = _request_id()
        method = environ["REQUEST_METHOD"].upper()
        path = environ.get("PATH_INFO") or "/"
        content_type = environ.get("CONTENT_TYPE", "")
        route, path_parameters = self._route(method, path)
        body = _read_body(environ)
        invocation: Invocation | None = None
        close = False
        if body is None:
            status, headers, payload = _too_large()
            body, close = b"", True
        elif route is None:
            status, headers, payload = _json_reply(404, {"message": "Not Found"})
        elif (claims := self._authorize(route, environ)) is False:
            status, headers, payload = _json_reply(401, {"message": "Unauthorized"})
            headers.append(("www-authenticate", "Bearer"))
        else:
            event = http_event(environ, route, body, request_id, now_ms, self.api_id, self.account)
            if path_parameters:
                event["pathParameters"] = path_parameters
            if isinstance(claims, dict):
                event["requestContext"]["authorizer"] = {
                    "jwt": {
                        # HTTP API hands the function every claim as text.
                        "claims": {k: _claim_text(v) for k, v in claims.items()},
                        "scopes": None,
                    }
                }
            if self.function_urls is not None:
                event = self.function_urls(route.function, event)
            if len(json.dumps(event)) > MAX_REQUEST_BYTES:
                status, headers, payload = _too_large()
            else:
                invocation = self.invoke(route.function, event)
                status, headers, payload = _http_reply(invocation)
        headers.append(("apigw-requestid", request_id))
        headers.append(("content-length", str(len(payload))))
        if close:
            headers.append(("connection", "close"))
        start_response(f"{status} {_phrase(status)}", headers)
        if self.on_request is not None:
            self.on_request(
                RequestRecord(
                    method=method,
                    path=path,
                    route=route,
                    status=status,
                    duration_ms=(time.monotonic() - started) * 1000,
                    cold_start=invocation.cold_start if invocation else False,
                    content_type=content_type,
                    body=body,
                    error=invocation.error if invocation else None,
                    notices=invocation.notices if invocation else (),
                )
            )
        return [payload]

    def _authorize(self, route: Route, environ: dict[str, Any]) -> dict[str, Any] | bool:
        """True for an open route, the claims of an accepted token, False to refuse."""
        if route.authorizer is None:
            return True
        authorizer = self.authorizers.get(route.authorizer)
        if authorizer is None:
            # A route naming an authorizer the API does not have is never opened.
            return False
        claims = authorizer(environ.get("HTTP_AUTHORIZATION", ""))
        return claims if claims is not None else False

    def _route(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        # Exact paths first, as HTTP API prefers the most specific route.
        for route in sorted(self.routes, key=lambda r: "{" in r.path):
            parameters = route.match(method, path)
            if parameters is not None:
                return route, parameters
        return None, {}


def http_event(
    environ: dict[str, Any],
    route: Route,
    body: bytes,
    request_id: str,
    now_ms: int,
    api_id: str,
    account: str,
) -> dict[str, Any]:
    """The HTTP API payload v2 event of a WSGI request."""
    headers: dict[str, str] = {}
    for name, value in environ.items():
        if name.startswith("HTTP_"):
            headers[name[5:].replace("_", "-").lower()] = value
        elif name in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers[name.replace("_", "-").lower()] = value
    cookies = headers.pop("cookie", "")
    source_ip = environ.get("REMOTE_ADDR", "")
    headers["x-forwarded-for"] = source_ip
    headers["x-forwarded-proto"] = environ.get("wsgi.url_scheme", "http")
    headers["x-forwarded-port"] = str(environ.get("SERVER_PORT", ""))
    headers["x-amzn-trace-id"] = f"Root=1-{int(now_ms / 1000):08x}-{secrets.token_hex(12)}"
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or route.path
    query = environ.get("QUERY_STRING", "")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": urlsplit(raw_uri).path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": account,
            "apiId": api_id,
            "domainName": headers.get("host", ""),
            "domainPrefix": headers.get("host", "").split(".", 1)[0],
            "http": {
                "method": environ["REQUEST_METHOD"].upper(),
                "path": environ.get("PATH_INFO") or "/",
                "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route.key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now_ms / 1000)),
            "timeEpoch": now_ms,
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = [c.strip() for c in cookies.split(";") if c.strip()]
    if query:
        parameters: dict[str, list[str]] = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            parameters.setdefault(name, []).append(value)
        event["queryStringParameters"] = {k: ",".join(v) for k, v in parameters.items()}
    if body:
        if is_text(headers.get("content-type", "")):
            event["body"] = body.decode("utf-8", errors="replace")
        else:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def _claim_text(value: Any) -> str:
    if isinstance(value, list):
        return "[" + " ".join(str(item) for item in value) + "]"
    return str(value)


def _read_body(environ: dict[str, Any]) -> bytes | None:
    """The request body (chunked or not), or None if it is over API Gateway's limit."""
    stream = get_input_stream(environ)
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(_READ_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > API_MAX_BODY_BYTES:
            return None
        chunks.append(chunk)


def _too_large() -> tuple[int, list[tuple[str, str]], bytes]:
    limit = MAX_REQUEST_BYTES // (1024 * 1024)
    return _json_reply(413, {"code": "413", "message": f"request is over the {limit} MB limit"})


def _json_reply(status: int, document: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    body = json.dumps(document, separators=(",", ":")).encode()
    return status, [("content-type", "application/json")], body


def _http_reply(invocation: Invocation) -> tuple[int, list[tuple[str, str]], bytes]:
    """HTTP API's reading of a payload v2 function reply."""
    internal_error = _json_reply(500, {"message": "Internal Server Error"})
    if invocation.error is not None:
        return internal_error
    reply = invocation.payload
    if not (isinstance(reply, dict) and "statusCode" in reply):
        return _json_reply(200, reply)
    try:
        status = int(reply["statusCode"])
        HTTPStatus(status)
        headers = [(str(k).lower(), str(v)) for k, v in (reply.get("headers") or {}).items()]
        headers += [("set-cookie", str(cookie)) for cookie in reply.get("cookies") or []]
        text = reply.get("body") or ""
        body = base64.b64decode(text) if reply.get("isBase64Encoded") else str(text).encode()
    except (TypeError, ValueError):
        return internal_error
    return status, [(k, v) for k, v in headers if k != "content-length"], body


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _request_id() -> str:
    # HTTP API request ids look like "JKJaXmPLvHcESHA=": short, base64-ish.
    return base64.b64encode(uuid.uuid4().bytes[:10]).decode()


class AwsSdkHint:
    """WSGI middleware: an AWS SDK's request (SigV4-signed) sent to the local API gets an
    AWS error naming the endpoint it meant, ``AWS_ENDPOINT_URL=<moto>``.

    Its usual cause is ``AWS_ENDPOINT_URL`` set to the first port the start message
    shows; the answer is in the shape the SDK reads (JSON for JSON protocols, XML for
    the others), so the CLI and the ``aws`` CLI print it as one line. Cameras and the
    console never sign with SigV4; the deployed API answers them the same.
    """

    CODE = "NotTheAwsEndpoint"

    def __init__(self, app: Callable[..., Iterable[bytes]], moto_endpoint: str) -> None:
        self.app = app
        self.moto_endpoint = moto_endpoint

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not environ.get("HTTP_AUTHORIZATION", "").startswith("AWS4-HMAC-SHA256 "):
            return self.app(environ, start_response)
        message = (
            "this is the local stack's camera API, not its AWS endpoint: "
            f"set AWS_ENDPOINT_URL={self.moto_endpoint}"
        )
        content_type = environ.get("CONTENT_TYPE", "")
        if environ.get("HTTP_X_AMZ_TARGET") or "json" in content_type:
            body = json.dumps({"__type": self.CODE, "message": message}).encode()
            headers = [("content-type", "application/x-amz-json-1.1")]
        else:
            body = (
                "<ErrorResponse><Error><Type>Sender</Type>"
                f"<Code>{self.CODE}</Code><Message>{escape(message)}</Message>"
                "</Error><RequestId>local</RequestId></ErrorResponse>"
            ).encode()
            headers = [("content-type", "text/xml")]
        headers += [("x-amzn-errortype", self.CODE), ("content-length", str(len(body)))]
        start_response("400 Bad Request", headers)
        return [body]
