"""One realistic request per function: the state it meets, its event, and what success is."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vstarcam_push.media.links import link_url
from vstarcam_push.models.alarm import Alarm, MediaLink, alarm_id_for
from vstarcam_push.models.alarm_types import AlarmType
from vstarcam_push.models.media import StoredMedia, media_key
from vstarcam_push.models.push_keys import key_hash

from vstarcam_tools.dev.bench import events
from vstarcam_tools.events import console_event, link_event
from vstarcam_tools.template import Stack

VUID = "VE0005622QHOW"
# The cost model's profile: a 300 KB alarm picture.
ALARM_PICTURE_BYTES = 300 * 1024
PAST_DUE = 10
HEALTHY = 100
WARM_REQUESTS = 10
LINK_TOKEN = "q3V9x0Zc2m8JtYHfK1w7Ag"
_BATCH = 25


def camera_item(vuid: str, now: int, online_until: int | None) -> dict[str, Any]:
    """A registered camera as the registry stores it; online (with a deadline) if due."""
    item: dict[str, Any] = {
        "vuid": {"S": vuid},
        "name": {"S": f"Camera {vuid[-4:]}"},
        "registeredAt": {"N": str(now - 86_400)},
        "offlineAfter": {"N": "180"},
        "pushKeyHash": {"B": key_hash(events.BENCH_PUSH_KEY)},
        "pushKeyId": {"N": "140009419608394"},
    }
    if online_until is not None:
        item.update(
            {
                "status": {"S": "online"},
                "lastSeen": {"N": str(online_until - 180)},
                "onlineUntil": {"N": str(online_until)},
            }
        )
    return item


def seed_cameras(dynamodb: Any, table: str, items: list[dict[str, Any]]) -> None:
    """BatchWriteItem, 25 at a time: ten thousand cameras in seconds, not minutes."""
    for start in range(0, len(items), _BATCH):
        request = {
            table: [{"PutRequest": {"Item": item}} for item in items[start : start + _BATCH]]
        }
        for _ in range(10):
            request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems")
            if not request:
                break
        else:
            raise RuntimeError("DynamoDB kept items unprocessed while seeding cameras")


def fleet(healthy: int, past_due: int, now: int) -> list[dict[str, Any]]:
    """``healthy`` cameras with deadlines ahead, ``past_due`` ones silent for an hour."""
    return [camera_item(f"VEH{n:07d}HLTH", now, now + 180) for n in range(healthy)] + [
        camera_item(f"VED{n:07d}DUEX", now, now - 3600) for n in range(past_due)
    ]


@dataclass(frozen=True)
class Scenario:
    """``event`` is the cold request; ``warm_events`` follow it in the same container, each
    answered as ``warm_succeeded`` says (the sweeps after the first find nothing past due:
    the sweeper's usual minute)."""

    name: str
    logical_id: str
    seed: Callable[[Stack, Any, int], None]
    event: Callable[[Stack, int], dict[str, Any]]
    succeeded: Callable[[dict[str, Any]], bool]
    warm_events: Callable[[Stack, int], list[dict[str, Any]]]
    warm_succeeded: Callable[[dict[str, Any]], bool]
    # Imported by the floor too: libraries the function needs for its job (Pillow, av),
    # so the ratio measures what the handler adds to them.
    floor_imports: tuple[str, ...] = ()


def _cameras_table(stack: Stack) -> str:
    return stack.physical_name("CamerasTable")


def _seed_one_camera(stack: Stack, dynamodb: Any, now: int) -> None:
    seed_cameras(dynamodb, _cameras_table(stack), [camera_item(VUID, now, None)])


def _seed_fleet(stack: Stack, dynamodb: Any, now: int) -> None:
    seed_cameras(dynamodb, _cameras_table(stack), fleet(HEALTHY, PAST_DUE, now))


def _stored_alarm(now: int) -> Alarm:
    """A motion alarm as the alarm function stores it, with its media link."""
    alarm_type = AlarmType(0x12)
    picture = events.picture(ALARM_PICTURE_BYTES)
    alarm_id = alarm_id_for(VUID, alarm_type, "0" * 64)
    return Alarm(
        alarm_id=alarm_id,
        vuid=VUID,
        alarm_type=alarm_type,
        received_at_ms=now * 1000,
        picture=StoredMedia(
            media_key(VUID, now * 1000, alarm_id, "0" * 16, "jpg"),
            "image/jpeg",
            len(picture),
            "0" * 64,
        ),
        video=None,
        expires_at=now + 30 * 86_400,
        link=MediaLink(LINK_TOKEN, now + 7 * 86_400),
    )


def _alarm_record(stack: Stack, now: int) -> dict[str, Any]:
    """The stream batch the notifier gets for a newly stored motion alarm."""
    return events.stream_event(
        stack.get_att("AlarmsTable", "StreamArn"), _stored_alarm(now).to_item()
    )


def _seed_stored_alarm(stack: Stack, dynamodb: Any, now: int) -> None:
    table = stack.physical_name("AlarmsTable")
    dynamodb.put_item(TableName=table, Item=_stored_alarm(now).to_item())


def _media_link(stack: Stack, now: int) -> dict[str, Any]:
    """A browser opening the alarm email's picture link."""
    alarm_id = _stored_alarm(now).alarm_id
    api = "https://abc123.execute-api.us-east-1.amazonaws.com"
    url = link_url(api, alarm_id, "picture", LINK_TOKEN)
    return link_event(url, now * 1000)


# The console's alarms grid asks for a page of 50.
CONSOLE_PAGE = 50


def _seed_console_alarms(stack: Stack, dynamodb: Any, now: int) -> None:
    """One named camera and 60 stored alarms of the last minutes: the grid's first page."""
    seed_cameras(dynamodb, _cameras_table(stack), [camera_item(VUID, now, None)])
    table = stack.physical_name("AlarmsTable")
    base = _stored_alarm(now)
    for n in range(CONSOLE_PAGE + 10):
        alarm_id = alarm_id_for(VUID, base.alarm_type, f"{n:064x}")
        item = base.to_item()
        item["alarmId"] = {"S": alarm_id}
        item["receivedAtMs"] = {"N": str(now * 1000 - n * 10_000)}
        dynamodb.put_item(TableName=table, Item=item)


def _console_page(stack: Stack, now: int) -> dict[str, Any]:
    return console_event("GET /", time_ms=now * 1000)


def _console_alarms(stack: Stack, now: int) -> dict[str, Any]:
    return console_event("GET /api/alarms", time_ms=now * 1000)


def _a_page_of_alarms(response: dict[str, Any]) -> bool:
    import json

    if response.get("statusCode") != 200:
        return False
    return len(json.loads(response["body"])["alarms"]) == CONSOLE_PAGE


def _http_ok(response: dict[str, Any]) -> bool:
    return response.get("statusCode") == 200


def _redirected(response: dict[str, Any]) -> bool:
    return response.get("statusCode") == 302


def _repeat(
    event: Callable[[Stack, int], dict[str, Any]],
) -> Callable[[Stack, int], list[dict[str, Any]]]:
    return lambda stack, now: [event(stack, now)] * WARM_REQUESTS


def _new_alarms(stack: Stack, now: int) -> list[dict[str, Any]]:
    """Different pictures: a repeated one would be a camera's retry, stored once."""
    return [
        events.alarm_event(VUID, events.picture(ALARM_PICTURE_BYTES, seed=n), now * 1000 + n)
        for n in range(1, WARM_REQUESTS + 1)
    ]


def _no_batch_failures(response: dict[str, Any]) -> bool:
    return response.get("batchItemFailures") == []


def _heartbeat(stack: Stack, now: int) -> dict[str, Any]:
    return events.heartbeat_event(VUID, now * 1000)


def _alarm(stack: Stack, now: int) -> dict[str, Any]:
    return events.alarm_event(VUID, events.picture(ALARM_PICTURE_BYTES), now * 1000)


def _schedule(stack: Stack, now: int) -> dict[str, Any]:
    return events.schedule_event(now)


_MEDIA_SCENARIO_MS = 1_796_000_000_000


@functools.cache
def _camera_frame() -> bytes:
    """A real 1080p camera JPEG (about 250 KB): media processing decodes it."""
    from vstarcam_tools.camera import mediagen

    return mediagen.frame_jpeg(1920, 1080)


def _unprocessed_alarm(now: int, n: int) -> Alarm:
    """Alarm ``n`` of the media scenario: stored, its picture in S3, not processed yet."""
    alarm_type = AlarmType(0x12)
    alarm_id = alarm_id_for(VUID, alarm_type, f"{n:064x}")
    picture = _camera_frame()
    # Keys fixed, not from ``now``: the floor replays the recorded GetObject on a reseeded stack.
    received_at_ms = _MEDIA_SCENARIO_MS + n
    key = media_key(VUID, received_at_ms, alarm_id, f"{n:016x}", "jpg")
    return Alarm(
        alarm_id=alarm_id,
        vuid=VUID,
        alarm_type=alarm_type,
        received_at_ms=received_at_ms,
        picture=StoredMedia(key, "image/jpeg", len(picture), "0" * 64),
        video=None,
        expires_at=now + 30 * 86_400,
    )


def _seed_unprocessed_alarms(stack: Stack, dynamodb: Any, now: int) -> None:
    import boto3

    s3 = boto3.client("s3")
    for n in range(WARM_REQUESTS + 1):
        alarm = _unprocessed_alarm(now, n)
        s3.put_object(
            Bucket=stack.physical_name("MediaBucket"), Key=alarm.picture.key, Body=_camera_frame()
        )
        dynamodb.put_item(TableName=stack.physical_name("AlarmsTable"), Item=alarm.to_item())


def _new_alarm_record(n: int) -> Callable[[Stack, int], dict[str, Any]]:
    def record(stack: Stack, now: int) -> dict[str, Any]:
        return events.stream_event(
            stack.get_att("AlarmsTable", "StreamArn"), _unprocessed_alarm(now, n).to_item()
        )

    return record


def _new_alarm_records(stack: Stack, now: int) -> list[dict[str, Any]]:
    return [_new_alarm_record(n)(stack, now) for n in range(1, WARM_REQUESTS + 1)]


SCENARIOS = (
    Scenario(
        "heartbeat",
        "HeartbeatFunction",
        _seed_one_camera,
        _heartbeat,
        _http_ok,
        _repeat(_heartbeat),
        _http_ok,
    ),
    Scenario("alarm", "AlarmFunction", _seed_one_camera, _alarm, _http_ok, _new_alarms, _http_ok),
    Scenario(
        "offline_sweep",
        "OfflineSweepFunction",
        _seed_fleet,
        _schedule,
        lambda response: len(response.get("markedOffline", [])) == PAST_DUE,
        _repeat(_schedule),
        lambda response: response.get("markedOffline") == [],
    ),
    Scenario(
        "notify",
        "NotifyFunction",
        _seed_one_camera,
        _alarm_record,
        _no_batch_failures,
        _repeat(_alarm_record),
        _no_batch_failures,
    ),
    Scenario(
        "media",
        "MediaLinkFunction",
        _seed_stored_alarm,
        _media_link,
        _redirected,
        _repeat(_media_link),
        _redirected,
    ),
    Scenario(
        "console_page",
        "ConsoleFunction",
        _seed_one_camera,
        _console_page,
        _http_ok,
        _repeat(_console_page),
        _http_ok,
    ),
    Scenario(
        "console_alarms",
        "ConsoleApiFunction",
        _seed_console_alarms,
        _console_alarms,
        _a_page_of_alarms,
        _repeat(_console_alarms),
        _a_page_of_alarms,
    ),
    Scenario(
        "media_process",
        "MediaProcessFunction",
        _seed_unprocessed_alarms,
        _new_alarm_record(0),
        _no_batch_failures,
        _new_alarm_records,
        _no_batch_failures,
        floor_imports=("PIL.Image", "av"),
    ),
)


def now() -> int:
    return int(time.time())
