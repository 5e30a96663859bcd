"""The web console's JSON API (``/api/...``): cameras and alarms for signed-in users,
each as their role and sites allow.

API Gateway's JWT authorizer has let the request in before it gets here. The route
key picks the action; ``params`` checks the request, the stores read and write,
``views`` shapes the reply. Every failure is a JSON refusal (``handle_errors``).

Roles and sites (``models/access.py``) come from the verified token's claims:

- a route an admin alone may use (registering, renaming, removing cameras, their
  push URLs, deleting alarms, users, the audit trail) answers anyone else ``403``
  before it reads anything, whatever id it names; a user with no role gets ``403``
  everywhere;
- a viewer reads only their sites' cameras and alarms: the camera list and its
  counts, the alarm lists, one alarm and its media URLs; a camera or alarm of
  another site answers exactly as one that does not exist (``404``, or "missing"
  in a batch), so ids cannot be probed. A camera with no site is another site's
  to a viewer of some sites;
- only the admin routes read the push-key secret (``_push_key_secret``): a viewer's
  request never loads it.

Every change (a camera registered, updated, moved to a site, removed; alarms
deleted; users added, changed, removed) is recorded in the audit trail.

- alarms of the fleet or of one camera: ``AlarmStore.page`` through the ``byDay``
  and ``byTime`` indexes, a bounded number of queries a request;
- the unreviewed alarms the user may see, whatever the filter (the badge, the tab title,
  and what the open page polls to see a new alarm): ``AlarmStore.unreviewed``, one
  query of the sparse keys-only ``byUnreviewed`` index;
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
from vstarcam_push.admin.snooze import site_name
from vstarcam_push.admin.users import UserAdmin
from vstarcam_push.console import params
from vstarcam_push.console.audit_trail import record_change
from vstarcam_push.console.day import DayRoutes
from vstarcam_push.console.http import error_reply, json_reply
from vstarcam_push.console.params import ConsoleRequest
from vstarcam_push.console.push import PushConsole, PushSettings
from vstarcam_push.console.snooze import SnoozeRoutes
from vstarcam_push.console.views import AlarmViews, camera_json
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.audit import AuditLog
from vstarcam_push.dal.camera_fleet import CameraFleet, FleetEntry
from vstarcam_push.dal.console_users import ConsoleUsers
from vstarcam_push.dal.media import MediaStore
from vstarcam_push.dal.push_key_secret import SecretUnavailable, load_secret
from vstarcam_push.dal.status_history import StatusHistory
from vstarcam_push.models import audit
from vstarcam_push.models.access import Access
from vstarcam_push.models.alarm import Alarm, vuid_of
from vstarcam_push.models.alarm_types import DEFAULT_ALERT_TYPES, AlarmType, parse_alarm_type
from vstarcam_push.models.camera import Camera, clean_name
from vstarcam_push.models.errors import BadRequest, PushError
from vstarcam_push.models.media import derivable_keys
from vstarcam_push.runtime.replies import failure

# One request reads at most this many index pages: a sparse filter over a long date range
# answers with what it found and a cursor to go on from, never a runaway loop.
MAX_QUERIES = 40


class NotFound(PushError):
    status = 404


class Forbidden(PushError):
    status = 403


def alarm_not_found(alarm_id: str) -> NotFound:
    """The one answer for an alarm that does not exist, or is not the user's to see."""
    return NotFound(f"alarm {alarm_id} does not exist (deleted or expired)", "alarm_unknown")


# Who may use a route: every signed-in user with a role, or admins only.
EVERYONE = "everyone"
ADMINS = "admins"
# No console session: the request carries its own credential (a notification's action
# token, console/push.py), and API Gateway's route has no JWT authorizer.
TOKEN_HOLDERS = "token holders"

