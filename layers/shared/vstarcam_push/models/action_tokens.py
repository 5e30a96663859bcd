"""Notification action tokens: a credential for one action on one alarm or camera (no I/O).

A notification's "Mark reviewed" and "Snooze this camera 1 h" buttons work from the
lock screen, where the service worker has no console session (it must not hold one: a
worker's storage outlives sign-out, and a session token there could do everything the
user can). Each action instead carries a token the delivery function signed:

``<body>.<signature>``, both base64url; the body is JSON
``[1, action, target, device, user, expires]``:

- ``action``: ``review`` (target: the alarm id) or ``snooze`` (target: the camera's vuid);
- ``device``: the web push device it was sent to, and ``user``: its owner; the console
  acts only while that device still exists, is still that user's, and the user's sites
  still include the camera;
- ``expires``: epoch seconds, :data:`TOKEN_SECONDS` after it was sent.

The signature is HMAC-SHA256 with a key derived (HKDF-SHA256, label
:data:`KEY_LABEL`) from the stack's VAPID private key: the delivery function (which
signs) and the console API (which verifies) both read that key already, so no new
secret, parameter or grant; the label keeps the two uses apart (a signature of one can
never be a signature of the other). Verification compares in constant time and checks
everything before anything is read.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass

from vstarcam_push.models.web_push import b64url, b64url_decode

ACTIONS = ("review", "snooze")
KEY_LABEL = b"vstarcam-push web push action token v1"
# Long enough for a notification read the next morning, short enough that a token copied
# off a phone is soon worth nothing.
TOKEN_SECONDS = 12 * 3600
SNOOZE_SECONDS = 3600
MAX_TOKEN_LENGTH = 600
_SHAPE = re.compile(r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{43}")


class TokenRefused(Exception):
    """A token that is malformed, forged, expired or not for this; ``reason`` for the
    logs and the reply (never the token)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def derive_key(vapid_private_key: bytes) -> bytes:
    """The action tokens' HMAC key: HKDF-SHA256 of the VAPID private key and the label."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_LABEL).derive(
        vapid_private_key
    )


@dataclass(frozen=True)
class ActionToken:
    action: str
    target: str
    device: str
    user: str
    expires: int

    def sign(self, key: bytes) -> str:
        body = json.dumps(
            [1, self.action, self.target, self.device, self.user, self.expires],
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        signature = hmac.new(key, body, hashlib.sha256).digest()
        return f"{b64url(body)}.{b64url(signature)}"

    @staticmethod
    def check_shape(token: object) -> str:
        """The token if it looks like one (checked before any key is read: a request
        with rubbish costs no AWS call)."""
        if (
            not isinstance(token, str)
            or not 0 < len(token) <= MAX_TOKEN_LENGTH
            or not _SHAPE.fullmatch(token)
        ):
            raise TokenRefused("no action token, or not one", "token_malformed")
        return token

    @classmethod
    def verify(cls, token: object, key: bytes, now: int) -> ActionToken:
        """The token's claims if ``key`` signed it and it has not expired."""
        token = cls.check_shape(token)
        body_text, _, signature_text = token.partition(".")
        try:
            body = b64url_decode(body_text)
            signature = b64url_decode(signature_text)
        except ValueError:
            raise TokenRefused("the action token is malformed", "token_malformed") from None
        expected = hmac.new(key, body, hashlib.sha256).digest()
        # Constant time: a forger learns nothing from how long a refusal took.
        if not hmac.compare_digest(expected, signature):
            raise TokenRefused("the action token is not valid", "token_forged")
        try:
            version, action, target, device, user, expires = json.loads(body)
        except (ValueError, TypeError):
            raise TokenRefused("the action token is malformed", "token_malformed") from None
        if version != 1 or action not in ACTIONS or not isinstance(expires, int):
            raise TokenRefused("the action token is malformed", "token_malformed")
        if now >= expires:
            raise TokenRefused(
                "this notification's action has expired: open the console", "token_expired"
            )
        return cls(str(action), str(target), str(device), str(user), expires)

    def use_id(self) -> str:
        """The id of this token's one use (the Deliveries table records it): a replay
        within its life finds the use done and changes nothing."""
        digest = hashlib.sha256(
            f"{self.action}|{self.target}|{self.device}|{self.user}|{self.expires}".encode()
        ).hexdigest()[:32]
        return f"action.{digest}"
