"""The web console's JSON API (``/api/...``): cameras and alarms for signed-in users.

API Gateway's JWT authorizer has let the request in before it gets here. The route
key picks the action; ``params`` checks the request, the stores read and write,
``views`` shapes the reply. Every failure is a JSON refusal (``handle_errors``).

- alarms of the fleet or of one camera: ``AlarmStore.page`` through the ``byDay``
  and ``byTime`` indexes, a bounded number of queries a request;
- cameras: ``CameraFleet.statuses`` (a parallel Scan projected to ``vuid`` and
  ``status``) gives the fleet's counts and the page, ``CameraFleet.cameras`` the
  page's items with one ``BatchGetItem``, ``AlarmStore.newest`` their last alarms.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vstarcam_push.admin import cameras as camera_admin
from vstarcam_push.console import params
from vstarcam_push.console.http import error_reply, json_reply
from vstarcam_push.console.params import ConsoleRequest
from vstarcam_push.console.views import AlarmViews, camera_json
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.camera_fleet import CameraFleet
from vstarcam_push.dal.media import MediaStore
from vstarcam_push.dal.push_key_secret import SecretUnavailable, load_secret
from vstarcam_push.models.alarm import Alarm
from vstarcam_push.models.alarm_types import AlarmType, parse_alarm_type
from vstarcam_push.models.camera import Camera, clean_name
from vstarcam_push.models.errors import BadRequest, PushError
from vstarcam_push.models.media import derivable_keys
from vstarcam_push.runtime.replies import failure

# One request reads at most this many index pages: a sparse filter over a long date range
# answers with what it found and a cursor to go on from, never a runaway loop.
MAX_QUERIES = 40


class NotFound(PushError):
    status = 404


@dataclass(frozen=True)
class ConsoleSettings:
    cameras_table: str
    alarms_table: str
    media_bucket: str
    default_offline_after: int
    retention_days: int
    api_url: str
    # The SSM SecureString the cameras' push keys derive from (push_keys.secret_parameter).
    push_key_secret_parameter: str = ""
    # The cameras' bare heartbeat and alarm URLs when not the API's (CameraEndpoint).
    camera_urls: tuple[str, str] = ("", "")


class ConsoleApi:
    """``handle(event)`` answers one ``/api/`` request; the route key picks the action.

    ``s3`` deletes media (``MediaStore``); ``presigner`` only signs their URLs.
    """

    def __init__(
        self,
        dynamodb: Any,
        s3: Any,
        presigner: Any,
        settings: ConsoleSettings,
        clock: Callable[[], float] = time.time,
        ssm: Any = None,
    ) -> None:
        self._ssm = ssm
        self.settings = settings
        self._clock = clock
        self.cameras = camera_admin.CameraAdmin(
            dynamodb,
            settings.cameras_table,
            settings.default_offline_after,
            settings.api_url,
            self._push_key_secret,
            camera_urls=settings.camera_urls,
        )
        self.fleet = CameraFleet(dynamodb, settings.cameras_table)
        self.alarms = AlarmStore(dynamodb, settings.alarms_table)
        self.media = MediaStore(s3, settings.media_bucket)
        self.views = AlarmViews(presigner, settings.media_bucket)
        self._routes: dict[str, Callable[[ConsoleRequest], tuple[int, Any]]] = {
            "GET /api/cameras": self.list_cameras,
            "POST /api/cameras": self.add_camera,
            "PATCH /api/cameras/{vuid}": self.update_camera,
            "DELETE /api/cameras/{vuid}": self.remove_camera,
            "GET /api/cameras/{vuid}/urls": self.camera_urls,
            "GET /api/alarms": self.list_alarms,
            "GET /api/alarms/{alarmId}": self.get_alarm,
            "DELETE /api/alarms/{alarmId}": self.delete_alarm,
            "POST /api/alarms/review": self.review_alarms,
            "POST /api/alarms/delete": self.delete_alarms,
        }

    @property
    def route_keys(self) -> set[str]:
        return set(self._routes)

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        request = ConsoleRequest.from_event(event, self._clock())
        action = self._routes.get(request.route)
        if action is None:
            return error_reply(404, "no such console API route")
        status, document = action(request)
        return json_reply(status, document)

    # -- cameras -------------------------------------------------------------------
    def list_cameras(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only("status", "cursor", "limit")
        status = params.camera_status(request.query.get("status"))
        limit = params.limit(request.query.get("limit"))
        after = ""
        if "cursor" in request.query:
            after = params.camera_cursor(request.query["cursor"], status)
        fleet = self.fleet.statuses()
        counts = {"total": len(fleet), **{name: 0 for name in params.CAMERA_STATUSES}}
        for _, camera_status in fleet:
            counts[camera_status] = counts.get(camera_status, 0) + 1
        chosen = [v for v, s in fleet if (status is None or s == status) and v > after]
        page = chosen[:limit]
        cameras = self.fleet.cameras(page)
        latest = self.alarms.newest([c.vuid for c in cameras if c.last_alarm_at])
        more = len(chosen) > limit
        return 200, {
            "cameras": [camera_json(c, self._last_alarm(latest.get(c.vuid), c)) for c in cameras],
            "counts": counts,
            "next": params.next_camera_cursor(status, page[-1]) if more else None,
        }

    def _last_alarm(self, alarm: Alarm | None, camera: Camera) -> dict[str, Any] | None:
        return self.views.listed(alarm, camera.name) if alarm else None

    def add_camera(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        document = request.json("vuid", "name", "offlineAfter")
        vuid = params.camera_vuid(document.get("vuid"))
        # A camera added again keeps the name and threshold the form leaves out.
        outcome = self.cameras.add(
            vuid,
            clean_name(document["name"]) if "name" in document else None,
            camera_admin.offline_after(document.get("offlineAfter")),
            int(request.now),
        )
        return (201 if outcome.added else 200), outcome.json()

    def update_camera(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        vuid = params.camera_vuid(request.path.get("vuid"))
        document = request.json("name", "offlineAfter")
        if not document:
            raise BadRequest("nothing to change: send name and/or offlineAfter", reason="empty")
        name = clean_name(document["name"]) if "name" in document else None
        threshold = (
            camera_admin.offline_after(document["offlineAfter"])
            if "offlineAfter" in document
            else None
        )
        outcome = self.cameras.update(vuid, name, threshold, int(request.now))
        return 200, outcome.json()

    def remove_camera(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        vuid = params.camera_vuid(request.path.get("vuid"))
        return 200, {"message": self.cameras.remove(vuid)}

    def _push_key_secret(self) -> bytes:
        """Read when a camera is registered or its URLs are asked for, never to list."""
        if not self.settings.push_key_secret_parameter:
            # A function deployed without the variable: say so instead of SSM's validation error.
            raise camera_admin.PushKeyNotShown("the console API has no PUSH_KEY_SECRET_PARAMETER")
        try:
            return load_secret(self._ssm, self.settings.push_key_secret_parameter, create=True)
        except SecretUnavailable as error:
            raise camera_admin.PushKeyNotShown(str(error)) from error

    def camera_urls(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        vuid = params.camera_vuid(request.path.get("vuid"))
        return 200, self.cameras.urls(vuid)

    # -- alarms --------------------------------------------------------------------
    def list_alarms(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only("camera", "type", "from", "to", "cursor", "limit")
        query = request.query
        limit = params.limit(query.get("limit"))
        vuid = params.camera_vuid(query["camera"], "camera") if "camera" in query else None
        alarm_type: AlarmType | None = None
        if "type" in query:
            alarm_type = parse_alarm_type(query["type"])
        now_ms = int(request.now * 1000)
        oldest_ms = now_ms - (self.settings.retention_days + 1) * 86_400_000
        start = params.epoch_ms("from", query.get("from"))
        end = params.epoch_ms("to", query.get("to"))
        if start is not None and end is not None and start > end:
            raise BadRequest("from must not be after to", reason="range_invalid")
        # Nothing older than the retention period (plus TTL's lag) or newer than now exists.
        start = max(start or 0, oldest_ms)
        end = min(end if end is not None else now_ms + 60_000, now_ms + 60_000)
        scope = vuid or "fleet"
        position = params.alarm_cursor(query["cursor"], scope) if "cursor" in query else None
        alarms, next_position = self.alarms.page(
            limit,
            vuid=vuid,
            alarm_type=alarm_type,
            start_ms=start,
            end_ms=end,
            position=position,
            max_queries=MAX_QUERIES,
        )
        names = self.fleet.names({alarm.vuid for alarm in alarms})
        return 200, {
            "alarms": [self.views.listed(a, names.get(a.vuid, "")) for a in alarms],
            "next": params.next_alarm_cursor(scope, next_position) if next_position else None,
        }

    def _alarm(self, alarm_id: str) -> Alarm:
        alarm = self.alarms.get(alarm_id)
        if alarm is None:
            raise NotFound(f"alarm {alarm_id} does not exist (deleted or expired)", "alarm_unknown")
        return alarm

    def get_alarm(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        alarm = self._alarm(params.alarm_id(request.path.get("alarmId")))
        names = self.fleet.names({alarm.vuid})
        return 200, self.views.detail(alarm, names.get(alarm.vuid, ""))

    def delete_alarm(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        alarm_id = params.alarm_id(request.path.get("alarmId"))
        deleted, missing = self._delete([alarm_id])
        if missing:
            raise NotFound(f"alarm {alarm_id} does not exist (deleted or expired)", "alarm_unknown")
        return 200, {"deleted": deleted}

    def delete_alarms(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        ids = params.alarm_ids(request.json("alarmIds"))
        deleted, missing = self._delete(ids)
        return 200, {"deleted": deleted, "missing": missing}

    def _delete(self, alarm_ids: list[str]) -> tuple[list[str], list[str]]:
        """Every object of each alarm (picture, video, thumbnail, playable copy), then its record.

        The media go first: if anything fails, the record is still there to show and
        delete again; the other order could leave media nobody can find until they expire.
        The keys media processing derives go once more after the records: processing that
        recorded its thumbnail between the two steps stored it before the record went.
        """
        alarms: list[Alarm] = []
        missing: list[str] = []
        for alarm_id in alarm_ids:
            try:
                alarms.append(self._alarm(alarm_id))
            except NotFound:
                missing.append(alarm_id)
        keys = {
            media.key
            for alarm in alarms
            for media in (alarm.picture, alarm.video, alarm.thumbnail, alarm.playable_video)
            if media is not None
        }
        derivable = {
            key
            for alarm in alarms
            for key in derivable_keys(alarm.picture.key, alarm.video.key if alarm.video else None)
        }
        self.media.delete_many(sorted(keys | derivable))
        for alarm in alarms:
            self.alarms.delete(alarm.alarm_id)
        self.media.delete_many(sorted(derivable - keys))
        return [alarm.alarm_id for alarm in alarms], missing

    def review_alarms(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        document = request.json("alarmIds", "reviewed")
        ids = params.alarm_ids(document)
        reviewed = document.get("reviewed", True)
        if not isinstance(reviewed, bool):
            raise BadRequest("reviewed must be true or false", reason="reviewed_invalid")
        at = int(request.now) if reviewed else None
        updated, missing = [], []
        for alarm_id in ids:
            (updated if self.alarms.set_reviewed(alarm_id, at) else missing).append(alarm_id)
        return 200, {"updated": updated, "missing": missing, "reviewed": reviewed}


def handle_errors(handle: Callable[[dict[str, Any]], dict[str, Any]], logger: Any) -> Callable:
    """Wrap ``handle`` so every failure is a JSON refusal, never API Gateway's bare 500.

    The mapping is the camera API's (``runtime.replies.failure``); a refusal is logged
    at info here: it is a person's mistake in a form, not a camera's.
    """

    def wrapped(event: dict[str, Any]) -> dict[str, Any]:
        try:
            return handle(event)
        except Exception as error:
            return error_reply(*failure(error, logger, refusal_level="info"))

    return wrapped
