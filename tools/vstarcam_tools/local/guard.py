"""What keeps a web page in the operator's browser away from the local stack.

The local stack listens on 127.0.0.1 (or the LAN) without credentials: moto
accepts any, the camera routes need none but a push key. Two things a web page
could otherwise do, and what stops each:

- **Cross-origin reads.** moto's server answers every origin's CORS preflight
  by default, so any page could read and write the local tables and bucket.
  The local stack turns that off (``MOTO_DISABLE_GLOBAL_CORS``) and allows one
  thing instead: the local API's own pages (the web console) may call moto's
  Cognito, the way a browser calls Cognito in AWS.
- **DNS rebinding.** A page on ``evil.example`` whose name is re-pointed at
  127.0.0.1 is same-origin with itself, so CORS does not apply; but its
  requests carry ``Host: evil.example``. Both servers refuse a request whose
  Host is not the address they serve: an IP literal (the bound address, or any
  with ``--host 0.0.0.0``) or ``localhost``, with the server's port. A request
  without Host (HTTP/1.0, as some camera firmware sends) is no browser's and
  passes.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_ANY = ("0.0.0.0", "::", "")
# The only moto API the console's pages call from the browser (sign-in).
_COGNITO_TARGET = "AWSCognitoIdentityProviderService."


def _split_host(header: str) -> tuple[str, int | None] | None:
    """``("127.0.0.1", 3000)`` from a Host header; None if it is not host[:port]."""
    try:
        parts = urlsplit(f"//{header}")
        return (parts.hostname or "", parts.port)
    except ValueError:
        return None


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def host_is_ours(header: str, bound_host: str, port: int) -> bool:
    """Whether a request's Host names the server bound to ``bound_host:port``.

    >>> host_is_ours("127.0.0.1:3000", "127.0.0.1", 3000)
    True
    >>> host_is_ours("evil.example:3000", "127.0.0.1", 3000)
    False
    """
    split = _split_host(header)
    if split is None:
        return False
    name, given_port = split
    if (given_port or 80) != port:
        return False
    if name == "localhost":
        return True
    address = _ip(name)
    if address is None:
        return False
    if bound_host in _ANY:
        return True
    bound = _ip(bound_host)
    if bound is not None and bound.is_loopback:
        return address.is_loopback
    return address == bound


class HostCheck:
    """WSGI middleware: ``403`` for a request addressed to another host (DNS rebinding)."""

    def __init__(self, app: WsgiApp, bound_host: str, port: int) -> None:
        self.app = app
        self.bound_host = bound_host
        self.port = port

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST")
        if host is None or host_is_ours(host, self.bound_host, self.port):
            return self.app(environ, start_response)
        body = json.dumps(
            {"message": f"this server does not serve host {host[:100]!r}"},
            separators=(",", ":"),
        ).encode()
        start_response(
            "403 Forbidden",
            [("content-type", "application/json"), ("content-length", str(len(body)))],
        )
        return [body]


class OwnOriginCors:
    """WSGI middleware for moto: CORS for the local API's own pages calling Cognito, only.

    ``origins()`` gives the local API's origins (known once its port is bound).
    Every other origin, and every other moto service, gets no CORS headers, so a
    browser keeps other pages' scripts from reading the answers.
    """

    def __init__(self, app: WsgiApp, origins: Callable[[], set[str]]) -> None:
        self.app = app
        self.origins = origins

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN", "")
        if not origin or origin not in self.origins():
            return self.app(environ, start_response)
        allow = [("access-control-allow-origin", origin), ("vary", "Origin")]
        if environ["REQUEST_METHOD"] == "OPTIONS" and environ.get(
            "HTTP_ACCESS_CONTROL_REQUEST_METHOD"
        ):
            requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")
            start_response(
                "204 No Content",
                [
                    *allow,
                    ("access-control-allow-methods", "POST"),
                    ("access-control-allow-headers", requested[:500]),
                    ("access-control-max-age", "600"),
                    ("content-length", "0"),
                ],
            )
            return [b""]
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(_COGNITO_TARGET):
            return self.app(environ, start_response)

        def with_cors(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            return start_response(status, [*headers, *allow], *rest)

        return self.app(environ, with_cors)


def own_origins(base_url: str, port: int) -> set[str]:
    """The origins of the local API's pages: its published URL, and loopback by name and IP."""
    return {base_url.rstrip("/"), f"http://127.0.0.1:{port}", f"http://localhost:{port}"}
