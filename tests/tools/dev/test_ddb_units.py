"""DynamoDB's size and billing rules, as the bench prices writes and reads with them."""

from __future__ import annotations

import pytest
from vstarcam_tools.dev.bench.ddb_units import (
    Index,
    Table,
    item_size,
    read_units,
    units,
    value_size,
)

from tests.unit.conftest import _no_network  # noqa: F401  (no socket is opened)

CAMERA = {
    "vuid": {"S": "VE0005622QHOW"},
    "status": {"S": "online"},
    "lastSeen": {"N": "1796118340"},
    "onlineUntil": {"N": "1796118520"},
}


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ({"S": "online"}, 6),
        ({"S": "é"}, 2),  # UTF-8 bytes, not characters
        ({"N": "1796118340"}, 6),  # 10 significant digits: 5 bytes + 1
        ({"N": "180"}, 2),  # trailing zeros trimmed: 2 significant digits, 1 byte + 1
        ({"N": "0"}, 2),
        ({"BOOL": True}, 1),
        ({"L": [{"S": "ab"}, {"N": "1"}]}, 3 + (2 + 1) + (2 + 1)),
        ({"M": {"k": {"S": "v"}}}, 3 + 1 + 1 + 1),
    ],
)
def test_value_sizes_follow_dynamodbs_rules(value: dict, size: int) -> None:
    assert value_size(value) == size


def test_an_item_is_its_names_plus_its_values() -> None:
    assert item_size(CAMERA) == (4 + 13) + (6 + 6) + (8 + 6) + (11 + 6)


def test_units_round_up_per_kb_and_read_units_per_4_kb_halved() -> None:
    assert [units(0), units(1024), units(1025)] == [1, 1, 2]
    assert [read_units(1), read_units(4096), read_units(4097)] == [0.5, 0.5, 1.0]


def test_a_moving_index_key_is_a_delete_and_a_put() -> None:
    """The old byDeadline index: the heartbeat's deadline was its key, three units a heartbeat."""
    table = Table("t", ("vuid",), (Index("byDeadline", ("shard", "onlineUntil"), "KEYS_ONLY"),))
    before = {**CAMERA, "shard": {"S": "1"}}
    after = {**before, "lastSeen": {"N": "1796118400"}, "onlineUntil": {"N": "1796118580"}}

    assert table.write_units(before, after) == {"table": 1, "byDeadline": 2}


def test_an_index_is_written_only_when_its_key_or_a_projected_attribute_changes() -> None:
    table = Table("t", ("vuid",), (Index("byFleet", ("fleet", "vuid"), "INCLUDE", ("status",)),))
    online = {**CAMERA, "fleet": {"S": "camera"}}
    beat = {**online, "lastSeen": {"N": "1796118400"}}
    offline = {**online, "status": {"S": "offline"}}

    assert table.write_units(online, beat) == {"table": 1}
    assert table.write_units(online, offline) == {"table": 1, "byFleet": 1}
    assert table.write_units(None, online) == {"table": 1, "byFleet": 1}
    assert table.write_units(online, None) == {"table": 1, "byFleet": 1}


def test_a_write_is_priced_by_the_larger_item_and_an_all_index_copies_it() -> None:
    table = Table("t", ("vuid",), (Index("byDay", ("day", "vuid"), "ALL"),))
    big = {**CAMERA, "day": {"S": "2026-12-01"}, "blob": {"S": "x" * 1500}}

    assert table.write_units(big, CAMERA) == {"table": 2, "byDay": 2}
