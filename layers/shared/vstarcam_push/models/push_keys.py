"""Per-camera push keys: the secret in a camera's URLs (``/heartbeat/{key}``, ``/alarm/{key}``).

The firmware sends to whatever URL it is given and has no other place for a
secret, so the key travels in the URL path.

A key is derived, not stored: ``HMAC-SHA256(stack secret, vuid | key id)``,
cut to 128 bits and written URL-safe (22 characters). The stack secret (32
random bytes) lives in an SSM SecureString parameter that only the operator's
tools read (``/<stack>/push-key-secret``); the camera item keeps the key id (a
random number, new at every issue, so a removed and re-added camera gets a new
key) and the SHA-256 of the key, never the key. The functions check a push
against that hash and never see the secret; a leaked table (backup, export,
screenshot) lets nobody push. The key has 128 random bits, so a plain digest is
enough: a slow password hash would buy nothing and cost the heartbeat CPU.

This module is the one place that derives keys, hashes them and builds the
URLs; the CLI, the console, the doctor and the channels call it, never
reimplement it.

>>> secret = bytes(32)
>>> key = derive_push_key(secret, "VE0005622QHOW", 1)
>>> len(key), is_push_key(key), key == derive_push_key(secret, "VE0005622QHOW", 2)
(22, True, False)
>>> push_urls("https://abc.execute-api.us-east-1.amazonaws.com/", "VE0005622QHOW", key).vuid
'VE0005622QHOW'
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

# 16 bytes = 128 bits, URL-safe base64 without padding: 22 characters.
KEY_BYTES = 16
KEY_LENGTH = 22
SECRET_BYTES = 32
# Key ids are random (48 bits: a DynamoDB number of 8 bytes), so a re-issued key is new.
KEY_ID_BITS = 48
_KEY = re.compile(rf"[A-Za-z0-9_-]{{{KEY_LENGTH}}}")

HEARTBEAT_PATH = "/heartbeat"
ALARM_PATH = "/alarm"
# The HTTP API route's path parameter that carries the key.
KEY_PARAMETER = "key"


def new_secret() -> bytes:
    """A new stack secret, from which every camera's push key is derived."""
    return secrets.token_bytes(SECRET_BYTES)


def new_key_id() -> int:
    return secrets.randbits(KEY_ID_BITS)


def derive_push_key(secret: bytes, vuid: str, key_id: int) -> str:
    """The push key of camera ``vuid`` with key id ``key_id``: 128 bits, URL-safe, 22 characters."""
    message = f"vstarcam-push key|{vuid}|{key_id}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:KEY_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def is_push_key(value: object) -> bool:
    """Whether ``value`` has the shape of a push key (checked before any hashing or AWS call)."""
    return isinstance(value, str) and _KEY.fullmatch(value) is not None


def key_hash(key: str) -> bytes:
    """What the camera item stores instead of the key: its SHA-256 (32 bytes)."""
    return hashlib.sha256(key.encode("ascii")).digest()


def key_matches(key: str | None, stored_hash: bytes | None) -> bool:
    """Whether ``key`` is the one whose hash is stored; constant time in the key's bytes."""
    if key is None or stored_hash is None or not is_push_key(key):
        return False
    return hmac.compare_digest(key_hash(key), stored_hash)


@dataclass(frozen=True)
class PushUrls:
    """A camera's two URLs: ``heartbeatServer`` and ``alarmPushMainServer``."""

    vuid: str
    heartbeat_url: str
    alarm_url: str

    def to_json(self) -> dict[str, str]:
        return {"vuid": self.vuid, "heartbeatUrl": self.heartbeat_url, "alarmUrl": self.alarm_url}


_KEY_IN_URL = re.compile(rf"(/(?:heartbeat|alarm)/)[A-Za-z0-9_-]{{{KEY_LENGTH}}}(?=$|[/?#])")
REDACTED = "<push key>"


def redact(url: str) -> str:
    """A camera URL fit for logs, tables and ``--dry-run``: its push key replaced.

    >>> redact("https://h/heartbeat/" + "A" * 22)
    'https://h/heartbeat/<push key>'
    """
    return _KEY_IN_URL.sub(rf"\g<1>{REDACTED}", url)


def keyed_url(base_url: str, key: str) -> str:
    """``https://host/heartbeat`` + key -> ``https://host/heartbeat/<key>``."""
    return f"{base_url.rstrip('/')}/{key}"


def push_urls(api_url: str, vuid: str, key: str) -> PushUrls:
    """The keyed URLs of camera ``vuid`` on the API at ``api_url`` (its root, no path)."""
    root = api_url.rstrip("/")
    return PushUrls(
        vuid=vuid,
        heartbeat_url=keyed_url(root + HEARTBEAT_PATH, key),
        alarm_url=keyed_url(root + ALARM_PATH, key),
    )


def keyed_push_urls(heartbeat_url: str, alarm_url: str, vuid: str, key: str) -> PushUrls:
    """The keyed URLs from the stack's bare ``HeartbeatUrl``/``AlarmUrl`` outputs."""
    return PushUrls(
        vuid=vuid, heartbeat_url=keyed_url(heartbeat_url, key), alarm_url=keyed_url(alarm_url, key)
    )
