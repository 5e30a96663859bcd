"""The local stack's sockets and servers: binding ports, threaded WSGI servers, the address
cameras can reach."""

from __future__ import annotations

import socket
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server


def reachable_host(host: str) -> str:
    """The address cameras can use: the LAN address when listening on every interface."""
    if host not in ("0.0.0.0", "::", ""):
        return host
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            # A UDP connect only picks the outgoing interface; nothing is sent.
            probe.connect(("192.0.2.1", 9))
            return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def bind(host: str, port: int, option: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port} ({error.strerror}): pass {option}") from None
    return sock


# How often serve_forever looks whether it is to stop: stop() waits for that look, and the
# default half second, twice per stop (moto and the API), was most of a stack's stopping.
POLL_INTERVAL_S = 0.05


class ThreadedServer:
    """A threaded werkzeug server on a duplicate of a socket bound (and closed) by the caller.

    moto's ThreadedMotoServer is made of the same parts, but binds in its own
    thread: a port in use leaves its ``start()`` waiting forever.
    """

    def __init__(self, sock: socket.socket, app: Any, handler: Any = None) -> None:
        host, port = sock.getsockname()[:2]
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=handler, fd=sock.fileno()
        )
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL_S},
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()
