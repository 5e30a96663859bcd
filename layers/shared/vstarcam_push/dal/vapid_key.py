"""The stack's VAPID key pair (RFC 8292) for web push, its private key an SSM SecureString.

One key pair per stack, as browsers expect: a subscription is bound to the public key
it was made with, so the pair is made once and never replaced (a new pair would orphan
every device). The console API makes it on first need (``GET /api/push/key``): the
private key (32 bytes, base64url) goes to ``/<stack>/webpush-vapid-key`` with
``Overwrite=False``, so of two first requests racing the loser reads the winner's key
back. The delivery function only reads it. The value is never logged or shown: the
console gets the public key, derived from it here.
"""

from __future__ import annotations

import binascii
import time
from dataclasses import dataclass
from typing import Any

from vstarcam_push.models.web_push import b64url, b64url_decode

# A key that never changes: cached for the life of the execution environment, re-read
# after this long only so that a parameter restored by hand is picked up.
CACHE_SECONDS = 3600


def key_parameter(stack_name: str) -> str:
    return f"/{stack_name}/webpush-vapid-key"


class VapidKeyUnavailable(Exception):
    """No VAPID key yet (and not to be made here), or the parameter holds no key."""


@dataclass(frozen=True)
class VapidKey:
    """The private scalar (32 bytes) and the public point (65 bytes uncompressed)."""

    private: bytes
    public: bytes

    @property
    def public_b64(self) -> str:
        return b64url(self.public)

    @classmethod
    def of_private(cls, private: bytes) -> VapidKey:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.derive_private_key(int.from_bytes(private, "big"), ec.SECP256R1())
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return cls(private, public)

    @classmethod
    def generate(cls) -> VapidKey:
        from cryptography.hazmat.primitives.asymmetric import ec

        number = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
        return cls.of_private(number.to_bytes(32, "big"))

    def __repr__(self) -> str:  # never the private key, whatever prints this
        return f"VapidKey(public={self.public_b64})"


class VapidKeyStore:
    def __init__(self, ssm: Any, name: str) -> None:
        self._ssm = ssm
        self.name = name
        self._cached: tuple[float, VapidKey] | None = None

    def load(self, create: bool) -> VapidKey:
        if self._cached is not None and self._cached[0] > time.monotonic():
            return self._cached[1]
        if not self.name:
            raise VapidKeyUnavailable("this function has no WEB_PUSH_KEY_PARAMETER")
        try:
            value = self._read()
        except self._ssm.exceptions.ParameterNotFound:
            if not create:
                raise VapidKeyUnavailable(
                    f"the stack has no web push key yet ({self.name}): no device has subscribed"
                ) from None
            value = b64url(VapidKey.generate().private)
            try:
                self._ssm.put_parameter(
                    Name=self.name,
                    Value=value,
                    Type="SecureString",
                    Overwrite=False,
                    Description="vstarcam-push: the web push VAPID private key (made once)",
                )
            except self._ssm.exceptions.ParameterAlreadyExists:
                value = self._read()
        try:
            private = b64url_decode(value)
        except (binascii.Error, ValueError):
            private = b""
        if len(private) != 32:
            raise VapidKeyUnavailable(f"the SSM parameter {self.name} is not a VAPID private key")
        key = VapidKey.of_private(private)
        self._cached = (time.monotonic() + CACHE_SECONDS, key)
        return key

    def _read(self) -> str:
        answer = self._ssm.get_parameter(Name=self.name, WithDecryption=True)
        return answer["Parameter"]["Value"]
