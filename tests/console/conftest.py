"""Fixtures for the console's API tests: the API function in moto, and alarms stored as the
alarm function and media processing store them."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.camera_admission import CameraAdmission
from vstarcam_push.dal.media import MediaStore
from vstarcam_push.models.alarm import Alarm, alarm_id_for
from vstarcam_push.models.alarm_types import AlarmType
from vstarcam_push.models.media import JPEG, MP4, media_key
from vstarcam_tools.events import LambdaContext
from vstarcam_tools.template import Stack

from tests.conftest import JPEG as JPEG_BYTES
from tests.conftest import MP4 as MP4_BYTES
from tests.conftest import PUSH_KEY, REGION, load_function, register_camera

DAY_MS = 86_400_000
# The claims API Gateway's JWT authorizer hands the function for a signed-in admin: every
# claim as text, a list as its items space-separated in brackets.
ADMIN_CLAIMS = {
    "sub": "user-1",
    "client_id": "c",
    "username": "admin@example.com",
    "cognito:groups": "[admin]",
}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


def api_event(
    route: str,
    path: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: Any = None,
    now_ms: int | None = None,
    claims: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An HTTP API v2 event for a console route, as API Gateway sends it after the authorizer
    (``claims``: the verified token's, an admin's by default)."""
    method, template = route.split(" ", 1)
    raw_path = template
    for name, value in (path or {}).items():
        raw_path = raw_path.replace("{" + name + "}", value)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": raw_path,
        "rawQueryString": urlencode(query or {}),
        "headers": {"authorization": "Bearer eyJ...", "host": "abc123.execute-api.amazonaws.com"},
        "requestContext": {
            "http": {"method": method, "path": raw_path, "sourceIp": "203.0.113.7"},
            "requestId": "abc=",
            "routeKey": route,
            "stage": "$default",
            "timeEpoch": now_ms or int(time.time() * 1000),
            "authorizer": {
                "jwt": {"claims": ADMIN_CLAIMS if claims is None else claims, "scopes": None}
            },
        },
        "isBase64Encoded": False,
    }
    if path:
        event["pathParameters"] = path
    if query:
        event["queryStringParameters"] = query
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
        event["headers"]["content-type"] = "application/json"
    return event


@dataclass
class Console:
    module: ModuleType
    stack: Stack
    dynamodb: Any
    s3: Any

    @property
    def cameras_table(self) -> str:
        return self.stack.physical_name("CamerasTable")

    @property
    def alarms_table(self) -> str:
        return self.stack.physical_name("AlarmsTable")

    @property
    def bucket(self) -> str:
        return self.stack.physical_name("MediaBucket")

    def call(self, route: str, **kwargs: Any) -> Reply:
        response = self.module.lambda_handler(
            api_event(route, **kwargs), LambdaContext(aws_request_id="r")
        )
        return Reply(response["statusCode"], response["headers"], json.loads(response["body"]))

    def register(self, vuid: str, name: str = "", offline_after: int = 180) -> None:
        register_camera(
            self.dynamodb, self.cameras_table, vuid, name, offline_after, int(time.time())
        )

    def heartbeat(self, vuid: str, now: int) -> None:
        """A heartbeat with the tests' push key, as the heartbeat function writes it."""
        CameraAdmission(self.dynamodb, self.cameras_table).heartbeat(vuid, now, key=PUSH_KEY)

    def store_alarm(
        self,
        vuid: str,
        at_ms: int,
        alarm_type: int = 0x12,
        video: bool = False,
        processed: bool = False,
        **extra: dict[str, Any],
    ) -> str:
        """An alarm as the alarm function stores it (and, processed, as media processing
        completes it): objects in S3, the record in the table."""
        media = MediaStore(self.s3, self.bucket)
        picture_bytes = JPEG_BYTES + at_ms.to_bytes(8, "big")
        alarm_id = alarm_id_for(vuid, AlarmType(alarm_type), str(at_ms))
        picture = media.put(media_key(vuid, at_ms, alarm_id, "u1", "jpg"), picture_bytes, JPEG)
        stored_video = None
        if video:
            stored_video = media.put(media_key(vuid, at_ms, alarm_id, "u1", "mp4"), MP4_BYTES, MP4)
        alarm = Alarm(
            alarm_id=alarm_id,
            vuid=vuid,
            alarm_type=AlarmType(alarm_type),
            received_at_ms=at_ms,
            picture=picture,
            video=stored_video,
            expires_at=at_ms // 1000 + 30 * 86_400,
        )
        item = alarm.to_item()
        if processed:
            thumbnail = media.put(
                media_key(vuid, at_ms, alarm_id, "u1", "thumb.jpg"), JPEG_BYTES, JPEG
            )
            item.update(
                {
                    "thumbnailKey": {"S": thumbnail.key},
                    "thumbnailContentType": {"S": "image/jpeg"},
                    "thumbnailSize": {"N": str(thumbnail.size)},
                    "mediaStatus": {"S": "processed"},
                }
            )
            if video:
                playable = media.put(
                    media_key(vuid, at_ms, alarm_id, "u1", "play.mp4"), MP4_BYTES, MP4
                )
                item.update(
                    {
                        "playableVideoKey": {"S": playable.key},
                        "playableVideoContentType": {"S": "video/mp4"},
                        "playableVideoSize": {"N": str(playable.size)},
                    }
                )
        item.update(extra)
        self.dynamodb.put_item(TableName=self.alarms_table, Item=item)
        # The camera's lastAlarmAt, as the alarm function notes it (status left alone here).
        with contextlib.suppress(self.dynamodb.exceptions.ConditionalCheckFailedException):
            self.dynamodb.update_item(
                TableName=self.cameras_table,
                Key={"vuid": {"S": vuid}},
                UpdateExpression="SET lastAlarmAt = :at",
                ConditionExpression="attribute_exists(vuid)",
                ExpressionAttributeValues={":at": {"N": str(at_ms // 1000)}},
            )
        return alarm_id

    def alarm(self, alarm_id: str) -> Alarm | None:
        return AlarmStore(self.dynamodb, self.alarms_table).get(alarm_id)

    def media_keys(self) -> set[str]:
        listing = self.s3.list_objects_v2(Bucket=self.bucket)
        return {item["Key"] for item in listing.get("Contents", [])}


@pytest.fixture
def console(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Console:
    return Console(
        module=load_function(stack, "ConsoleApiFunction", monkeypatch),
        stack=stack,
        dynamodb=boto3.client("dynamodb", region_name=REGION),
        s3=boto3.client("s3", region_name=REGION),
    )


StoreAlarm = Callable[..., str]
