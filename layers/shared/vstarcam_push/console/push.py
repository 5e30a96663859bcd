"""The console's web push API: the VAPID key, the user's devices, and notification actions.

- ``GET /api/push/key``: the stack's VAPID public key (made on first need, dal/vapid_key);
- ``GET|POST /api/push/devices``, ``PATCH|DELETE /api/push/devices/{id}``: the caller's
  own devices only (another user's device answers as one that does not exist); a device
  is a ``webpush`` destination (models/web_push), its endpoint checked
  (models/push_endpoint) before anything is stored; a viewer's device gets their sites;
- ``POST /api/push/devices/{id}/test``: one test push, queued for the delivery function
  like every push (the same send path, retries and verdicts);
- ``POST /api/push/action``: a notification's action, with no console session (API
  Gateway lets it in without the JWT authorizer): the action token is the credential
  (models/action_tokens). It acts only while the device still exists and is still its
  owner's, and the owner's sites (read now from Cognito, not from the token) still
  include the camera; each token is used once (a replay changes nothing) and every use
  is in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vstarcam_push.console.audit_trail import record_change
from vstarcam_push.console.params import ConsoleRequest
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.audit import AuditLog
from vstarcam_push.dal.camera_fleet import CameraFleet
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.console_users import ConsoleUsers, UserNotFound
from vstarcam_push.dal.deliveries import DeliveryLog
from vstarcam_push.dal.destinations import DestinationStore
from vstarcam_push.dal.secrets import SecretStore
from vstarcam_push.dal.vapid_key import VapidKeyStore, VapidKeyUnavailable
from vstarcam_push.dal.web_push_devices import WebPushDevices
from vstarcam_push.delivery.fanout import FanOut
from vstarcam_push.models import audit
from vstarcam_push.models.access import Access
from vstarcam_push.models.action_tokens import (
    SNOOZE_SECONDS,
    ActionToken,
    TokenRefused,
    derive_key,
)
from vstarcam_push.models.alarm import vuid_of
from vstarcam_push.models.destination import Destination, InvalidFilter
from vstarcam_push.models.errors import BadRequest, PushError
from vstarcam_push.models.push_endpoint import EndpointRefused, check_endpoint
from vstarcam_push.models.push_event import PushEvent
from vstarcam_push.models.web_push import (
    Subscription,
    check_label,
    device_destination,
    device_json,
    filters_of,
    is_device,
    owner,
    time_zone,
    viewer_filters,
)

TEST_EVENT_PREFIX = "push-test-"
MAX_DEVICES_PER_USER = 20


class DeviceNotFound(PushError):
    status = 404


class Unauthorized(PushError):
    status = 401


class ActionForbidden(PushError):
    status = 403


class PushUnavailable(PushError):
    status = 409


@dataclass(frozen=True)
class PushSettings:
    destinations_table: str = ""
    secrets_prefix: str = ""
    # /<stack>/webpush-vapid-key (dal/vapid_key.py)
    key_parameter: str = ""
    # The Deliveries table: the test push's queue and each action token's one use.
    deliveries_table: str = ""
    delivery_function: str = ""
    # Only the local stack sets it (WEB_PUSH_ALLOW_LOOPBACK): a fake push service on
    # 127.0.0.1 for its tests. The deployed template never does.
    allow_loopback: bool = False

    @property
    def enabled(self) -> bool:
        return bool(self.destinations_table and self.secrets_prefix and self.key_parameter)


class PushConsole:
    def __init__(
        self,
        *,
        dynamodb: Any,
        ssm: Any,
        lambda_client: Callable[[], Any] | None,
        cognito: Any,
        settings: PushSettings,
        user_pool_id: str,
        fleet: CameraFleet,
        alarms: AlarmStore,
        registry: CameraRegistry,
        audit_log: AuditLog | None,
        logger: Any = None,
    ) -> None:
        self.settings = settings
        self.devices = WebPushDevices(
            DestinationStore(dynamodb, settings.destinations_table),
            SecretStore(ssm, settings.secrets_prefix or "/"),
        )
        self.keys = VapidKeyStore(ssm, settings.key_parameter)
        self.uses = DeliveryLog(dynamodb, settings.deliveries_table)
        # The Lambda client is made on the first test push (milliseconds of every cold
        # start saved).
        self._lambda_factory = lambda_client
        self._lambda: Any = None
        self.users = ConsoleUsers(cognito, user_pool_id) if cognito and user_pool_id else None
        self.fleet = fleet
        self.alarms = alarms
        self.registry = registry
        self.audit = audit_log
        self._logger = logger

    def _need(self) -> None:
        if not self.settings.enabled:
            raise PushUnavailable(
                "web push is not set up in this stack: deploy the current template",
                "push_unavailable",
            )

    # -- the key ------------------------------------------------------------------------
    def key(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        self._need()
        return 200, {"publicKey": self.keys.load(create=True).public_b64}

    # -- devices -----------------------------------------------------------------------
    def list_devices(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        self._need()
        mine = self.devices.of_user(request.access.user)
        return 200, {"devices": [device_json(d) for d in mine]}

    def add_device(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        self._need()
        document = request.json("subscription", "name", "filters")
        try:
            subscription = Subscription.parse(document.get("subscription"))
            check_endpoint(subscription.endpoint, self.settings.allow_loopback)
            label = check_label(document.get("name", "this device"))
            filters = self._allowed(request.access, filters_of(document.get("filters")))
            zone = time_zone(document.get("filters"))
        except (InvalidFilter, EndpointRefused) as error:
            raise BadRequest(str(error), reason="subscription_invalid") from error
        user = request.access.user
        mine = self.devices.of_user(user)
        destination = device_destination(user, label, subscription, filters, int(request.now), zone)
        if len(mine) >= MAX_DEVICES_PER_USER and all(d.name != destination.name for d in mine):
            raise BadRequest(
                f"at most {MAX_DEVICES_PER_USER} devices per user: remove one first",
                reason="too_many_devices",
            )
        # The browser subscribed with the public key GET /api/push/key gave; made here too
        # for a client that skipped it, so no device ever exists without the stack's key.
        self.keys.load(create=True)
        self.devices.save(destination, subscription)
        self._record(
            request, user, audit.DESTINATION_ADDED, destination.name, {"channel": "webpush"}
        )
        return 201, {"device": device_json(destination)}

    def update_device(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        self._need()
        device = self._mine(request)
        document = request.json("name", "filters")
        if not document:
            raise BadRequest("nothing to change: send name and/or filters", reason="empty")
        try:
            label = check_label(document["name"]) if "name" in document else None
            filters = self._allowed(
                request.access, filters_of(document.get("filters"), device.filters)
            )
            zone = time_zone(document.get("filters"), device.settings.get("timezone", ""))
        except InvalidFilter as error:
            raise BadRequest(str(error), reason="filters_invalid") from error
        settings = dict(device.settings)
        if label is not None:
            settings["label"] = label
        if zone:
            settings["timezone"] = zone
        changed = Destination(
            name=device.name,
            channel=device.channel,
            target=device.target,
            settings=settings,
            secret_fields=device.secret_fields,
            filters=filters,
            # Unchanged: the delivery's secrets cache is keyed by it.
            created_at=device.created_at,
            last_error=device.last_error,
            last_error_at=device.last_error_at,
        )
        if not self.devices.update(changed):
            raise _device_not_found(device.name)
        return 200, {"device": device_json(changed)}

    def remove_device(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        self._need()
        device = self._mine(request)
        self.devices.remove(device)
        self._record(
            request,
            request.access.user,
            audit.DESTINATION_REMOVED,
            device.name,
            {"channel": "webpush"},
        )
        return 200, {"removed": device.name}

    def test_device(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        self._need()
        device = self._mine(request)
        if not self.settings.delivery_function:
            raise PushUnavailable(
                "pushes are sent by the delivery function: deploy with PushChannels=true",
                "push_channels_off",
            )
        now = int(request.now)
        event = PushEvent(
            kind="alarm",
            event_id=f"{TEST_EVENT_PREFIX}{device.name}-{now}",
            vuid="TEST",
            camera_name="vstarcam-push",
            site="",
            at=now,
            title="Test notification",
            text="Notifications reach this device.",
            alarm_type_name="test notification",
        )
        if self._lambda is None and self._lambda_factory is not None:
            self._lambda = self._lambda_factory()
        FanOut(self.devices.destinations, self._lambda, self.settings.delivery_function).send_one(
            event, device.name
        )
        return 202, {"queued": True}

    def _mine(self, request: ConsoleRequest) -> Destination:
        name = request.path.get("id", "")
        if not is_device(name) or len(name) > 40:
            raise _device_not_found(name[:40])
        device = self.devices.get(name)
        # Another user's device answers as one that does not exist.
        if device is None or owner(device) != request.access.user:
            raise _device_not_found(name)
        return device

    @staticmethod
    def _allowed(access: Access, filters: Any) -> Any:
        if access.every_site:
            return filters
        return viewer_filters(filters, access.sites)

    # -- notification actions (no console session) ---------------------------------------
    def act(self, request: ConsoleRequest) -> tuple[int, Any]:
        request.only()
        document = request.json("token")
        now = int(request.now)
        try:
            ActionToken.check_shape(document.get("token"))
            if not self.settings.enabled:
                raise VapidKeyUnavailable("web push is not set up")
            key = derive_key(self.keys.load(create=False).private)
            token = ActionToken.verify(document.get("token"), key, now)
        except VapidKeyUnavailable:
            raise Unauthorized("the action token is not valid", "token_forged") from None
        except TokenRefused as error:
            raise Unauthorized(str(error), error.reason) from None
        device = self.devices.get(token.device)
        if device is None or owner(device) != token.user:
            raise ActionForbidden(
                "this device no longer gets notifications: open the console", "device_removed"
            )
        vuid = token.target if token.action == "snooze" else vuid_of(token.target)
        access = self._access_of(token.user)
        site = self.fleet.sites({vuid}).get(vuid, "")
        if not access.sees(site):
            raise ActionForbidden("this camera is not one of yours any more", "camera_not_yours")
        use = token.use_id()
        claim = self.uses.claim(use, now, max(token.expires - now, 60))
        if claim != "claimed":
            # A replay (or the same tap twice): done once, nothing changes again.
            return 200, self._answer(token, repeated=True)
        until = 0
        try:
            if token.action == "review":
                if not self.alarms.set_reviewed(token.target, now):
                    raise DeviceNotFound(
                        f"alarm {token.target} does not exist (deleted or expired)",
                        "alarm_unknown",
                    )
            else:
                until = self._snooze(
                    vuid, now + SNOOZE_SECONDS, None if access.every_site else site
                )
        except Exception:
            self.uses.release(use)
            raise
        self.uses.finish(use, "delivered", now)
        self._record(
            request,
            token.user,
            audit.PUSH_ACTION,
            token.target,
            {"action": token.action, "device": token.device},
        )
        return 200, self._answer(token, repeated=False, until=until)

    def _snooze(self, vuid: str, until: int, site: str | None) -> int:
        """Snooze the camera an hour, or keep a longer snooze someone chose after the
        notification was sent (until turned back on, 8 h...): a tap on "Snooze this camera
        1 h" never wakes a camera sooner. Returns when the camera's snooze ends."""
        # A viewer's snooze holds only while the camera is still in the site checked.
        if self.registry.snooze(vuid, until, site=site, longer_only=True):
            return until
        camera = self.registry.get(vuid)
        if (
            camera is not None
            and (site is None or camera.site == site)
            and camera.snoozed_until is not None
            and camera.snoozed_until >= until
        ):
            return camera.snoozed_until
        raise DeviceNotFound(f"camera {vuid} is not registered", "camera_unknown")

    @staticmethod
    def _answer(token: ActionToken, repeated: bool, until: int = 0) -> dict[str, Any]:
        answer: dict[str, Any] = {"done": "reviewed" if token.action == "review" else "snoozed"}
        if token.action == "review":
            answer["alarmId"] = token.target
        else:
            answer["vuid"] = token.target
            if until:
                answer["until"] = until
        if repeated:
            answer["repeated"] = True
        return answer

    def _access_of(self, user: str) -> Access:
        if self.users is None:
            raise ActionForbidden("the console has no user pool", "no_user_pool")
        try:
            access = self.users.access_of(user)
        except UserNotFound:
            access = Access(user, None)
        if access.role is None:
            raise ActionForbidden("this account may no longer act: open the console", "no_role")
        return access

    def _record(
        self,
        request: ConsoleRequest,
        user: str,
        action: str,
        target: str,
        details: dict[str, Any],
    ) -> None:
        record_change(self.audit, self._logger, request, user, action, target, details)


def _device_not_found(name: str) -> DeviceNotFound:
    return DeviceNotFound(f"device {name} does not exist (removed?)", "device_unknown")
