"""Write and read units of each request, from the items' real sizes and the template's indexes.

In-process moto: the real handlers run, the items they write are read before and after
(strongly consistent, outside the measurement), and ``ddb_units`` prices each write by
DynamoDB's rules. The camera states a heartbeat meets are all measured: a camera never
seen, online, offline, and online with the largest item the code writes (every vendor
alarm type's cooldown slot taken, a long name). The sweep of 1,000 cameras is priced
from the bytes its Scan segments read, page by page.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from typing import Any

import boto3
from moto import mock_aws
from vstarcam_push.dal.camera_fleet import SWEEP_SEGMENTS
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.notification_claims import NotificationClaims
from vstarcam_push.dal.status_history import StatusHistory
from vstarcam_push.models.alarm_types import ALARM_TYPE_NAMES, AlarmType
from vstarcam_push.models.camera import SNOOZE_UNTIL_ON, NotifyCeiling, cooldown_slot
from vstarcam_push.models.push_keys import key_hash, new_secret
from vstarcam_push.models.status_history import StatusChange

from vstarcam_tools.dev.bench import events
from vstarcam_tools.dev.bench.aws import DUMMY_ENVIRONMENT, environment
from vstarcam_tools.dev.bench.coldstart import load_handler
from vstarcam_tools.dev.bench.ddb_units import Item, Table, item_size, read_units, total
from vstarcam_tools.dev.bench.scenarios import (
    ALARM_PICTURE_BYTES,
    VUID,
    camera_item,
    now,
    seed_cameras,
)
from vstarcam_tools.events import LambdaContext
from vstarcam_tools.provision import create_resources
from vstarcam_tools.template import Stack

SWEPT_CAMERAS = 1_000
_NAME = "Entrance gate, north car park, second floor"  # a long name people give


class _Bench:
    def __init__(self, stack: Stack, session: boto3.Session) -> None:
        self.stack = stack
        self.dynamodb = session.client("dynamodb")
        self.cameras = stack.physical_name("CamerasTable")
        self.alarms = stack.physical_name("AlarmsTable")
        self.tables = {
            name: Table.from_template(logical_id, stack.properties(logical_id))
            for logical_id, name in (("CamerasTable", self.cameras), ("AlarmsTable", self.alarms))
        }
        self._modules: dict[str, Any] = {}

    def handler(self, logical_id: str) -> Callable[[dict[str, Any]], Any]:
        if logical_id not in self._modules:
            function = self.stack.functions()[logical_id]
            variables = {**DUMMY_ENVIRONMENT, **function.environment}
            with environment(variables), contextlib.redirect_stdout(io.StringIO()):
                boto3.setup_default_session()
                self._modules[logical_id] = (function, load_handler(function.module_file))
        function, module = self._modules[logical_id]
        variables = {**DUMMY_ENVIRONMENT, **function.environment}

        def call(event: dict[str, Any]) -> Any:
            with environment(variables), contextlib.redirect_stdout(io.StringIO()):
                return module.lambda_handler(event, LambdaContext())

        return call

    def camera(self, vuid: str = VUID) -> Item | None:
        return self.dynamodb.get_item(
            TableName=self.cameras, Key={"vuid": {"S": vuid}}, ConsistentRead=True
        ).get("Item")

    def put_camera(self, item: Item) -> None:
        self.dynamodb.put_item(TableName=self.cameras, Item=item)

    def alarm_items(self) -> list[Item]:
        return self.dynamodb.scan(TableName=self.alarms, ConsistentRead=True)["Items"]

    def camera_write(self, action: Callable[[], Any], vuid: str = VUID) -> dict[str, Any]:
        before = self.camera(vuid)
        action()
        after = self.camera(vuid)
        spent = self.tables[self.cameras].write_units(before, after)
        return {"units": total(spent), "by_table_or_index": spent, "item_bytes": item_size(after)}


def _largest_camera(at: int) -> Item:
    """The biggest camera item the code writes: every cooldown slot taken (each vendor type's
    and the one unknown codes share), the notification ceiling's and alarm rate's windows,
    the longest site, snoozed by itself and by its site."""
    item = camera_item(VUID, at, at + 180)
    item["name"] = {"S": _NAME}
    item["lastAlarmAt"] = {"N": str(at)}
    item["offlineSince"] = {"N": str(at - 86_400)}
    for code in [*ALARM_TYPE_NAMES, 0xFFFF]:
        slot = cooldown_slot(AlarmType(code))
        item[f"cool_{slot}"] = {"N": str(at)}
        item[f"coolBy_{slot}"] = {"S": "f" * 12}
    item["notifyWindow"] = item["alarmWindow"] = {"N": str(at)}
    item["notifyCount"] = item["alarmCount"] = {"N": "10"}
    item["site"] = {"S": "S" * 40}
    item["snoozedUntil"] = item["siteSnoozedUntil"] = {"N": str(SNOOZE_UNTIL_ON)}
    return item


def _heartbeat_states(bench: _Bench, at: int) -> dict[str, Any]:
    heartbeat = bench.handler("HeartbeatFunction")
    sweep = bench.handler("OfflineSweepFunction")

    def beat(seconds_ago: int = 0) -> Callable[[], Any]:
        return lambda: heartbeat(events.heartbeat_event(VUID, (at - seconds_ago) * 1000))

    states: dict[str, Any] = {}
    # Registered as `cameras add` registers it, so it carries what the registry writes.
    CameraRegistry(bench.dynamodb, bench.cameras).register(
        VUID, "Front door", 180, at - 86_400, new_secret()
    )
    # The benchmark's events carry its fixed push key: the camera's hash is that key's.
    bench.put_camera(
        {**(bench.camera() or {}), "pushKeyHash": {"B": key_hash(events.BENCH_PUSH_KEY)}}
    )
    states["never seen"] = bench.camera_write(beat(600))
    states["online"] = bench.camera_write(beat(590))
    sweep(events.schedule_event(at))
    states["offline"] = bench.camera_write(beat())
    bench.put_camera({**(bench.camera() or {}), **_largest_camera(at)})
    states["online, largest item"] = bench.camera_write(beat())
    return states


def _alarm(bench: _Bench, at: int) -> dict[str, Any]:
    bench.put_camera({**(bench.camera() or {}), **camera_item(VUID, at, at + 180)})
    alarm = bench.handler("AlarmFunction")
    picture = events.picture(ALARM_PICTURE_BYTES, seed=99)
    camera = bench.camera_write(lambda: alarm(events.alarm_event(VUID, picture, at * 1000)))
    (record,) = bench.alarm_items()
    spent = bench.tables[bench.alarms].write_units(None, record)
    return {
        "units": total(spent) + camera["units"],
        "alarm_record": {"units": total(spent), "by_table_or_index": spent},
        "alarm_item_bytes": item_size(record),
        "camera": camera,
    }, record


def _media_record_update(bench: _Bench, record: Item) -> dict[str, Any]:
    """Media processing (issue 10) adding the agreed thumbnail fields to a stored alarm."""
    key = record["pictureKey"]["S"].rsplit(".", 1)[0] + "-thumbnail.jpg"
    after = {
        **record,
        "thumbnailKey": {"S": key},
        "thumbnailContentType": {"S": "image/jpeg"},
        "thumbnailSize": {"N": "18342"},
        "mediaStatus": {"S": "processed"},
    }
    spent = bench.tables[bench.alarms].write_units(record, after)
    return {"units": total(spent), "by_table_or_index": spent, "item_bytes": item_size(after)}


def _segment_pages(bench: _Bench) -> Iterator[int]:
    """Bytes read by each page of each Scan segment, as the sweep's Scan reads them."""
    for segment in range(SWEEP_SEGMENTS):
        pages = bench.dynamodb.get_paginator("scan").paginate(
            TableName=bench.cameras, Segment=segment, TotalSegments=SWEEP_SEGMENTS
        )
        for page in pages:
            yield sum(item_size(item) for item in page["Items"])


