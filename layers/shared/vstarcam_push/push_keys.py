"""Per-camera push keys: the secret in a camera's URLs (``/heartbeat/{key}``, ``/alarm/{key}``).

The firmware sends to whatever URL it is given and has no other place for a
secret, so the key travels in the URL path. The Cameras table keeps only the
SHA-256 of the key: a leaked table (backup, export, console screenshot) lets
nobody push. A key is 128 random bits, so a plain digest is enough; a slow
password hash would buy nothing and cost the heartbeat CPU.

This module is the one place that makes keys, hashes them and builds the URLs;
the CLI, the console, the doctor and the channels call it, never reimplement it.

>>> key = new_push_key()
>>> len(key), is_push_key(key)
(22, True)
>>> push_urls("https://abc.execute-api.us-east-1.amazonaws.com/", "VE0005622QHOW", key).vuid
'VE0005622QHOW'
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

# 16 bytes = 128 bits, URL-safe base64 without padding: 22 characters.
KEY_BYTES = 16
KEY_LENGTH = 22
_KEY = re.compile(rf"[A-Za-z0-9_-]{{{KEY_LENGTH}}}")

HEARTBEAT_PATH = "/heartbeat"
ALARM_PATH = "/alarm"
# The HTTP API route's path parameter that carries the key.
KEY_PARAMETER = "key"


def new_push_key() -> str:
    """A fresh random push key: 128 bits, URL-safe, 22 characters."""
    return secrets.token_urlsafe(KEY_BYTES)


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