Action = Callable[[ConsoleRequest], tuple[int, Any]]


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
    # The audit trail's table ("" records nothing) and the console's user pool (its
    # Users page; "" has none).
    audit_table: str = ""
    user_pool_id: str = ""
    # The alarm types that are alerts (AlertTypes): each alarm's severity, the filter.
    alert_types: frozenset[int] = DEFAULT_ALERT_TYPES
    # The cameras' offline and back-online changes (the day view); "" shows none.
    status_history_table: str = ""


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
        cognito: Any = None,
        logger: Any = None,
        lambda_client: Callable[[], Any] | None = None,
        push: PushSettings | None = None,
    ) -> None:
        self._ssm = ssm
        self.settings = settings
        self._clock = clock
        self._logger = logger
        self.audit = (
            AuditLog(dynamodb, settings.audit_table, settings.retention_days)
            if settings.audit_table
            else None
        )
        self.users = (
            UserAdmin(ConsoleUsers(cognito, settings.user_pool_id))
            if cognito is not None and settings.user_pool_id
            else None
        )
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
        self.views = AlarmViews(presigner, settings.media_bucket, settings.alert_types)
        self.push = PushConsole(
            dynamodb=dynamodb,
            ssm=ssm,
            lambda_client=lambda_client,
            cognito=cognito,
            settings=push or PushSettings(),
            user_pool_id=settings.user_pool_id,
            fleet=self.fleet,
            alarms=self.alarms,
            registry=self.cameras.registry,
            audit_log=self.audit,
            logger=logger,
        )
        self.day = DayRoutes(
            self.fleet,
            self.alarms,
            StatusHistory(dynamodb, settings.status_history_table, settings.retention_days)
            if settings.status_history_table
            else None,
            settings.alert_types,
            settings.retention_days,
        )
        self._routes: dict[str, tuple[Action, str]] = {
            "GET /api/cameras": (self.list_cameras, EVERYONE),
            "POST /api/cameras": (self.add_camera, ADMINS),
            "PATCH /api/cameras/{vuid}": (self.update_camera, ADMINS),
            "DELETE /api/cameras/{vuid}": (self.remove_camera, ADMINS),
            "GET /api/cameras/{vuid}/urls": (self.camera_urls, ADMINS),
            "GET /api/alarms": (self.list_alarms, EVERYONE),
            "GET /api/alarms/unreviewed": (self.unreviewed, EVERYONE),
            "GET /api/alarms/{alarmId}": (self.get_alarm, EVERYONE),
            "DELETE /api/alarms/{alarmId}": (self.delete_alarm, ADMINS),
            "POST /api/alarms/review": (self.review_alarms, EVERYONE),
            "POST /api/alarms/delete": (self.delete_alarms, ADMINS),
            "GET /api/day": (self.day.day, EVERYONE),
            "GET /api/days": (self.day.days, EVERYONE),
            "GET /api/users": (self.list_users, ADMINS),
            "POST /api/users": (self.add_user, ADMINS),
            "PATCH /api/users/{username}": (self.change_user, ADMINS),
            "DELETE /api/users/{username}": (self.remove_user, ADMINS),
            "GET /api/audit": (self.read_audit, ADMINS),
            "GET /api/push/key": (self.push.key, EVERYONE),
            "GET /api/push/devices": (self.push.list_devices, EVERYONE),
            "POST /api/push/devices": (self.push.add_device, EVERYONE),
            "PATCH /api/push/devices/{id}": (self.push.update_device, EVERYONE),
            "DELETE /api/push/devices/{id}": (self.push.remove_device, EVERYONE),
            "POST /api/push/devices/{id}/test": (self.push.test_device, EVERYONE),
            "POST /api/push/action": (self.push.act, TOKEN_HOLDERS),
            **SnoozeRoutes(self).routes(),
        }

    @property
    def route_keys(self) -> set[str]:
        return set(self._routes)

    def who_may(self, route: str) -> str:
        """``everyone`` (every user with a role) or ``admins``."""
        return self._routes[route][1]

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        request = ConsoleRequest.from_event(event, self._clock())
        route = self._routes.get(request.route)
        if route is None:
            return error_reply(404, "no such console API route")
        action, who = route
        # Before anything is read or checked: the answer says nothing of what an id names.
        if who != TOKEN_HOLDERS and request.access.role is None:
            raise Forbidden(
                "your account has no role in this console: ask an admin to give you one",
                "no_role",
            )
        if who == ADMINS and not request.access.is_admin:
            raise Forbidden("only an admin may do this", "admin_only")
        status, document = action(request)
        return json_reply(status, document)

    # -- access ----------------------------------------------------------------------
    def _visible(self, access: Access) -> list[FleetEntry] | None:
        """The cameras a viewer of some sites sees (None: every camera, no filter)."""
        if access.every_site:
            return None
        return [entry for entry in self.fleet.entries() if access.sees(entry.site)]

    def _sees_alarm(self, access: Access, vuid: str) -> bool:
        """Whether the user sees this camera's alarms (a camera gone: no site)."""
        if access.every_site:
            return True
        return access.sees(self.fleet.sites({vuid}).get(vuid, ""))

    def _record(
        self,
        request: ConsoleRequest,
        action: str,
        target: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        """The change in the audit trail. The change is made: a failed record is logged
        as an error, and the reply still says what was done."""
        record_change(
            self.audit, self._logger, request, request.access.user, action, target, details or {}
        )

    # -- cameras -------------------------------------------------------------------
    def list_cameras(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only("status", "cursor", "limit")
        status = params.camera_status(request.query.get("status"))
        limit = params.limit(request.query.get("limit"))
        after = ""
        if "cursor" in request.query:
            after = params.camera_cursor(request.query["cursor"], status)
        visible = self._visible(request.access)
        fleet = (
            self.fleet.statuses()
            if visible is None
            else [(entry.vuid, entry.status) for entry in visible]
        )
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
        document = request.json("vuid", "name", "offlineAfter", "site")
        vuid = params.camera_vuid(document.get("vuid"))
        site = _site(document["site"]) if "site" in document else None
        # A camera added again keeps the name and threshold the form leaves out.
        outcome = self.cameras.add(
            vuid,
            clean_name(document["name"]) if "name" in document else None,
            camera_admin.offline_after(document.get("offlineAfter")),
            int(request.now),
        )
        if site is not None:
            self.cameras.registry.set_site(vuid, site)
        camera = outcome.camera
        details: dict[str, Any] = {"name": camera.name, "offlineAfter": camera.offline_after}
        if site is not None:
            details["site"] = site
        self._record(
            request,
            audit.CAMERA_REGISTERED if outcome.added else audit.CAMERA_UPDATED,
            vuid,
            details,
        )
        return (201 if outcome.added else 200), {**outcome.json(), "site": _site_of(camera, site)}

    def update_camera(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        vuid = params.camera_vuid(request.path.get("vuid"))
        document = request.json("name", "offlineAfter", "site")
        if not document:
            raise BadRequest(
                "nothing to change: send name, offlineAfter and/or site", reason="empty"
            )
        name = clean_name(document["name"]) if "name" in document else None
        threshold = (
            camera_admin.offline_after(document["offlineAfter"])
            if "offlineAfter" in document
            else None
        )
        site = _site(document["site"]) if "site" in document else None
        outcome = self.cameras.update(vuid, name, threshold, int(request.now))
        if name is not None or threshold is not None:
            self._record(
                request,
                audit.CAMERA_UPDATED,
                vuid,
                {"name": outcome.camera.name, "offlineAfter": outcome.camera.offline_after},
            )
        if site is not None:
            self.cameras.registry.set_site(vuid, site)
            self._record(request, audit.CAMERA_SITE, vuid, {"site": site})
        return 200, {**outcome.json(), "site": _site_of(outcome.camera, site)}

    def remove_camera(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        vuid = params.camera_vuid(request.path.get("vuid"))
        message = self.cameras.remove(vuid)
        self._record(request, audit.CAMERA_REMOVED, vuid)
        return 200, {"message": message}

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
        request.only("camera", "type", "severity", "from", "to", "cursor", "limit")
        query = request.query
        limit = params.limit(query.get("limit"))
        vuid = params.camera_vuid(query["camera"], "camera") if "camera" in query else None
        alarm_type: AlarmType | None = None
        if "type" in query:
            alarm_type = parse_alarm_type(query["type"])
        alarm_type, types = params.alarm_types(
            alarm_type, query.get("severity"), self.settings.alert_types
        )
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
        cameras: frozenset[str] | None = None
        if not request.access.every_site:
            if vuid is not None:
                # Another site's camera lists as one that has no alarms: none at all.
                if not self._sees_alarm(request.access, vuid):
                    return 200, {"alarms": [], "next": None}
            else:
                cameras = frozenset(e.vuid for e in self._visible(request.access) or [])
        alarms, next_position = self.alarms.page(
            limit,
            vuid=vuid,
            alarm_type=alarm_type,
            types=types,
            start_ms=start,
            end_ms=end,
            position=position,
            max_queries=MAX_QUERIES,
            cameras=cameras,
        )
        names = self.fleet.names({alarm.vuid for alarm in alarms})
        return 200, {
            "alarms": [self.views.listed(a, names.get(a.vuid, "")) for a in alarms],
            "next": params.next_alarm_cursor(scope, next_position) if next_position else None,
        }

    def unreviewed(self, request: ConsoleRequest) -> tuple[int, Any]:
        """How many alarms the user may see are unreviewed (``more``: at least that many)
        and the newest of them: cheap enough for the open page to ask every few seconds.
        A viewer's count is their sites' only, as their lists are."""
        request.only()
        cameras: frozenset[str] | None = None
        if not request.access.every_site:
            cameras = frozenset(e.vuid for e in self._visible(request.access) or [])
        found = self.alarms.unreviewed(cameras=cameras)
        newest = found.newest
        return 200, {
            "unreviewed": found.count,
            "more": found.more,
            "newest": {"alarmId": newest[0], "receivedAtMs": newest[1]} if newest else None,
        }

    def _alarm(self, alarm_id: str) -> Alarm:
        alarm = self.alarms.get(alarm_id)
        if alarm is None:
            raise alarm_not_found(alarm_id)
        return alarm

    def get_alarm(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        alarm_id = params.alarm_id(request.path.get("alarmId"))
        # Another site's alarm is not even read: the same 404 as an alarm that never was.
        if not self._sees_alarm(request.access, vuid_of(alarm_id)):
            raise alarm_not_found(alarm_id)
        alarm = self._alarm(alarm_id)
        names = self.fleet.names({alarm.vuid})
        return 200, self.views.detail(alarm, names.get(alarm.vuid, ""))

    def delete_alarm(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        alarm_id = params.alarm_id(request.path.get("alarmId"))
        deleted, missing = self._delete([alarm_id])
        if missing:
            raise alarm_not_found(alarm_id)
        self._record(request, audit.ALARMS_DELETED, alarm_id, {"alarmIds": deleted})
        return 200, {"deleted": deleted}

    def delete_alarms(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        ids = params.alarm_ids(request.json("alarmIds"))
        deleted, missing = self._delete(ids)
        if deleted:
            target = deleted[0] if len(deleted) == 1 else f"{len(deleted)} alarms"
            self._record(request, audit.ALARMS_DELETED, target, {"alarmIds": deleted})
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
        seen = self._seen_cameras(request.access, {vuid_of(alarm_id) for alarm_id in ids})
        updated, missing = [], []
        for alarm_id in ids:
            # Another site's alarm is "missing", as one deleted or never stored.
            done = vuid_of(alarm_id) in seen and self.alarms.set_reviewed(alarm_id, at)
            (updated if done else missing).append(alarm_id)
        return 200, {"updated": updated, "missing": missing, "reviewed": reviewed}

    def _seen_cameras(self, access: Access, vuids: set[str]) -> set[str]:
        if access.every_site:
            return vuids
        sites = self.fleet.sites(vuids)
        return {vuid for vuid in vuids if access.sees(sites.get(vuid, ""))}

    # -- users and the audit trail (admins) ----------------------------------------
    def _user_admin(self) -> UserAdmin:
        if self.users is None:
            raise PushError(
                "the console API has no CONSOLE_USER_POOL_ID: deploy the current template",
                "users_unavailable",
            )
        return self.users

    def list_users(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        users = self._user_admin().list()
        # The sites cameras are in, for the form's choices.
        sites = sorted({entry.site for entry in self.fleet.entries() if entry.site})
        return 200, {"users": users, "sites": sites, "me": request.access.user}

    def add_user(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        document = request.json("email", "role", "sites", "allSites")
        access = self._user_admin().add(document)
        self._record(request, audit.USER_ADDED, access.user, _access_details(access))
        return 201, {"username": access.user, **_access_json(access)}

    def change_user(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        username = params.username(request.path.get("username"))
        document = request.json("role", "sites", "allSites")
        if not document:
            raise BadRequest("nothing to change: send role, sites or allSites", reason="empty")
        before, after = self._user_admin().change(username, document, request.access.user)
        self._record(
            request,
            audit.USER_CHANGED,
            username,
            {**_access_details(after), "was": _access_details(before)},
        )
        return 200, {"username": username, **_access_json(after)}

    def remove_user(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        username = params.username(request.path.get("username"))
        self._user_admin().remove(username, request.access.user)
        self._record(request, audit.USER_REMOVED, username)
        return 200, {"message": f"removed console user {username}, signed out everywhere first"}

    def read_audit(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only("since", "user", "limit")
        if self.audit is None:
            raise PushError(
                "the console API has no AUDIT_TABLE: deploy the current template",
                "audit_unavailable",
            )
        now_ms = int(request.now * 1000)
        since = params.audit_since(request.query.get("since"), now_ms, self.settings.retention_days)
        user = request.query.get("user") or None
        if user is not None:
            user = params.username(user)
        entries = self.audit.read(
            since, now_ms, user=user, limit=params.limit(request.query.get("limit"))
        )
        return 200, {"entries": [entry.to_json() for entry in entries], "since": since}


def _site(value: object) -> str:
    """A camera's site from a form: a site name, or "" for none."""
    return "" if value == "" else site_name(value)


def _site_of(camera: Camera, changed: str | None) -> str | None:
    site = changed if changed is not None else camera.site
    return site or None


def _access_json(access: Access) -> dict[str, Any]:
    return {
        "role": access.role,
        "sites": None if access.every_site else sorted(access.sites),
        "allSites": access.every_site,
    }


def _access_details(access: Access) -> dict[str, Any]:
    details: dict[str, Any] = {"role": access.role or "none"}
    if access.role == "viewer":
        details["sites"] = "all" if access.all_sites else sorted(access.sites)
    return details


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
