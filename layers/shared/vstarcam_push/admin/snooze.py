"""Snoozing a camera or a whole site: the rules and words the console and the CLI share.

Who may: any console user with a role, for the cameras of their sites (admins and viewers
of all sites: every camera); the CLI runs with the stack's AWS credentials, as an admin.
A camera or site the user may not see is answered exactly as one that does not exist, so
names cannot be probed. The change is written to the camera items (``CameraRegistry.snooze``
and ``snooze_site``); the caller records it in the audit trail with ``audit_details``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.models.camera import SNOOZE_UNTIL_ON, Camera, check_site
from vstarcam_push.models.errors import BadRequest, PushError
from vstarcam_push.models.snooze import check_choice, snooze_until

# Turning a snooze off: not a choice of how long, so not in models.snooze.CHOICES.
OFF = "off"

# Whether the user sees a camera of this site ("" for none): Access.sees, or None for all.
Sees = Callable[[str], bool] | None


class SnoozeTargetUnknown(PushError):
    status = 404


@dataclass(frozen=True)
class SnoozeDone:
    """What a snooze changed: ``until`` (None: turned off), the choice it came from, and the
    cameras it holds now (one, or a site's)."""

    target: str
    choice: str
    until: int | None
    cameras: list[Camera]


def audit_details(done: SnoozeDone, zone: str = "") -> dict[str, Any]:
    """The audit trail's facts: the choice, until when (UTC), the time zone a morning was
    reckoned in, and a site's cameras."""
    details: dict[str, Any] = {"choice": done.choice}
    if done.until is not None:
        details["until"] = (
            "turned back on"
            if done.until >= SNOOZE_UNTIL_ON
            else datetime.fromtimestamp(done.until, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        )
    if done.choice == "morning" and zone:
        details["timeZone"] = zone
    if len(done.cameras) != 1 or done.cameras[0].vuid != done.target:
        details["cameras"] = [camera.vuid for camera in done.cameras]
    return details


def check_off_or_choice(choice: object) -> str:
    """A choice of ``models.snooze.CHOICES``, or ``off``."""
    if choice == OFF:
        return OFF
    try:
        return check_choice(choice)
    except BadRequest as error:
        raise BadRequest(f"{error.message}, or off", reason=error.reason) from None


class SnoozeAdmin:
    def __init__(self, registry: CameraRegistry) -> None:
        self.registry = registry

    def camera(
        self, vuid: str, choice: str, now: int, zone: str = "UTC", sees: Sees = None
    ) -> SnoozeDone:
        """Snooze one camera (``off``: turn it, and its site's snooze on it, back on)."""
        choice = check_off_or_choice(choice)
        camera = self.registry.get(vuid)
        if camera is None or camera.pending or (sees is not None and not sees(camera.site)):
            raise camera_unknown(vuid)
        until = None if choice == OFF else snooze_until(choice, now, zone)
        # A user limited to sites snoozes it only while it is still in the site checked.
        if not self.registry.snooze(vuid, until, site=None if sees is None else camera.site):
            raise camera_unknown(vuid)  # removed, or moved to another site, since the read
        if until is None:
            camera = replace(camera, snoozed_until=None, site_snoozed_until=None)
        else:
            camera = replace(camera, snoozed_until=until)
        return SnoozeDone(vuid, choice, until, [camera])

    def site(
        self, site: object, choice: str, now: int, zone: str = "UTC", sees: Sees = None
    ) -> SnoozeDone:
        """Snooze (``off``: turn back on) every camera of a site, as its cameras are now."""
        choice = check_off_or_choice(choice)
        name = site_name(site)
        if sees is not None and not sees(name):
            raise site_unknown(name)
        until = None if choice == OFF else snooze_until(choice, now, zone)
        cameras = self.registry.snooze_site(name, until)
        if not cameras:
            raise site_unknown(name)
        return SnoozeDone(name, choice, until, cameras)


def site_name(value: object) -> str:
    if not isinstance(value, str):
        raise BadRequest("site must be text", reason="site_invalid")
    try:
        return check_site(value.strip())
    except ValueError as error:
        raise BadRequest(str(error), reason="site_invalid") from error


def camera_unknown(vuid: str) -> SnoozeTargetUnknown:
    """The one answer for a camera that is not registered, or not the user's to see."""
    return SnoozeTargetUnknown(f"camera {vuid} is not registered", "camera_unknown")


def site_unknown(site: str) -> SnoozeTargetUnknown:
    return SnoozeTargetUnknown(f"no camera is in site {site}", "site_unknown")
