"""The camera item stays at most 1 KB in every state it can reach, by DynamoDB's own rules.

A heartbeat is billed by the larger of the item before and after, in 1 KB units:
above 1 KB every heartbeat costs two write units (the cost model counts one).
Each state is reached through the real code paths (registration with the
longest name, heartbeats, alarms, every cooldown slot claimed, the notification
ceiling's and the alarm rate's windows, offline, pending), then measured as
stored. Whoever adds an attribute to the camera item adds it here too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from vstarcam_push.dal.camera_fleet import CameraFleet
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.notification_claims import NotificationClaims
from vstarcam_push.models.alarm import alarm_id_for
from vstarcam_push.models.alarm_types import ALARM_TYPE_NAMES, AlarmType
from vstarcam_push.models.camera import MAX_NAME_LENGTH, SNOOZE_UNTIL_ON, NotifyCeiling

from tests.conftest import PUSH_KEY, alarm_event, heartbeat_event, invoke, reply_of
from tests.integration.conftest import Aws, LoadFunction

ITEM_LIMIT = 1024
# The longest vuid the protocol allows, and a name of 64 four-byte characters.
LONGEST_VUID = "VE" + "9" * 30
LONGEST_NAME = "\U0001d538" * MAX_NAME_LENGTH
LONGEST_SITE = "S" * 40  # models.camera.SITE_PATTERN
NOW = 1_795_700_000


def number_size(value: str) -> int:
    """DynamoDB: about 1 byte per two significant digits, plus 1 (leading/trailing zeros
    do not count)."""
    digits = format(abs(Decimal(value)).normalize(), "f").replace(".", "").strip("0") or "0"
    return (len(digits) + 1) // 2 + 1


def value_size(value: dict[str, Any]) -> int:
    ((kind, content),) = value.items()
    if kind == "S":
        return len(content.encode("utf-8"))
    if kind == "N":
        return number_size(content)
    if kind == "B":
        return len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: element}) for element in content)
    if kind == "L":
        return 3 + sum(1 + value_size(element) for element in content)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + value_size(v) for k, v in content.items())
    raise AssertionError(f"unknown DynamoDB type {kind}")


def item_size(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB bills it: every attribute's name plus its value."""
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def test_item_size_follows_dynamodbs_rules() -> None:
    """The documented examples: a string is its UTF-8 bytes, a number about half its digits."""
    assert item_size({"vuid": {"S": "VE0005622QHOW"}}) == 4 + 13
    assert item_size({"n": {"N": "1795700000"}}) == 1 + 4  # 17957: 5 significant digits
    assert item_size({"n": {"N": "12"}}) == 1 + 2
    assert item_size({"b": {"B": bytes(32)}}) == 1 + 32
    assert item_size({"name": {"S": "\U0001d538"}}) == 4 + 4


@pytest.fixture
def worst_camera(aws: Aws, functions: LoadFunction) -> NotificationClaims:
    """The longest camera there is, registered with the largest threshold, keyed."""
    aws.register(LONGEST_VUID, LONGEST_NAME, 10**9, NOW, PUSH_KEY)
    return NotificationClaims(aws.dynamodb, aws.cameras_table)


def claim_every_slot(registry: NotificationClaims, now: int) -> None:
    """Every cooldown slot taken: each vendor code's, and the one all other codes share."""
    ceiling = NotifyCeiling(limit=100, period=600)
    for code in [*ALARM_TYPE_NAMES, 0xFFFF]:
        alarm_type = AlarmType(code)
        alarm_id = alarm_id_for(LONGEST_VUID, alarm_type, f"{code:064x}")
        assert registry.claim_notification(LONGEST_VUID, alarm_type, alarm_id, now, 60, ceiling)


def test_the_camera_item_stays_under_1_kb_in_every_state(
    aws: Aws, functions: LoadFunction, worst_camera: NotificationClaims
) -> None:
    """GIVEN the longest vuid and name, and the largest offline threshold
    WHEN it is online (heartbeat), alarmed (alarm rate window), notified in every cooldown
    slot (ceiling window), in the longest site and snoozed by itself and its site, then
    offline
    THEN the stored item is at most 1,024 bytes in each of those states."""
    heartbeat, alarm = functions("HeartbeatFunction"), functions("AlarmFunction")
    sizes: dict[str, int] = {}

    def measure(state: str) -> None:
        item = aws.camera(LONGEST_VUID)
        assert item is not None
        sizes[state] = item_size(item)

    measure("registered")
    reply_of(invoke(heartbeat, heartbeat_event({"vuid": LONGEST_VUID}, NOW * 1000)))
    measure("online")
    response = invoke(alarm, alarm_event((NOW + 1) * 1000, vuid=LONGEST_VUID, alarm_type="38"))
    assert reply_of(response)["code"] == "200"
    measure("alarmed")
    claim_every_slot(worst_camera, NOW + 2)
    measure("every cooldown slot taken")
    registry = CameraRegistry(aws.dynamodb, aws.cameras_table)
    registry.set_site(LONGEST_VUID, LONGEST_SITE)
    assert [c.vuid for c in registry.snooze_site(LONGEST_SITE, SNOOZE_UNTIL_ON)] == [LONGEST_VUID]
    assert registry.snooze(LONGEST_VUID, SNOOZE_UNTIL_ON)
    measure("snoozed by itself and its site")
    fleet = CameraFleet(aws.dynamodb, aws.cameras_table)
    assert fleet.mark_offline(LONGEST_VUID, now=NOW + 10**9 + 10)
    measure("offline")

    print(f"camera item sizes by state (bytes): {sizes}")
    assert max(sizes.values()) <= ITEM_LIMIT, sizes


def test_a_pending_camera_item_is_only_its_registration(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN AcceptUnknownCameras=true WHEN the longest unknown vuid pushes
    THEN its pending item is a few dozen bytes."""
    heartbeat = functions("HeartbeatFunction", ACCEPT_UNKNOWN_CAMERAS="true")
    invoke(heartbeat, heartbeat_event({"vuid": LONGEST_VUID}, NOW * 1000, key=None))

    item = aws.camera(LONGEST_VUID)
    assert item is not None and item["status"] == {"S": "pending"}
    assert item_size(item) <= 100


def test_forged_alarm_types_cannot_grow_the_camera_item(
    aws: Aws, worst_camera: NotificationClaims
) -> None:
    """GIVEN a sender rotating through 500 unknown alarm types
    WHEN each is claimed for a notification (past each other's cooldown)
    THEN they all share one slot: the item keeps the attributes it had after the first."""
    ceiling = NotifyCeiling(limit=10_000, period=60)
    sizes, names = [], []
    for step, code in enumerate(range(0x100, 0x100 + 500)):
        alarm_type = AlarmType(code)
        alarm_id = alarm_id_for(LONGEST_VUID, alarm_type, f"{code:064x}")
        worst_camera.claim_notification(
            LONGEST_VUID, alarm_type, alarm_id, NOW + step * 120, 60, ceiling
        )
        item = aws.camera(LONGEST_VUID)
        assert item is not None
        sizes.append(item_size(item))
        names.append(sorted(item))

    # The same attributes after the first type as after the 500th; only numbers grow a digit.
    assert all(attributes == names[0] for attributes in names)
    assert max(sizes) <= ITEM_LIMIT
    item = aws.camera(LONGEST_VUID) or {}
    assert sorted(name for name in item if name.startswith("cool")) == [
        "coolBy_other",
        "cool_other",
    ]
