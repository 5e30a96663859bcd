"""Registering, renaming and removing cameras: the rules and messages the CLI and the console share.

``vstarcam-push cameras add|remove`` and the console's camera forms call the same
functions here, so a camera is refused, added or removed with the same words
wherever it happens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.models import push_keys
from vstarcam_push.models.camera import Camera, PushKeyUnavailable
from vstarcam_push.models.errors import BadRequest, PushError

# One offline threshold must stay a sane number of seconds: a year at most.
MAX_OFFLINE_AFTER = 366 * 86_400


class CameraNotRegistered(PushError):
    status = 404

    def __init__(self, vuid: str) -> None:
        super().__init__(f"camera {vuid} is not registered", reason="camera_unknown")


def offline_after(value: object) -> int | None:
    """Seconds without a heartbeat before the camera is reported offline (None: the default)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_OFFLINE_AFTER:
        raise BadRequest(
            f"offlineAfter must be a whole number of seconds from 1 to {MAX_OFFLINE_AFTER}",
            reason="offline_after_invalid",
        )
    return value


def kept_options(
    existing: Camera | None, name: str | None, threshold: int | None, default: int
) -> tuple[str, int]:
    """The name and offline threshold a registration writes: only the options given change,
    so adding a registered camera again keeps its name and threshold (None: not given)."""
    if name is None:
        name = existing.name if existing else ""
    kept = existing.offline_after if existing and existing.offline_after else None
    return name, threshold or kept or default


@dataclass(frozen=True)
class CameraChange:
    camera: Camera
    added: bool
    message: str

    def json(self) -> dict[str, Any]:
        return {
            "vuid": self.camera.vuid,
            "name": self.camera.name,
            "offlineAfter": self.camera.offline_after,
            "added": self.added,
            "message": self.message,
        }


def added_message(camera: Camera, added: bool) -> str:
    """``added camera Front door (VE0005622QHOW), reported offline after 180 s without a
    heartbeat``: what ``cameras add`` prints."""
    return (
        f"{'added' if added else 'updated'} camera {camera.label}, "
        f"reported offline after {camera.offline_after} s without a heartbeat"
    )


class PushKeyNotShown(PushError):
    status = 409

    def __init__(self, message: str) -> None:
        super().__init__(message, reason="push_key_unavailable")


class CameraAdmin:
    """``secret`` gives the stack's push key secret (read from SSM only when a key is
    issued or shown, so listing cameras never touches it)."""

    def __init__(
        self,
        dynamodb: Any,
        table: str,
        default_offline_after: int,
        api_url: str,
        secret: Callable[[], bytes],
        camera_urls: tuple[str, str] = ("", ""),
    ) -> None:
        self.registry = CameraRegistry(dynamodb, table)
        self.default_offline_after = default_offline_after
        self.api_url = api_url.rstrip("/")
        self._secret = secret
        # The bare HeartbeatUrl and AlarmUrl (function URLs with CameraEndpoint=FunctionUrl);
        # empty: the API's own routes at api_url.
        self.camera_urls = camera_urls

    def add(self, vuid: str, name: str | None, threshold: int | None, now: int) -> CameraChange:
        """Register (or approve, or update) a camera; options not given (None) are kept."""
        name, seconds = kept_options(
            self.registry.get(vuid), name, threshold, self.default_offline_after
        )
        # The key it issues is shown only on request (``urls``), never in this reply.
        registration = self.registry.register(vuid, name, seconds, now, self._secret())
        # Approving a pending camera is its registration, as in ``cameras add``.
        added = registration.created or registration.approved
        camera = self._get(vuid)
        return CameraChange(camera, added, added_message(camera, added))

    def update(self, vuid: str, name: str | None, threshold: int | None, now: int) -> CameraChange:
        """Rename a camera or change its threshold; an unknown camera is refused, not created."""
        name, seconds = kept_options(self._get(vuid), name, threshold, self.default_offline_after)
        self.registry.register(vuid, name, seconds, now, self._secret())
        camera = self._get(vuid)
        return CameraChange(camera, False, added_message(camera, False))

    def remove(self, vuid: str) -> str:
        """``removed camera VE0005622QHOW``, or the refusal ``cameras remove`` gives."""
        if not self.registry.remove(vuid):
            raise CameraNotRegistered(vuid)
        return f"removed camera {vuid}"

    def urls(self, vuid: str) -> dict[str, str]:
        """The camera's heartbeatServer and alarmPushMainServer, as ``cameras urls`` shows them."""
        self._get(vuid)
        try:
            key = self.registry.push_key(vuid, self._secret())
        except PushKeyUnavailable as error:
            raise PushKeyNotShown(str(error)) from error
        heartbeat_url, alarm_url = self.camera_urls
        if heartbeat_url and alarm_url:
            return push_keys.keyed_push_urls(heartbeat_url, alarm_url, vuid, key).to_json()
        return push_keys.push_urls(self.api_url, vuid, key).to_json()

    def _get(self, vuid: str) -> Camera:
        camera = self.registry.get(vuid)
        if camera is None:
            raise CameraNotRegistered(vuid)
        return camera
