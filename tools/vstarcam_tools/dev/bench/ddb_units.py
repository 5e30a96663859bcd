"""DynamoDB's billing rules for item sizes, write units and read units, applied to real items.

``make bench`` runs the handlers against moto, reads each item before and after a
request, and prices the write with these rules instead of assuming a number:

- item size: attribute names (UTF-8 bytes) plus values: a string's UTF-8 bytes, a
  number's 1 byte per two significant digits plus 1, binary bytes, 1 for a boolean
  or null, 3 plus 1 per element for a list or map (plus the map's key names);
- a write costs one unit per started KB of the larger of the item before and after
  (a delete: the item before; a failed condition: the item as it is, at least 1);
- each secondary index costs, per write: nothing if the write changes neither its key
  nor an attribute it projects; one index-entry write if only projected attributes
  change; a put when the item enters it and a delete when it leaves; a delete plus a
  put when its key changes. An index entry is the table's key, the index's key, the
  projected attributes and 100 bytes;
- an eventually consistent read costs half a unit per started 4 KB; a Scan or Query
  page adds up the sizes of all the items it read, whatever its filter kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

Item = dict[str, dict[str, Any]]
INDEX_ENTRY_OVERHEAD = 100


def _number_size(text: str) -> int:
    digits = Decimal(text).normalize().as_tuple().digits
    significant = len(digits) if any(digits) else 1
    return math.ceil(significant / 2) + 1


def value_size(value: dict[str, Any]) -> int:
    """The size of one attribute value in DynamoDB's JSON shape (``{"S": ...}``)."""
    ((kind, data),) = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        return _number_size(data)
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(entry.encode()) for entry in data)
    if kind == "NS":
        return sum(_number_size(entry) for entry in data)
    if kind == "BS":
        return sum(len(entry) for entry in data)
    if kind == "L":
        return 3 + sum(value_size(entry) + 1 for entry in data)
    if kind == "M":
        return 3 + sum(len(name.encode()) + value_size(entry) + 1 for name, entry in data.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: Item | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def units(size: int) -> int:
    """Write units for ``size`` bytes: one per started KB, at least one."""
    return max(1, math.ceil(size / 1024))


def read_units(size: int) -> float:
    """Eventually consistent read units for ``size`` bytes read: 0.5 per started 4 KB."""
    return 0.5 * max(1, math.ceil(size / 4096))


@dataclass(frozen=True)
class Index:
    name: str
    keys: tuple[str, ...]
    projection: str  # ALL, KEYS_ONLY or INCLUDE
    included: tuple[str, ...] = ()

    def contains(self, item: Item | None) -> bool:
        return bool(item) and all(key in item for key in self.keys)  # type: ignore[operator]

    def entry(self, item: Item, table_keys: tuple[str, ...]) -> Item:
        if self.projection == "ALL":
            return dict(item)
        names = set(self.keys) | set(table_keys) | set(self.included)
        return {name: value for name, value in item.items() if name in names}

    def entry_size(self, item: Item, table_keys: tuple[str, ...]) -> int:
        return item_size(self.entry(item, table_keys)) + INDEX_ENTRY_OVERHEAD


@dataclass(frozen=True)
class Table:
    name: str
    keys: tuple[str, ...]
    indexes: tuple[Index, ...]

    @classmethod
    def from_template(cls, logical_id: str, properties: dict[str, Any]) -> Table:
        keys = tuple(key["AttributeName"] for key in properties["KeySchema"])
        indexes = []
        for index in properties.get("GlobalSecondaryIndexes", []) + properties.get(
            "LocalSecondaryIndexes", []
        ):
            projection = index["Projection"]
            indexes.append(
                Index(
                    name=index["IndexName"],
                    keys=tuple(key["AttributeName"] for key in index["KeySchema"]),
                    projection=projection["ProjectionType"],
                    included=tuple(projection.get("NonKeyAttributes", [])),
                )
            )
        return cls(logical_id, keys, tuple(indexes))

    def write_units(self, before: Item | None, after: Item | None) -> dict[str, int]:
        """Units of one write that turned ``before`` into ``after`` (None: no item).

        ``table`` is the table's own units; each index that was written adds its name.
        """
        if after is None and before is None:
            return {"table": 1}  # a failed condition on a missing item
        spent = {"table": units(max(item_size(before), item_size(after)))}
        for index in self.indexes:
            index_units = self._index_units(index, before, after)
            if index_units:
                spent[index.name] = index_units
        return spent

    def _index_units(self, index: Index, before: Item | None, after: Item | None) -> int:
        was, now = index.contains(before), index.contains(after)
        if not was and not now:
            return 0
        if was and not now:
            return units(index.entry_size(before, self.keys))  # type: ignore[arg-type]
        if now and not was:
            return units(index.entry_size(after, self.keys))  # type: ignore[arg-type]
        assert before is not None and after is not None
        if any(before[key] != after[key] for key in index.keys):
            return units(index.entry_size(before, self.keys)) + units(
                index.entry_size(after, self.keys)
            )
        if index.entry(before, self.keys) != index.entry(after, self.keys):
            return units(
                max(index.entry_size(before, self.keys), index.entry_size(after, self.keys))
            )
        return 0


def total(spent: dict[str, int]) -> int:
    return sum(spent.values())
