"""Camera-side helpers for end-to-end tests: vuids, pictures, requests, wire replies."""

from __future__ import annotations

import itertools
import json
import os
import secrets
from typing import Any

import requests
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.models.alarm import Alarm
from vstarcam_push.models.push_keys import keyed_url

from tests.conftest import PUSH_KEY

HTTP_TIMEOUT_S = 60
# The e2e stack overrides it, so a test can see that --parameter-overrides reached the functions.
RETENTION_DAYS = 7
_vuids = itertools.count(1)


def new_vuid() -> str:
    """A vuid no other test uses (4-32 letters and digits, like a camera's)."""
    return f"E2E{next(_vuids):05d}{secrets.token_hex(3).upper()}"


def jpeg(tag: str = "") -> bytes:
    """A distinct JPEG-looking picture: same bytes are the same alarm, so each call differs."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + tag.encode() + os.urandom(256) + b"\xff\xd9"


def post_heartbeat(url: str, vuid: str, key: str | None = PUSH_KEY) -> requests.Response:
    """A heartbeat to the stack's ``url`` + the camera's push key (``key=None``: bare)."""
    target = keyed_url(url, key) if key else url
    return requests.post(target, json={"vuid": vuid}, timeout=HTTP_TIMEOUT_S)


def post_alarm(
    url: str,
    vuid: str,
    alarm_type: str = "18",
    picture: bytes | None = None,
    video: bytes | None = None,
    picture_type: str = "image/jpeg",
    key: str | None = PUSH_KEY,
) -> requests.Response:
    """An alarm push as requests builds multipart/form-data (field order as cameras send it),
    to the stack's ``url`` + the camera's push key (``key=None``: bare)."""
    files: dict[str, Any] = {
        "vuid": (None, vuid),
        "type": (None, alarm_type),
        "picture": ("alarm.jpg", picture if picture is not None else jpeg(), picture_type),
    }
    if video is not None:
        files["video"] = ("alarm.mp4", video, "video/mp4")
    target = keyed_url(url, key) if key else url
    return requests.post(target, files=files, timeout=HTTP_TIMEOUT_S)


def reply_of(response: requests.Response, status: int) -> str:
    """The reply's message, checked to be exactly the wire shape with ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    document = json.loads(response.content)
    assert set(document) == {"code", "message"}, document
    assert document["code"] == str(status)
    assert isinstance(document["message"], str) and document["message"]
    return str(document["message"])


def stored_alarms(alarms: AlarmStore, vuid: str) -> list[Alarm]:
    return alarms.for_camera(vuid, limit=50)
