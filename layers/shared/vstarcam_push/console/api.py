"""The web console's JSON API (``/api/...``): cameras and alarms for signed-in users.

API Gateway's JWT authorizer has let the request in before it gets here, so
this module only validates parameters and reads and writes the tables.
The alarm listings page through an index; the camera list scans the table:

- alarms of the fleet: ``byDay`` (one partition per UTC day), newest day
  first, one day after another within the date range;
- alarms of one camera: ``byTime`` (the camera's partition, by time);
- cameras: a parallel Scan of the Cameras table projected to ``vuid`` and
  ``status`` (``CameraRegistry.statuses``). One pass gives the fleet's counts
  and the page; the page's full items come with one ``BatchGetItem``. No index
  holds the status, so a camera's status change is one write unit; the Scan
  reads 0.5 unit per 4 KB of items, a few dozen units a view for 1,000 cameras.

A page's ``next`` cursor is the position after its last alarm; it is opaque
to the page and checked like any other parameter.

Media reach the browser only as presigned S3 URLs that live five minutes,
never through the API's response.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from vstarcam_push.admin import cameras as camera_admin
from vstarcam_push.console.http import error_reply, json_reply
from vstarcam_push.dal.alarms import BY_DAY_INDEX, BY_TIME_INDEX
from vstarcam_push.dal.push_key_secret import SecretUnavailable, load_secret
from vstarcam_push.ingest.protocol import validate_vuid
from vstarcam_push.media.links import PRESIGNED_SECONDS
from vstarcam_push.models.alarm import received_day, vuid_of
from vstarcam_push.models.alarm_types import AlarmType, parse_alarm_type
from vstarcam_push.models.camera import Camera
from vstarcam_push.models.errors import BadRequest, PushError
from vstarcam_push.models.media import derivable_keys

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
# One request reads at most this many index pages: a sparse filter over a long date range
# answers with what it found and a cursor to go on from, never a runaway loop.
MAX_QUERIES = 40
MAX_BATCH = 50
MAX_BODY_BYTES = 64 * 1024
CAMERA_STATUSES = ("online", "offline", "pending")
_ALARM_ID = re.compile(r"[A-Z0-9]{4,32}-[0-9a-f]{20}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# The media an alarm may have, as the alarm function and media processing name them.
MEDIA_PREFIXES = ("picture", "video", "thumbnail", "playableVideo")


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


@dataclass(frozen=True)
class Request:
    route: str
    path: dict[str, str]
    query: dict[str, str]
    body: bytes
    now: float

    @classmethod
    def from_event(cls, event: dict[str, Any], now: float) -> Request:
        raw = event.get("body") or ""
        if len(raw) > MAX_BODY_BYTES * 2:
            raise BadRequest("request body is too large", reason="body_too_large")
        try:
            body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()
        except (binascii.Error, ValueError) as error:
            raise BadRequest("body is not valid base64", reason="bad_encoding") from error
        return cls(
            route=str(event.get("routeKey", "")),
            path=dict(event.get("pathParameters") or {}),
            query=dict(event.get("queryStringParameters") or {}),
            body=body,
            now=now,
        )

    def only(self, *names: str) -> None:
        unknown = sorted(set(self.query) - set(names))
        if unknown:
            allowed = ", ".join(names) if names else "none"
            raise BadRequest(
                f"unknown parameter {unknown[0]!r} (allowed: {allowed})", reason="param_unknown"
            )

    def json(self, *fields: str) -> dict[str, Any]:
        if len(self.body) > MAX_BODY_BYTES:
            raise BadRequest("request body is too large", reason="body_too_large")
        try:
            document = json.loads(self.body or b"{}")
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise BadRequest("request body is not JSON", reason="not_json") from error
        if not isinstance(document, dict):
            raise BadRequest("request body must be a JSON object", reason="not_object")
        unknown = sorted(set(document) - set(fields))
        if unknown:
            raise BadRequest(
                f"unknown field {unknown[0]!r} (allowed: {', '.join(fields)})",
                reason="field_unknown",
            )
        return document


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_LIMIT:
        raise BadRequest(
            f"limit must be a whole number from 1 to {MAX_LIMIT}", reason="limit_invalid"
        )
    return int(value)


def _epoch_ms(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 15:
        raise BadRequest(
            f"{name} must be a time in epoch milliseconds, like 1717243200000",
            reason="time_invalid",
        )
    return int(value)


def _alarm_id(value: object) -> str:
    if not isinstance(value, str) or not _ALARM_ID.fullmatch(value):
        raise BadRequest(
            "alarm id must look like VE0005622QHOW-0123456789abcdef0123", reason="alarm_id_invalid"
        )
    return value


def _alarm_ids(document: dict[str, Any]) -> list[str]:
    ids = document.get("alarmIds")
    if not isinstance(ids, list) or not ids:
        raise BadRequest("alarmIds must be a non-empty list of alarm ids", reason="ids_invalid")
    if len(ids) > MAX_BATCH:
        raise BadRequest(f"at most {MAX_BATCH} alarms at a time", reason="ids_too_many")
    return list(dict.fromkeys(_alarm_id(value) for value in ids))


def _camera_vuid(value: object, what: str = "vuid") -> str:
    try:
        return validate_vuid(value)
    except BadRequest as error:
        raise BadRequest(f"{what}: {error.message}", reason=error.reason) from error


# -- cursors ---------------------------------------------------------------------------


def encode_cursor(document: dict[str, Any]) -> str:
    raw = json.dumps(document, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> dict[str, Any]:
    bad = BadRequest("cursor is not one this API gave out", reason="cursor_invalid")
    if len(value) > 512:
        raise bad
    try:
        document = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(document, dict):
        raise bad
    return document


def _alarm_position(document: dict[str, Any], scope: str) -> tuple[str, dict[str, Any] | None]:
    """The (day, last key) a cursor of ``scope`` (``fleet`` or a vuid) stands for."""
    bad = BadRequest("cursor is not one this API gave out", reason="cursor_invalid")
    if document.get("s") != scope:
        raise BadRequest(
            "cursor belongs to another filter: start again without it", reason="cursor_mismatch"
        )
    day, last = document.get("d"), document.get("k")
    if not isinstance(day, str) or not _DAY.fullmatch(day):
        raise bad
    if last is None:
        return day, None
    if not isinstance(last, dict) or set(last) != {"a", "t"}:
        raise bad
    alarm_id, at = last["a"], last["t"]
    if not isinstance(alarm_id, str) or not _ALARM_ID.fullmatch(alarm_id):
        raise bad
    if not isinstance(at, int) or isinstance(at, bool) or at < 0:
        raise bad
    key = {
        "vuid": {"S": vuid_of(alarm_id)},
        "alarmId": {"S": alarm_id},
        "receivedAtMs": {"N": str(at)},
    }
    if scope == "fleet":
        key["receivedDay"] = {"S": day}
    return day, key


# -- the API ---------------------------------------------------------------------------


class ConsoleApi:
    """``handle(event)`` answers one ``/api/`` request; the route key picks the action."""

    def __init__(
        self,
        dynamodb: Any,
        presigner: Any,
        settings: ConsoleSettings,
        clock: Callable[[], float] = time.time,
        ssm: Any = None,
    ) -> None:
        self._db = dynamodb
        self._ssm = ssm
        self._s3 = presigner
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
        self._routes: dict[str, Callable[[Request], tuple[int, Any]]] = {
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
        request = Request.from_event(event, self._clock())
        action = self._routes.get(request.route)
        if action is None:
            return error_reply(404, "no such console API route")
        status, document = action(request)
        return json_reply(status, document)

    # -- cameras -------------------------------------------------------------------
    def list_cameras(self, request: Request) -> tuple[int, Any]:
        request.only("status", "cursor", "limit")
        status = request.query.get("status")
        if status is not None and status not in CAMERA_STATUSES:
            raise BadRequest(
                f"status must be one of {', '.join(CAMERA_STATUSES)}", reason="status_invalid"
            )
        limit = _limit(request.query.get("limit"))
        after = ""
        if "cursor" in request.query:
            document = decode_cursor(request.query["cursor"])
            after = document.get("v", "")
            if not isinstance(after, str) or not after or document.get("s") != (status or ""):
                raise BadRequest("cursor is not one this API gave out", reason="cursor_invalid")
        fleet = self.cameras.registry.statuses()
        counts = {"total": len(fleet), **{name: 0 for name in CAMERA_STATUSES}}
        for _, camera_status in fleet:
            counts[camera_status] = counts.get(camera_status, 0) + 1
        chosen = [v for v, s in fleet if (status is None or s == status) and v > after]
        page = chosen[:limit]
        cameras = self._camera_items(page)
        latest = self._latest_alarms([c for c in cameras if c.last_alarm_at])
        more = len(chosen) > limit
        return 200, {
            "cameras": [self._camera_json(c, latest.get(c.vuid)) for c in cameras],
            "counts": counts,
            "next": encode_cursor({"s": status or "", "v": page[-1]}) if more else None,
        }

    def _camera_items(self, vuids: list[str]) -> list[Camera]:
        items: dict[str, dict[str, Any]] = {}
        for start in range(0, len(vuids), 100):
            keys = [{"vuid": {"S": v}} for v in vuids[start : start + 100]]
            request: dict[str, Any] = {self.settings.cameras_table: {"Keys": keys}}
            for _ in range(MAX_QUERIES):
                answer = self._db.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self.settings.cameras_table, []):
                    items[item["vuid"]["S"]] = item
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
        # A camera removed between the index read and this one is simply not shown.
        return [Camera.from_item(items[v]) for v in vuids if v in items]

    def _latest_alarms(self, cameras: list[Camera]) -> dict[str, dict[str, Any]]:
        """Each camera's newest alarm (one query each, in parallel)."""

        def newest(camera: Camera) -> dict[str, Any] | None:
            page = self._db.query(
                TableName=self.settings.alarms_table,
                IndexName=BY_TIME_INDEX,
                KeyConditionExpression="vuid = :vuid",
                ExpressionAttributeValues={":vuid": {"S": camera.vuid}},
                ScanIndexForward=False,
                Limit=1,
            )
            items = page.get("Items", [])
            return items[0] if items else None

        if not cameras:
            return {}
        with ThreadPoolExecutor(max_workers=min(8, len(cameras))) as pool:
            found = list(pool.map(newest, cameras))
        return {
            camera.vuid: self._alarm_json(item, camera.name)
            for camera, item in zip(cameras, found, strict=True)
            if item is not None
        }

    def _camera_json(self, camera: Camera, last_alarm: dict[str, Any] | None) -> dict[str, Any]:
        return {
            "vuid": camera.vuid,
            "name": camera.name,
            "status": camera.status,
            "registeredAt": camera.registered_at,
            "lastSeen": camera.last_seen,
            "lastAlarmAt": camera.last_alarm_at,
            "offlineSince": camera.offline_since,
            "offlineAfter": camera.offline_after,
            "lastAlarm": last_alarm,
        }

    def add_camera(self, request: Request) -> tuple[int, Any]:
        request.only()
        document = request.json("vuid", "name", "offlineAfter")
        vuid = _camera_vuid(document.get("vuid"))
        # A camera added again keeps the name and threshold the form leaves out.
        outcome = self.cameras.add(
            vuid,
            camera_admin.camera_name(document["name"]) if "name" in document else None,
            camera_admin.offline_after(document.get("offlineAfter")),
            int(request.now),
        )
        return (201 if outcome.added else 200), outcome.json()

    def update_camera(self, request: Request) -> tuple[int, Any]:
        request.only()
        vuid = _camera_vuid(request.path.get("vuid"))
        document = request.json("name", "offlineAfter")
        if not document:
            raise BadRequest("nothing to change: send name and/or offlineAfter", reason="empty")
        name = camera_admin.camera_name(document["name"]) if "name" in document else None
        threshold = (
            camera_admin.offline_after(document["offlineAfter"])
            if "offlineAfter" in document
            else None
        )
        outcome = self.cameras.update(vuid, name, threshold, int(request.now))
        return 200, outcome.json()

    def remove_camera(self, request: Request) -> tuple[int, Any]:
        request.only()
        vuid = _camera_vuid(request.path.get("vuid"))
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

    def camera_urls(self, request: Request) -> tuple[int, Any]:
        request.only()
        vuid = _camera_vuid(request.path.get("vuid"))
        return 200, self.cameras.urls(vuid)

    # -- alarms --------------------------------------------------------------------
    def list_alarms(self, request: Request) -> tuple[int, Any]:
        request.only("camera", "type", "from", "to", "cursor", "limit")
        query = request.query
        limit = _limit(query.get("limit"))
        vuid = _camera_vuid(query["camera"], "camera") if "camera" in query else None
        alarm_type: AlarmType | None = None
        if "type" in query:
            alarm_type = parse_alarm_type(query["type"])
        now_ms = int(request.now * 1000)
        oldest_ms = now_ms - (self.settings.retention_days + 1) * 86_400_000
        start = _epoch_ms("from", query.get("from"))
        end = _epoch_ms("to", query.get("to"))
        if start is not None and end is not None and start > end:
            raise BadRequest("from must not be after to", reason="range_invalid")
        # Nothing older than the retention period (plus TTL's lag) or newer than now exists.
        start = max(start or 0, oldest_ms)
        end = min(end if end is not None else now_ms + 60_000, now_ms + 60_000)
        scope = vuid or "fleet"
        day, last = received_day(end), None
        if "cursor" in query:
            day, last = _alarm_position(decode_cursor(query["cursor"]), scope)
        if start > end:
            return 200, {"alarms": [], "next": None}
        items, position = self._alarm_page(vuid, alarm_type, start, end, day, last, limit)
        names = self._camera_names({item["vuid"]["S"] for item in items})
        return 200, {
            "alarms": [self._alarm_json(i, names.get(i["vuid"]["S"], "")) for i in items],
            "next": encode_cursor({"s": scope, **position}) if position else None,
        }

    def _alarm_page(
        self,
        vuid: str | None,
        alarm_type: AlarmType | None,
        start: int,
        end: int,
        day: str,
        last: dict[str, Any] | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """Up to ``limit`` alarms newest first from (day, last), and where the next page starts."""
        found: list[dict[str, Any]] = []
        first_day = received_day(start)
        for _ in range(MAX_QUERIES):
            query: dict[str, Any] = {
                "TableName": self.settings.alarms_table,
                "ScanIndexForward": False,
                "ExpressionAttributeValues": {
                    ":start": {"N": str(start)},
                    ":end": {"N": str(end)},
                },
            }
            if vuid is not None:
                query["IndexName"] = BY_TIME_INDEX
                query["KeyConditionExpression"] = (
                    "vuid = :vuid AND receivedAtMs BETWEEN :start AND :end"
                )
                query["ExpressionAttributeValues"][":vuid"] = {"S": vuid}
            else:
                query["IndexName"] = BY_DAY_INDEX
                query["KeyConditionExpression"] = (
                    "receivedDay = :day AND receivedAtMs BETWEEN :start AND :end"
                )
                query["ExpressionAttributeValues"][":day"] = {"S": day}
            if alarm_type is not None:
                query["FilterExpression"] = "alarmType = :type"
                query["ExpressionAttributeValues"][":type"] = {"N": str(alarm_type.code)}
            else:
                # Without a filter every item read is returned: read no more than needed.
                query["Limit"] = limit - len(found)
            if last is not None:
                query["ExclusiveStartKey"] = last
            page = self._db.query(**query)
            for item in page.get("Items", []):
                found.append(item)
                if len(found) == limit:
                    return found, _position_after(item)
            last = page.get("LastEvaluatedKey")
            if last is None:
                if vuid is not None or day <= first_day:
                    return found, None
                day = _previous_day(day)
        # The query budget ran out first: go on from here next time.
        return found, {"d": day, "k": _key_position(last) if last else None}

    def _camera_names(self, vuids: set[str]) -> dict[str, str]:
        if not vuids:
            return {}
        answer = self._db.batch_get_item(
            RequestItems={
                self.settings.cameras_table: {
                    "Keys": [{"vuid": {"S": v}} for v in sorted(vuids)],
                    "ProjectionExpression": "vuid, #name",
                    "ExpressionAttributeNames": {"#name": "name"},
                }
            }
        )
        # A name missing after a throttled batch is shown as the vuid: not worth a retry.
        return {
            item["vuid"]["S"]: item.get("name", {}).get("S", "")
            for item in answer.get("Responses", {}).get(self.settings.cameras_table, [])
        }

    def _alarm_json(self, item: dict[str, Any], camera_name: str) -> dict[str, Any]:
        alarm_type = AlarmType(int(item["alarmType"]["N"]))
        alarm_id = item["alarmId"]["S"]
        thumbnail = "thumbnail" if "thumbnailKey" in item else "picture"
        reviewed = item.get("reviewedAt", {}).get("N")
        return {
            "alarmId": alarm_id,
            "vuid": item["vuid"]["S"],
            "cameraName": camera_name,
            "alarmType": alarm_type.code,
            "alarmTypeHex": alarm_type.hex,
            "alarmTypeName": alarm_type.name,
            "receivedAtMs": int(item["receivedAtMs"]["N"]),
            "reviewedAt": int(float(reviewed)) if reviewed is not None else None,
            "hasVideo": "videoKey" in item,
            "mediaStatus": item.get("mediaStatus", {}).get("S"),
            "thumbnailUrl": self._presign(item, thumbnail, alarm_id),
        }

    def _presign(
        self, item: dict[str, Any], prefix: str, alarm_id: str, download: bool = False
    ) -> str | None:
        key = item.get(f"{prefix}Key", {}).get("S")
        if key is None:
            return None
        content_type = item.get(f"{prefix}ContentType", {}).get("S", "application/octet-stream")
        extension = key.rsplit(".", 1)[-1]
        name = (
            f"{alarm_id}-{prefix}.{extension}" if prefix != "picture" else f"{alarm_id}.{extension}"
        )
        disposition = "attachment" if download else "inline"
        return self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.settings.media_bucket,
                "Key": key,
                "ResponseContentType": content_type,
                "ResponseContentDisposition": f'{disposition}; filename="{name}"',
                "ResponseCacheControl": "private, max-age=300",
            },
            ExpiresIn=PRESIGNED_SECONDS,
        )

    def _alarm_item(self, alarm_id: str) -> dict[str, Any]:
        item = self._db.get_item(
            TableName=self.settings.alarms_table,
            Key={"vuid": {"S": vuid_of(alarm_id)}, "alarmId": {"S": alarm_id}},
        ).get("Item")
        if item is None:
            raise NotFound(f"alarm {alarm_id} does not exist (deleted or expired)", "alarm_unknown")
        return item

    def get_alarm(self, request: Request) -> tuple[int, Any]:
        request.only()
        alarm_id = _alarm_id(request.path.get("alarmId"))
        item = self._alarm_item(alarm_id)
        names = self._camera_names({item["vuid"]["S"]})
        document = self._alarm_json(item, names.get(item["vuid"]["S"], ""))
        # The playable copy from media processing; else an MP4 original may play as it is.
        playable = None
        if "playableVideoKey" in item:
            playable = "playableVideo"
        elif item.get("videoContentType", {}).get("S") == "video/mp4":
            playable = "video"
        document.update(
            {
                "pictureUrl": self._presign(item, "picture", alarm_id),
                "pictureDownloadUrl": self._presign(item, "picture", alarm_id, download=True),
                "pictureContentType": item["pictureContentType"]["S"],
                "pictureSize": int(item["pictureSize"]["N"]),
                "videoUrl": self._presign(item, playable, alarm_id) if playable else None,
                "videoContentType": item.get(f"{playable}ContentType", {}).get("S")
                if playable
                else None,
                "videoDownloadUrl": self._presign(item, "video", alarm_id, download=True),
                "videoSize": int(item["videoSize"]["N"]) if "videoSize" in item else None,
                "originalVideoContentType": item.get("videoContentType", {}).get("S"),
                "mediaError": item.get("mediaError", {}).get("S"),
                "expiresAt": int(item["expiresAt"]["N"]),
            }
        )
        return 200, document

    def delete_alarm(self, request: Request) -> tuple[int, Any]:
        request.only()
        alarm_id = _alarm_id(request.path.get("alarmId"))
        deleted, missing = self._delete([alarm_id])
        if missing:
            raise NotFound(f"alarm {alarm_id} does not exist (deleted or expired)", "alarm_unknown")
        return 200, {"deleted": deleted}

    def delete_alarms(self, request: Request) -> tuple[int, Any]:
        request.only()
        ids = _alarm_ids(request.json("alarmIds"))
        deleted, missing = self._delete(ids)
        return 200, {"deleted": deleted, "missing": missing}

    def _delete(self, alarm_ids: list[str]) -> tuple[list[str], list[str]]:
        """Every object of each alarm (picture, video, thumbnail, playable copy), then its record.

        The media go first: if anything fails, the record is still there to show and
        delete again; the other order could leave media nobody can find until they expire.
        The keys media processing derives go once more after the records: processing that
        recorded its thumbnail between the two steps stored it before the record went.
        """
        items, missing = [], []
        for alarm_id in alarm_ids:
            try:
                items.append(self._alarm_item(alarm_id))
            except NotFound:
                missing.append(alarm_id)
        keys = {
            item[f"{prefix}Key"]["S"]
            for item in items
            for prefix in MEDIA_PREFIXES
            if f"{prefix}Key" in item
        }
        derivable = {
            key
            for item in items
            for key in derivable_keys(
                item.get("pictureKey", {}).get("S"), item.get("videoKey", {}).get("S")
            )
        }
        self._delete_objects(sorted(keys | derivable))
        for item in items:
            self._db.delete_item(
                TableName=self.settings.alarms_table,
                Key={"vuid": item["vuid"], "alarmId": item["alarmId"]},
            )
        self._delete_objects(sorted(derivable - keys))
        return [item["alarmId"]["S"] for item in items], missing

    def _delete_objects(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            answer = self._s3.delete_objects(
                Bucket=self.settings.media_bucket,
                Delete={
                    "Objects": [{"Key": key} for key in keys[start : start + 1000]],
                    "Quiet": True,
                },
            )
            if answer.get("Errors"):
                raise PushError("media could not be deleted, please retry", "delete_failed")

    def review_alarms(self, request: Request) -> tuple[int, Any]:
        request.only()
        document = request.json("alarmIds", "reviewed")
        ids = _alarm_ids(document)
        reviewed = document.get("reviewed", True)
        if not isinstance(reviewed, bool):
            raise BadRequest("reviewed must be true or false", reason="reviewed_invalid")
        updated, missing = [], []
        for alarm_id in ids:
            kwargs: dict[str, Any] = (
                {
                    "UpdateExpression": "SET reviewedAt = :now",
                    "ExpressionAttributeValues": {":now": {"N": str(int(request.now))}},
                }
                if reviewed
                else {"UpdateExpression": "REMOVE reviewedAt"}
            )
            try:
                self._db.update_item(
                    TableName=self.settings.alarms_table,
                    Key={"vuid": {"S": vuid_of(alarm_id)}, "alarmId": {"S": alarm_id}},
                    # An alarm deleted meanwhile is not re-created as a bare record.
                    ConditionExpression="attribute_exists(alarmId)",
                    **kwargs,
                )
                updated.append(alarm_id)
            except self._db.exceptions.ConditionalCheckFailedException:
                missing.append(alarm_id)
        return 200, {"updated": updated, "missing": missing, "reviewed": reviewed}


def _position_after(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "d": item["receivedDay"]["S"],
        "k": {"a": item["alarmId"]["S"], "t": int(item["receivedAtMs"]["N"])},
    }


def _key_position(key: dict[str, Any]) -> dict[str, Any]:
    return {"a": key["alarmId"]["S"], "t": int(key["receivedAtMs"]["N"])}


def _previous_day(day: str) -> str:
    at = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC) - timedelta(days=1)
    return at.strftime("%Y-%m-%d")


def handle_errors(handle: Callable[[dict[str, Any]], dict[str, Any]], logger: Any) -> Callable:
    """Wrap ``handle`` so every failure is a JSON refusal, never API Gateway's bare 500."""
    from botocore.exceptions import BotoCoreError, ClientError

    def wrapped(event: dict[str, Any]) -> dict[str, Any]:
        try:
            return handle(event)
        except PushError as error:
            if error.status >= 500:
                logger.exception("request failed", extra={"reason": error.reason})
            else:
                logger.info(
                    "request refused",
                    extra={"reason": error.reason, "status": error.status},
                )
            return error_reply(error.status, error.message)
        except (BotoCoreError, ClientError):
            logger.exception("AWS call failed")
            return error_reply(500, "storage is unavailable, please retry")
        except Exception:
            logger.exception("unexpected failure")
            return error_reply(500, "internal error, please retry")

    return wrapped