def _sweep(bench: _Bench, at: int) -> dict[str, Any]:
    items = [camera_item(f"VEH{n:07d}HLTH", at, at + 180) for n in range(SWEPT_CAMERAS)]
    for item in items:
        item["lastAlarmAt"] = {"N": str(at - 3600)}
    seed_cameras(bench.dynamodb, bench.cameras, items)
    pages = list(_segment_pages(bench))
    scanned = sum(pages)
    due = camera_item("VED0000000DUEX", at, at - 60)
    bench.put_camera(due)
    offline = bench.camera_write(
        lambda: bench.handler("OfflineSweepFunction")(events.schedule_event(at)), due["vuid"]["S"]
    )
    return {
        "cameras": SWEPT_CAMERAS,
        "read_units": sum(read_units(page) for page in pages),
        "pages": len(pages),
        "bytes_read": scanned,
        "camera_item_bytes": round(scanned / SWEPT_CAMERAS, 1),
        "write_units_none_past_due": 0,
        "write_units_per_camera_marked_offline": offline["units"],
    }


def _status_history(bench: _Bench, at: int) -> dict[str, Any]:
    """The notify function's one write per status change (the day view's history): the
    larger of the two items, an offline change with its last sign of life."""
    logical_id = "StatusHistoryTable"
    name = bench.stack.physical_name(logical_id)
    table = Table.from_template(logical_id, bench.stack.properties(logical_id))
    history = StatusHistory(bench.dynamodb, name, retention_days=30)
    change = StatusChange(VUID, "offline", at, last_seen=at - 240)
    history.record(change)
    (item,) = bench.dynamodb.scan(TableName=name, ConsistentRead=True)["Items"]
    spent = table.write_units(None, item)
    return {"units": total(spent), "by_table_or_index": spent, "item_bytes": item_size(item)}


def run() -> dict[str, Any]:
    """The ``write_units`` section: per request, from real items and the template's indexes."""
    with mock_aws():
        stack = Stack(region=events.REGION)
        session = boto3.Session(region_name=events.REGION)
        create_resources(stack, session)
        bench = _Bench(stack, session)
        at = now()
        heartbeat = _heartbeat_states(bench, at)
        alarm, record = _alarm(bench, at)
        media = _media_record_update(bench, record)
        claims = NotificationClaims(bench.dynamodb, bench.cameras)
        notify_claim = bench.camera_write(
            lambda: claims.claim_notification(
                VUID, AlarmType(0x12), f"{VUID}-{'a' * 20}", at, 300, NotifyCeiling(10, 600)
            )
        )
        sweep = _sweep(bench, at)
        history = _status_history(bench, at)
        boto3.DEFAULT_SESSION = None
    return {
        "heartbeat": {
            # The 43,200-a-month case: a camera that stays online. The others happen once
            # per outage (and at a camera's first heartbeat).
            "units": heartbeat["online"]["units"],
            "units_at_most": max(state["units"] for state in heartbeat.values()),
            "by_state": heartbeat,
        },
        "alarm": alarm,
        "media_record_update": media,
        "notify_cooldown_claim": notify_claim,
        "sweep_1000_cameras": sweep,
        # Per status change, never per heartbeat: the Cameras stream's filter passes
        # status changes only.
        "status_history_per_change": history,
    }
