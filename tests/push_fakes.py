"""Fake push services on 127.0.0.1, one per channel, each checking the request the way its
API documents it (and answering the way it does when the request is wrong).

Each fake records what it accepted (``received``) and can be taken down (``down = True``:
503 for every request, like a service in an outage) and brought back, or be down for its
first requests only (``down_for = 1``: the first attempt fails, the retry gets through).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from standardwebhooks import Webhook, WebhookVerificationError
from vstarcam_push.ingest.multipart import Part, parse_form

Reply = tuple[int, dict[str, str], bytes]


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    form: dict[str, Part] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)

    def field(self, name: str) -> str:
        return self.form[name].content.decode()


def _json(status: int, document: Any, headers: dict[str, str] | None = None) -> Reply:
    return (
        status,
        {"Content-Type": "application/json", **(headers or {})},
        json.dumps(document).encode(),
    )


def rfc2047(value: str) -> str:
    """What ntfy does with an encoded header: ``=?UTF-8?B?...?=`` back to text."""
    if value.startswith("=?UTF-8?B?") and value.endswith("?="):
        return base64.b64decode(value[10:-2]).decode()
    return value


class FakeService:
    """A threaded HTTP server; subclasses implement :meth:`answer`."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.attempts = 0
        self.down = False
        self.down_for = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Received(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                content_type = request.headers.get("content-type", "")
                if content_type.startswith("multipart/form-data"):
                    request.form = parse_form(body, content_type)
                status, headers, payload = fake._handle(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_POST = do_PUT = do_GET = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _handle(self, request: Received) -> Reply:
        with self._lock:
            self.attempts += 1
            if self.down or self.attempts <= self.down_for:
                return 503, {"Content-Type": "text/plain"}, b"Service Unavailable"
        status, headers, body = self.answer(request)
        if 200 <= status < 300:
            with self._lock:
                self.received.append(request)
        return status, headers, body

    def answer(self, request: Received) -> Reply:
        raise NotImplementedError

    def start(self) -> FakeService:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class FakeNtfy(FakeService):
    """ntfy: ``PUT/POST /<topic>``; a body with ``Filename`` is an attachment; headers carry
    the title and message; with an access token configured, ``Authorization: Bearer``."""

    def __init__(self, topic: str = "front-door-alarms", token: str = "") -> None:
        super().__init__()
        self.topic = topic
        self.token = token

    @property
    def url(self) -> str:
        return f"{self.base_url}/{self.topic}"

    def answer(self, request: Received) -> Reply:
        if request.method not in ("PUT", "POST") or unquote(request.path) != f"/{self.topic}":
            return _json(404, {"code": 40401, "http": 404, "error": "page not found"})
        if self.token and request.headers.get("authorization") != f"Bearer {self.token}":
            return _json(403, {"code": 40301, "http": 403, "error": "forbidden"})
        priority = request.headers.get("priority", "3")
        if priority not in {"1", "2", "3", "4", "5"}:
            return _json(400, {"code": 40007, "http": 400, "error": "invalid priority"})
        for name in ("title", "message", "tags", "click", "filename"):
            value = request.headers.get(name, "")
            if value and not value.isascii():
                return _json(400, {"code": 40000, "http": 400, "error": "invalid header"})
        return _json(200, {"id": f"m{len(self.received)}", "event": "message", "topic": self.topic})


class FakeTelegram(FakeService):
    """Bot API: ``/bot<token>/sendPhoto`` (multipart ``chat_id``, ``photo``, ``caption``) and
    ``/bot<token>/sendMessage`` (``chat_id``, ``text``)."""

    def __init__(self, token: str = "123456:AAE-fake-bot-token", chat_id: str = "4242") -> None:
        super().__init__()
        self.token = token
        self.chat_id = chat_id

    def answer(self, request: Received) -> Reply:
        prefix = f"/bot{self.token}/"
        if not request.path.startswith("/bot"):
            return _json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        if not request.path.startswith(prefix):
            return _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = request.path[len(prefix) :]
        if method == "sendPhoto":
            fields = {name: part for name, part in request.form.items()}
            photo = fields.get("photo")
            if photo is None or photo.filename is None or not photo.content:
                return self._bad("there is no photo in the request")
            caption = fields["caption"].content.decode() if "caption" in fields else ""
            if len(caption) > 1024:
                return self._bad("message caption is too long")
            chat = fields["chat_id"].content.decode() if "chat_id" in fields else ""
        elif method == "sendMessage":
            document = request.json()
            chat = str(document.get("chat_id", ""))
            if not document.get("text"):
                return self._bad("message text is empty")
        else:
            return _json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        if chat != self.chat_id:
            return self._bad("chat not found")
        return _json(200, {"ok": True, "result": {"message_id": len(self.received) + 1}})

    @staticmethod
    def _bad(description: str) -> Reply:
        return _json(
            400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}
        )


class FakePushover(FakeService):
    """``POST /1/messages.json``: ``token``, ``user``, ``message`` required; ``attachment`` a
    file up to 5 MB; ``priority`` -2..2."""

    def __init__(
        self,
        token: str = "azGDORePK8gMaC0QOYAMyEEuzJnyUi",
        user: str = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
    ) -> None:
        super().__init__()
        self.token = token
        self.user = user

    @property
    def url(self) -> str:
        return f"{self.base_url}/1/messages.json"

    def answer(self, request: Received) -> Reply:
        if request.path != "/1/messages.json":
            return _json(404, {"status": 0, "errors": ["not found"]})
        form = {name: part.content for name, part in request.form.items()}
        if form.get("token", b"").decode() != self.token:
            return self._invalid("token", "application token is invalid")
        if form.get("user", b"").decode() != self.user:
            return self._invalid(
                "user", "user identifier is not a valid user, group, or subscribed user key"
            )
        if not form.get("message"):
            return self._invalid("message", "message cannot be blank")
        if form.get("priority", b"0").decode() not in {"-2", "-1", "0", "1", "2"}:
            return self._invalid("priority", "priority is invalid")
        attachment = request.form.get("attachment")
        too_big = attachment is not None and len(attachment.content) > 5 * 1024 * 1024
        if attachment is not None and (attachment.filename is None or too_big):
            return self._invalid("attachment", "attachment is invalid")
        return _json(200, {"status": 1, "request": f"r{len(self.received)}"})

    @staticmethod
    def _invalid(field_name: str, error: str) -> Reply:
        return _json(400, {field_name: "invalid", "errors": [error], "status": 0, "request": "x"})


class FakeDiscord(FakeService):
    """A channel webhook ``/api/webhooks/<id>/<token>``: multipart ``payload_json`` and
    ``files[n]``; an embed image ``attachment://<name>`` must name an uploaded file."""

    def __init__(self, path: str = "/api/webhooks/1190000000000000000/fake-webhook-token") -> None:
        super().__init__()
        self.path = path

    @property
    def url(self) -> str:
        return self.base_url + self.path

    def answer(self, request: Received) -> Reply:
        if request.path != self.path:
            return _json(404, {"message": "Unknown Webhook", "code": 10015})
        if "payload_json" not in request.form:
            return _json(400, {"message": "Cannot send an empty message", "code": 50006})
        payload = json.loads(request.form["payload_json"].content)
        files = {
            part.filename: part for name, part in request.form.items() if name.startswith("files[")
        }
        for embed in payload.get("embeds", []):
            image = (embed.get("image") or {}).get("url", "")
            if image.startswith("attachment://") and image[13:] not in files:
                return _json(400, {"message": "Invalid Form Body", "code": 50035})
        if not payload.get("content") and not payload.get("embeds"):
            return _json(400, {"message": "Cannot send an empty message", "code": 50006})
        return 204, {}, b""


class FakeSlack(FakeService):
    """An incoming webhook ``/services/T../B../<secret>``: JSON with ``text`` (and blocks)."""

    def __init__(self, path: str = "/services/T00000000/B00000000/fakeSlackSecret0000") -> None:
        super().__init__()
        self.path = path

    @property
    def url(self) -> str:
        return self.base_url + self.path

    def answer(self, request: Received) -> Reply:
        if request.path != self.path:
            return 404, {"Content-Type": "text/plain"}, b"no_service"
        if not request.headers.get("content-type", "").startswith("application/json"):
            return 400, {"Content-Type": "text/plain"}, b"invalid_payload"
        document = request.json()
        if not document.get("text"):
            return 400, {"Content-Type": "text/plain"}, b"no_text"
        for block in document.get("blocks", []):
            if block.get("type") not in {"header", "section", "image", "context"}:
                return 400, {"Content-Type": "text/plain"}, b"invalid_blocks"
            if block["type"] == "image" and not block.get("image_url", "").startswith("http"):
                return 400, {"Content-Type": "text/plain"}, b"invalid_blocks"
        return 200, {"Content-Type": "text/plain"}, b"ok"


class FakeWebhookReceiver(FakeService):
    """A Standard Webhooks receiver: verifies every request with the ``standardwebhooks``
    package's own verifier (signature and timestamp), 401 when it fails."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret
        self.path = "/api/webhook/vstarcam-front-door"

    @property
    def url(self) -> str:
        return self.base_url + self.path

    def answer(self, request: Received) -> Reply:
        if request.path != self.path:
            return 404, {}, b""
        try:
            Webhook(self.secret).verify(request.body, request.headers)
        except WebhookVerificationError:
            return 401, {"Content-Type": "text/plain"}, b"bad signature"
        return 200, {"Content-Type": "application/json"}, b"{}"


@contextmanager
def running(*fakes: FakeService) -> Iterator[None]:
    for fake in fakes:
        fake.start()
    try:
        yield
    finally:
        for fake in fakes:
            fake.stop()
