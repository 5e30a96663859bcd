"""A total deadline for one send: the request, the answer's headers and its body.

urllib3's timeouts bound each socket operation, not the send: a server that answers one
byte a second never trips a 20 s read timeout (each byte comes within it) and held one
delivery for 26 s, and ``Timeout(total=...)`` only shortens the wait before the first
byte of the answer. So the connection classes here hand their socket to the send's
:class:`Deadline`, whose watchdog shuts the socket down when the deadline passes: the
read blocked in it returns at once, and the send ends as a timeout. Connecting (and the
TLS handshake) is bounded by the connect timeout, which the deadline caps.

The pool classes plug into urllib3 through ``PoolManager.pool_classes_by_scheme``;
a pool of them behaves exactly as urllib3's own outside a :class:`Deadline`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()


class Deadline:
    """``with Deadline(10):`` one send, which must end within 10 s of the ``with``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._at = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._timer: threading.Timer | None = None
        self._done = False
        self.expired = False

    def remaining(self) -> float:
        return max(0.0, self._at - time.monotonic())

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down at the deadline (the socket the send is using now)."""
        with self._lock:
            if self._done:
                return
            self._socket = sock
            if self._timer is None:
                self._timer = threading.Timer(self.remaining(), self._expire)
                self._timer.daemon = True
                self._timer.start()

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            sock = self._socket
        if sock is not None:
            # socket.socket's own shutdown, not SSLSocket's, which would also drop its TLS
            # state under the reading thread: the read just sees the connection end.
            with contextlib.suppress(OSError):  # already closed
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def __enter__(self) -> Deadline:
        _current.deadline = self
        return self

    def __exit__(self, *exc_info: object) -> None:
        _current.deadline = None
        with self._lock:
            self._done = True
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()


def _watch(sock: Any) -> None:
    deadline: Deadline | None = getattr(_current, "deadline", None)
    if deadline is not None and sock is not None:
        deadline.watch(sock)


class _Watched:
    """A connection that hands its socket to the running send's deadline: when it
    connects, and when a kept-alive connection is used again."""

    sock: Any

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _watch(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]


class WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


POOL_CLASSES = {"http": WatchedHTTPConnectionPool, "https": WatchedHTTPSConnectionPool}
