"""A stand-in for the receiver's two endpoints on 127.0.0.1: records every request and
answers in the camera protocol's shape, with the reply chosen per path."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

SUCCESS = (200, "application/json", b'{"code":"200","message":"Success"}')


@dataclass(frozen=True)
class Recorded:
    path: str
    content_type: str
    body: bytes


class StandinReceiver:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        # path -> (HTTP status, content type, body)
        self.replies: dict[str, tuple[int, str, bytes]] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append(
                        Recorded(self.path, self.headers.get("content-type", ""), body)
                    )
                    status, content_type, reply = receiver.replies.get(self.path, SUCCESS)
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def received(self, path: str) -> list[Recorded]:
        with self._lock:
            return [request for request in self.requests if request.path == path]

    def __enter__(self) -> StandinReceiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
