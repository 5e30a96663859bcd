"""The console API's snooze routes: hold a camera's or a site's notifications for a while.

``PUT /api/cameras/{vuid}/snooze`` and ``PUT /api/sites/{site}/snooze`` take
``{"choice": "1h"|"8h"|"morning"|"on", "timeZone": "Europe/Paris"}`` (the browser's IANA
zone: "morning" is 07:00 on its wall clock; "on" is until turned back on);
``DELETE`` on either turns the snooze off. Any user with a role may, for the cameras and
sites they see (``admin.snooze``); another site's camera or site answers 404 like one that
does not exist. Each change is recorded in the audit trail: who, the choice, until when.

The reply is the snooze and the cameras it holds as the camera list shows them
(``snoozedUntil``, ``siteSnoozedUntil``), so the card redraws without a second request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from vstarcam_push.admin.snooze import OFF, SnoozeAdmin, SnoozeDone, audit_details
from vstarcam_push.console import params
from vstarcam_push.console.views import camera_json
from vstarcam_push.models import audit
from vstarcam_push.models.errors import BadRequest
from vstarcam_push.models.snooze import zone_of

if TYPE_CHECKING:
    from vstarcam_push.console.params import ConsoleRequest
    from vstarcam_push.console.routes import ConsoleApi

# Who may use the routes: routes.EVERYONE (not imported: routes imports this module).
_EVERYONE = "everyone"


class SnoozeRoutes:
    """The snooze routes of one ``ConsoleApi``: its camera registry and its audit trail."""

    def __init__(self, api: ConsoleApi) -> None:
        self.api = api
        self.admin = SnoozeAdmin(api.cameras.registry)

    def routes(self) -> dict[str, tuple[Any, str]]:
        return {
            "PUT /api/cameras/{vuid}/snooze": (self.snooze_camera, _EVERYONE),
            "DELETE /api/cameras/{vuid}/snooze": (self.wake_camera, _EVERYONE),
            "PUT /api/sites/{site}/snooze": (self.snooze_site, _EVERYONE),
            "DELETE /api/sites/{site}/snooze": (self.wake_site, _EVERYONE),
        }

    def snooze_camera(self, request: ConsoleRequest) -> tuple[int, Any]:
        choice, zone = _choice(request)
        return self._camera(request, choice, zone)

    def wake_camera(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        return self._camera(request, OFF, "")

    def snooze_site(self, request: ConsoleRequest) -> tuple[int, Any]:
        choice, zone = _choice(request)
        return self._site(request, choice, zone)

    def wake_site(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        return self._site(request, OFF, "")

    def _camera(self, request: ConsoleRequest, choice: str, zone: str) -> tuple[int, Any]:
        vuid = params.camera_vuid(request.path.get("vuid"))
        done = self.admin.camera(
            vuid, choice, int(request.now), zone or "UTC", sees=request.access.sees
        )
        self.api._record(request, audit.CAMERA_SNOOZED, vuid, audit_details(done, zone))
        return 200, _reply(done)

    def _site(self, request: ConsoleRequest, choice: str, zone: str) -> tuple[int, Any]:
        # API Gateway may leave the path encoded; a site name has no "%" of its own.
        site = unquote(request.path.get("site") or "")
        done = self.admin.site(site, choice, int(request.now), zone or "UTC", request.access.sees)
        self.api._record(request, audit.SITE_SNOOZED, done.target, audit_details(done, zone))
        return 200, _reply(done)


def _choice(request: ConsoleRequest) -> tuple[str, str]:
    """The body's choice and time zone (checked by ``admin.snooze``); the zone is needed
    only for "morning", where it is required: the server's clock is UTC, not the person's."""
    request.only()
    document = request.json("choice", "timeZone")
    if "choice" not in document:
        raise BadRequest(
            "send choice: 1h, 8h, morning or on (until turned back on)", reason="snooze_invalid"
        )
    choice, zone = document["choice"], document.get("timeZone", "")
    if choice == OFF:
        raise BadRequest(
            "choice must be one of 1h, 8h, morning, on; DELETE turns a snooze off",
            reason="snooze_invalid",
        )
    if not isinstance(zone, str) or (choice == "morning" and not zone):
        raise BadRequest(
            "timeZone must be an IANA time zone, e.g. Europe/Paris (needed for morning)",
            reason="snooze_invalid",
        )
    if zone:
        zone_of(zone)  # a zone given is checked, whatever the choice
    return choice, zone


def _reply(done: SnoozeDone) -> dict[str, Any]:
    return {
        "target": done.target,
        "choice": done.choice,
        "until": done.until,
        "cameras": [camera_json(camera, None) for camera in done.cameras],
    }
