"""A fake web push service on 127.0.0.1 and a fake browser subscribed to it.

The browser makes its own P-256 key pair and 16-byte auth secret (``cryptography``), as a
real one does for ``pushManager.subscribe``; the service checks each push as RFC 8030/8291/
8292 say (``aes128gcm``, a ``TTL``, a ``vapid t=..., k=...`` Authorization whose ES256
JWT verifies with ``k`` and names this origin as its audience), keeps it, and the test
decrypts the body with the browser's private key (``http_ece``, an implementation apart
from the sender's use of it).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

import http_ece
import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from vstarcam_push.models.web_push import b64url, b64url_decode

from tests.push_fakes import FakeService, Received, Reply


@dataclass
class FakeBrowser:
    """One browser's subscription: its keys and the endpoint the service gave it."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict[str, Any]:
        """``PushSubscription.toJSON()``."""
        point = self.key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)},
        }

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


@dataclass(frozen=True)
class VapidClaims:
    aud: str
    exp: int
    sub: str
    key: str


class FakePushService(FakeService):
    """``POST /push/<id>``: 201 for a well-formed push; ``status`` (e.g. 410, 500) answers
    every push instead, as a service whose subscription expired or that is failing."""

    def __init__(self) -> None:
        super().__init__()
        self.status = 201
        self.refused: list[str] = []

    def browser(self, name: str = "phone") -> FakeBrowser:
        return FakeBrowser(f"{self.base_url}/push/{name}-{os.urandom(6).hex()}")

    def answer(self, request: Received) -> Reply:
        problem = self._problem(request)
        if problem:
            self.refused.append(problem)
            return 400, {"Content-Type": "text/plain"}, problem.encode()
        if self.status != 201:
            return self.status, {"Content-Type": "text/plain"}, b"push service says no"
        return 201, {"Location": f"{self.base_url}/message/1"}, b""

    def _problem(self, request: Received) -> str:
        headers = request.headers
        if request.method != "POST" or not request.path.startswith("/push/"):
            return f"no such endpoint {request.method} {request.path}"
        if headers.get("content-encoding") != "aes128gcm":
            return "Content-Encoding must be aes128gcm"
        if not headers.get("ttl", "").isdigit():
            return "TTL missing"
        if len(request.body) > 4096:
            return "payload too large"
        try:
            self.claims(request)
        except (ValueError, KeyError, jwt.PyJWTError) as error:
            return f"bad VAPID authorization: {error}"
        return ""

    def claims(self, request: Received) -> VapidClaims:
        """The VAPID JWT's claims, verified against the ``k`` the request carries."""
        scheme, _, params = request.headers["authorization"].partition(" ")
        if scheme != "vapid":
            raise ValueError(f"scheme {scheme!r}")
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        point = b64url_decode(fields["k"])
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        claims = jwt.decode(fields["t"], key=public, algorithms=["ES256"], audience=self.base_url)
        if not time.time() < claims["exp"] <= time.time() + 24 * 3600:
            raise ValueError("exp must be within 24 hours")
        return VapidClaims(claims["aud"], claims["exp"], claims["sub"], fields["k"])
