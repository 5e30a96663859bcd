"""A stand-in VStarcam camera: its CGI dialect over HTTP on 127.0.0.1, and its heartbeat.

It answers ``get_status.cgi``, ``get_alarm_push_cfg.cgi`` and
``set_alarm_push_cfg.cgi`` the way camera firmware does (``var name=value;``
lines with ``\\r\\n``), checks its own credentials in the ``loginuse``/
``loginpas`` or ``user``/``pwd`` query parameters, records every request, and
has switches for the ways real cameras fail. ``send_heartbeat()`` posts
``{"vuid": ...}`` to whatever heartbeatServer it was configured with, and
``send_alarm()`` an alarm push to its alarmPushMainServer.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import requests

VUID = "VE0005622QHOW"
DEVICEID = "VSTB366562CWVTV"
USER = "admin"
PASSWORD = "Standin-Pa55&word"

WrongCredentialsReply = Literal["401", "result=-1", "result=-2"]


@dataclass(frozen=True)
class RecordedRequest:
    cgi: str
    params: dict[str, str]
    query: str


@dataclass
class StandinCamera:
    """Run with ``with StandinCamera() as camera:``; ``camera.url`` is its web address."""

    vuid: str | None = VUID
    deviceid: str = DEVICEID
    realdeviceid: str = "VSTB366562CWVTV"
    alias: str = "Front door"
    user: str = USER
    password: str = PASSWORD
    heartbeat_time: int = 0
    heartbeat_server: str = ""
    alarm_push_main_server: str = ""
    alarm_push_sub_server: str = "http://push.vendor.example/alarm"
    # Failure switches.
    wrong_credentials_reply: WrongCredentialsReply = "401"
    push_cgi: bool = True
    garbled: frozenset[str] = frozenset()
    ignore_set: bool = False
    # Firmware that keeps only the first N characters of a server URL.
    max_url_length: int | None = None
    delay_seconds: float = 0.0
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------
    def __enter__(self) -> StandinCamera:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._closing.set()
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def push_id(self) -> str:
        return self.vuid or self.deviceid

    def cgis(self) -> list[str]:
        with self._lock:
            return [request.cgi for request in self.requests]

    # -- the camera's own pushes ----------------------------------------------
    def send_heartbeat(self) -> requests.Response:
        """What the firmware does every heartbeatTime seconds."""
        return requests.post(
            self.heartbeat_server,
            data=json.dumps({"vuid": self.push_id}),
            headers={"Content-Type": "application/json"},
            timeout=10,
        )

    def send_alarm(self, alarm_type: int, picture: bytes) -> requests.Response:
        """An alarm push as the firmware sends it: multipart vuid, decimal type, the picture."""
        return requests.post(
            self.alarm_push_main_server,
            data={"vuid": self.push_id, "type": str(alarm_type)},
            files={"picture": ("alarm.jpg", picture, "image/jpeg")},
            timeout=10,
        )

    # -- the CGI dialect --------------------------------------------------------
    def answer(self, cgi: str, params: dict[str, str]) -> tuple[int, str]:
        if self.delay_seconds:
            self._closing.wait(self.delay_seconds)
        if cgi in ("get_alarm_push_cfg.cgi", "set_alarm_push_cfg.cgi") and not self.push_cgi:
            return 404, "<html><body>404 Not Found</body></html>"
        if cgi not in ("get_status.cgi", "get_alarm_push_cfg.cgi", "set_alarm_push_cfg.cgi"):
            return 404, "<html><body>404 Not Found</body></html>"
        if not self._logged_in(params):
            if self.wrong_credentials_reply == "401":
                return 401, "<html><body>401 Unauthorized</body></html>"
            return 200, f"var {self.wrong_credentials_reply};\r\n"
        if cgi in self.garbled:
            return 200, "\x00\x1f<!DOCTYPE html><title>garbled"
        if cgi == "get_status.cgi":
            return 200, self._status()
        if cgi == "get_alarm_push_cfg.cgi":
            return 200, self._push_config()
        return 200, self._set_push_config(params)

    def _logged_in(self, params: dict[str, str]) -> bool:
        return (params.get("loginuse"), params.get("loginpas")) == (self.user, self.password) or (
            params.get("user"),
            params.get("pwd"),
        ) == (self.user, self.password)

    def _status(self) -> str:
        lines = [
            'var alias="{}";'.format(self.alias.replace('"', '\\"')),
            f'var deviceid="{self.deviceid}";',
            f'var realdeviceid="{self.realdeviceid}";',
            'var sys_ver="48.53.64.48";',
            "var now=1714567890;",
            "var alarm_status=0;",
        ]
        if self.vuid is not None:
            lines.insert(1, f'var vuid="{self.vuid}";')
        return "".join(line + "\r\n" for line in lines)

    def _push_config(self) -> str:
        with self._lock:
            return (
                f"var heartbeatTime={self.heartbeat_time};\r\n"
                f'var heartbeatServer="{self.heartbeat_server}";\r\n'
                f'var alarmPushMainServer="{self.alarm_push_main_server}";\r\n'
                f'var alarmPushSubServer="{self.alarm_push_sub_server}";\r\n'
            )

    def _set_push_config(self, params: dict[str, str]) -> str:
        if "heartbeatTime" in params and not params["heartbeatTime"].isdigit():
            return "result=-1;\r\n"
        if self.ignore_set:
            return 'result="ok";\r\n'
        with self._lock:
            if "heartbeatTime" in params:
                self.heartbeat_time = int(params["heartbeatTime"])
            kept = slice(0, self.max_url_length)
            self.heartbeat_server = params.get("heartbeatServer", self.heartbeat_server)[kept]
            self.alarm_push_main_server = params.get(
                "alarmPushMainServer", self.alarm_push_main_server
            )[kept]
            self.alarm_push_sub_server = params.get(
                "alarmPushSubServer", self.alarm_push_sub_server
            )
        return 'result="ok";\r\n'

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)


def _handler_for(camera: StandinCamera) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            cgi = parts.path.lstrip("/")
            params = {
                name: values[-1]
                for name, values in parse_qs(parts.query, keep_blank_values=True).items()
            }
            camera.record(RecordedRequest(cgi, params, parts.query))
            status, body = camera.answer(cgi, params)
            payload = body.encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up first (the slow-camera switch): nothing to answer.
                return

        def log_message(self, format: str, *args: Any) -> None:
            # Request lines carry the password; the stand-in stays silent like a camera.
            return

    return Handler
