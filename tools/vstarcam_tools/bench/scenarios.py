"""One realistic request per function: the state it meets, its event, and what success is."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vstarcam_push.alarm_types import AlarmType
from vstarcam_push.alarms import Alarm, alarm_id_for
from vstarcam_push.cameras import sweep_shard
from vstarcam_push.media import StoredMedia, media_key

from vstarcam_tools.bench import events
from vstarcam_tools.template import Stack

VUID = "VE0005622QHOW"
# The cost model's profile: a 300 KB alarm picture.
ALARM_PICTURE_BYTES = 300 * 1024
PAST_DUE = 10
HEALTHY = 100
_BATCH = 25


def camera_item(vuid: str, now: int, online_until: int | None) -> dict[str, Any]:
    """A registered camera as the registry stores it; online (in the sweep index) if due."""
    item: dict[str, Any] = {
        "vuid": {"S": vuid},
        "name": {"S": f"Camera {vuid[-4:]}"},
        "registeredAt": {"N": str(now - 86_400)},
        "offlineAfter": {"N": "180"},
    }
    if online_until is not None:
        item.update(
            {
                "status": {"S": "online"},
                "lastSeen": {"N": str(online_until - 180)},
                "onlineUntil": {"N": str(online_until)},
                "sweepShard": {"S": sweep_shard(vuid)},
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
    name: str
    logical_id: str
    seed: Callable[[Stack, Any, int], None]
    event: Callable[[Stack, int], dict[str, Any]]
    succeeded: Callable[[dict[str, Any]], bool]


def _cameras_table(stack: Stack) -> str:
    return stack.physical_name("CamerasTable")


def _seed_one_camera(stack: Stack, dynamodb: Any, now: int) -> None:
    seed_cameras(dynamodb, _cameras_table(stack), [camera_item(VUID, now, None)])


def _seed_fleet(stack: Stack, dynamodb: Any, now: int) -> None:
    seed_cameras(dynamodb, _cameras_table(stack), fleet(HEALTHY, PAST_DUE, now))


def _alarm_record(stack: Stack, now: int) -> dict[str, Any]:
    """The stream batch the notifier gets for a newly stored motion alarm."""
    alarm_type = AlarmType(0x12)
    picture = events.picture(ALARM_PICTURE_BYTES)
    alarm_id = alarm_id_for(VUID, alarm_type, "0" * 64)
    alarm = Alarm(
        alarm_id=alarm_id,
        vuid=VUID,
        alarm_type=alarm_type,
        received_at_ms=now * 1000,
        picture=StoredMedia(
            media_key(VUID, now * 1000, alarm_id, "jpg"), "image/jpeg", len(picture), "0" * 64
        ),
        video=None,
        expires_at=now + 30 * 86_400,
    )
    return events.stream_event(stack.get_att("AlarmsTable", "StreamArn"), alarm.to_item())


def _http_ok(response: dict[str, Any]) -> bool:
    return response.get("statusCode") == 200


SCENARIOS = (
    Scenario(
        "heartbeat",
        "HeartbeatFunction",
        _seed_one_camera,
        lambda stack, now: events.heartbeat_event(VUID, now * 1000),
        _http_ok,
    ),
    Scenario(
        "alarm",
        "AlarmFunction",
        _seed_one_camera,
        lambda stack, now: events.alarm_event(
            VUID, events.picture(ALARM_PICTURE_BYTES), now * 1000
        ),
        _http_ok,
    ),
    Scenario(
        "offline_sweep",
        "OfflineSweepFunction",
        _seed_fleet,
        lambda stack, now: events.schedule_event(now),
        lambda response: len(response.get("markedOffline", [])) == PAST_DUE,
    ),
    Scenario(
        "notify",
        "NotifyFunction",
        _seed_one_camera,
        _alarm_record,
        lambda response: response.get("batchItemFailures") == [],
    ),
)


def now() -> int:
    return int(time.time())
