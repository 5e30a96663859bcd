"""A table's stream outlives whatever moto does to the table object.

moto keeps a DynamoDB table's stream records in a shard object owned by the
table, and a shard iterator holds that object. Some operations replace the
table object under its name: a ``TransactWriteItems`` that fails (a condition,
as when ``cameras add`` finds the camera registered) puts back a deep copy of
each table it touched, taken before the transaction, and so a copy of the shard
with the same shard id. An iterator handed out before keeps reading the old
shard, which no longer receives anything: every stream consumer (the local
stack's event source mappings) silently stops. AWS has one stream per table,
whatever a transaction does.

:func:`install` makes every DynamoDB backend's table dict keep the stream:
when a table object is replaced by another of the same stream (same stream
label, hence the same stream ARN), the new table takes over the old shard
object, with the new table's records (so a rolled-back transaction's records,
which AWS never writes, are gone too). Iterators, positions and consumers
carry on. A table with a new stream (deleted and made again) is left alone:
its stream ARN differs, as in AWS.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

_lock = threading.Lock()
_installed = False


class StreamKeepingTables(dict[str, Any]):
    """A backend's ``tables``: a table put over another keeps the other's stream shard."""

    def __setitem__(self, name: str, table: Any) -> None:
        previous = self.get(name)
        if previous is not None and previous is not table:
            hand_over_stream(previous, table)
        super().__setitem__(name, table)

    def __reduce__(self) -> Any:
        # Pickled as a plain dict (local/snapshot.py): the snapshot does not name this class.
        return (dict, (dict(self),))


def hand_over_stream(previous: Any, table: Any) -> None:
    """``table`` (replacing ``previous`` under its name) takes over its stream shard."""
    shard = getattr(previous, "stream_shard", None)
    copied = getattr(table, "stream_shard", None)
    if shard is None or copied is None or shard is copied:
        return
    label = "latest_stream_label"
    if getattr(previous, label, None) != getattr(table, label, None):
        return  # another stream (another ARN), as AWS makes for a table made again
    shard.items = copied.items
    shard.table = table
    table.stream_shard = shard


def keep_streams(backend: Any) -> None:
    """Make one DynamoDB backend's tables keep their streams (idempotent)."""
    if not isinstance(backend.tables, StreamKeepingTables):
        backend.tables = StreamKeepingTables(backend.tables)


def install() -> None:
    """From now on, in this process, every DynamoDB backend keeps its tables' streams:
    the ones that exist (a restored snapshot's included) and the ones made later (a new
    region, moto's reset)."""
    global _installed
    from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends

    with _lock:
        if not _installed:
            original = DynamoDBBackend.__init__

            def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
                original(self, *args, **kwargs)
                keep_streams(self)

            DynamoDBBackend.__init__ = __init__  # type: ignore[method-assign]
            _installed = True
        for _, _, backend in dynamodb_backends.iter_backends():
            keep_streams(backend)


# AWS keeps a stream's records for 24 hours; moto keeps them all.
STREAM_RETENTION_S = 24 * 3600


def trim(table: Any, now: datetime | None = None, retention_s: float = STREAM_RETENTION_S) -> int:
    """Drop the stream records older than ``retention_s``, as AWS does; returns how many.

    moto numbers a shard's records from its starting sequence number by position, so the
    start moves up by as many as are dropped: the records kept keep their numbers, and
    so do the ones written next. (An iterator older than what is kept would fail, as
    AWS's TrimmedDataAccessException; the stack's own are seconds old.)
    """
    from moto.core.utils import utcnow

    shard = getattr(table, "stream_shard", None)
    if shard is None or not shard.items:
        return 0
    # moto's times are naive UTC.
    cutoff = (now or utcnow()) - timedelta(seconds=retention_s)
    old = 0
    for record in shard.items:
        created = record.record.get("dynamodb", {}).get("ApproximateCreationDateTime")
        if not isinstance(created, datetime) or created >= cutoff:
            break
        old += 1
    if old:
        del shard.items[:old]
        shard.starting_sequence_number += old
    return old
