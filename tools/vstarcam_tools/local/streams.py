"""Lambda's DynamoDB event source mapping, emulated: poll a table stream, filter, batch, invoke.

moto stores stream records but cannot invoke a function without Docker, so
the local stack plays the part of the event source mapping itself, with the
settings of the template's ``DynamoDB`` event. The same class drives any
handler callable against in-process moto (``mock_aws``) in tests.

What it does, as Lambda does:

- positions at the ``StartingPosition`` (``LATEST``: only records written after
  construction; ``TRIM_HORIZON``: all) when constructed, or where an earlier run
  left off (``positions``: Lambda keeps a mapping's checkpoint across anything);
- drops records that match none of the ``FilterCriteria`` patterns (Lambda's
  event filtering syntax, evaluated by moto's EventBridge pattern matcher) before
  batching, so they never invoke the function;
- batches up to ``BatchSize`` records per shard, waiting up to
  ``MaximumBatchingWindowInSeconds`` for a batch to fill (the background loop
  only; :meth:`drain` does not wait);
- invokes ``handler({"Records": [...]})`` with records shaped as Lambda passes
  them (``eventSourceARN`` added, ``ApproximateCreationDateTime`` in epoch
  seconds). A raised exception is a function error. With
  ``ReportBatchItemFailures`` a returned ``{"batchItemFailures": [{"itemIdentifier":
  "<sequence number>"}]}`` retries from the lowest failed sequence number (an
  identifier not in the batch fails the whole batch);
- on a function error with ``BisectBatchOnFunctionError`` splits the batch in two
  and retries each half (a split does not count as a retry);
- retries with a short exponential backoff until ``MaximumRetryAttempts`` (-1:
  forever) or ``MaximumRecordAgeInSeconds`` is exceeded, then sends Lambda's
  failure record (``DDBStreamBatchInfo``: shard, sequence number range, batch
  size; not the records themselves) to the ``OnFailure`` SQS destination, if any,
  and moves on. Records are processed in order within a shard: a failing batch
  holds back the records behind it.

API::

    mapping = StreamEventSource(
        streams=boto3.client("dynamodbstreams"),
        stream_arn=stack.get_att("AlarmsTable", "StreamArn"),
        handler=handler,                  # (event: dict) -> dict | None; raise = function error
        config=MappingConfig.from_sam(event_properties, retry_delay_s=0),
        sqs=boto3.client("sqs"),          # needed if the config has an OnFailure destination
    )
    ...write to the table...
    result = mapping.drain()              # everything now in the stream, retries included
    result.invocations, result.delivered, result.dead_lettered, result.filtered_out

    mapping.start()  # or: a background thread polling every poll_interval_s
    mapping.stop()   # waits for the thread; an unfinished retry is abandoned
    mapping.positions  # where to go on from, per shard: pass as positions= next time

``event_properties`` are the resolved ``Properties`` of a template ``DynamoDB``
event, e.g. ``stack.functions()["NotifyFunction"].events["NewAlarm"]["Properties"]``;
any :class:`MappingConfig` field can be overridden there (``max_retry_attempts=2``).
The result of :meth:`drain` is a :class:`Stats` of what that call did; ``stats``
holds the running totals. :func:`lambda_record` and :func:`failure_record` build
the stream record and the on-failure record on their own. Use either
:meth:`drain` or the background thread at a time, not both.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from moto.events.models import EventPattern

from vstarcam_tools.local.poller import BackgroundPoller, Stopped

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Any]

# Lambda reads a shard about four times a second.
DEFAULT_POLL_INTERVAL_S = 0.25
# How often the background poller looks for new shards (a split), as Lambda does now and then
# rather than at every read: a DescribeStream at every poll was half of what an idle stack
# asked of moto (three subscriptions, four polls a second each). ``drain`` looks every time.
SHARD_REFRESH_S = 1.0
_GET_RECORDS_LIMIT = 1000
_MAX_DRAIN_ROUNDS = 1000


@dataclass(frozen=True)
class MappingConfig:
    """An event source mapping's settings; the defaults are Lambda's for DynamoDB streams."""

    batch_size: int = 100
    batching_window_s: float = 0.0
    starting_position: str = "LATEST"
    filter_patterns: tuple[str, ...] = ()
    report_batch_item_failures: bool = False
    bisect_on_error: bool = False
    max_retry_attempts: int = -1
    max_record_age_s: int = -1
    on_failure_arn: str | None = None
    # Lambda's backoff is seconds to minutes; locally it is kept short so
    # failures and dead letters show up quickly.
    retry_delay_s: float = 0.1
    max_retry_delay_s: float = 2.0

    @classmethod
    def from_sam(cls, properties: dict[str, Any], **overrides: Any) -> MappingConfig:
        """The resolved ``Properties`` of a SAM ``DynamoDB`` event."""
        destination = properties.get("DestinationConfig", {}).get("OnFailure")
        if destination and destination.get("Type", "SQS") not in ("SQS", "SNS"):
            raise ValueError(f"on-failure destination {destination.get('Type')} is not emulated")
        settings: dict[str, Any] = {
            "batch_size": int(properties.get("BatchSize", 100)),
            "batching_window_s": float(properties.get("MaximumBatchingWindowInSeconds", 0)),
            "starting_position": properties.get("StartingPosition", "LATEST"),
            "filter_patterns": tuple(
                item["Pattern"] for item in properties.get("FilterCriteria", {}).get("Filters", [])
            ),
            "report_batch_item_failures": "ReportBatchItemFailures"
            in properties.get("FunctionResponseTypes", []),
            "bisect_on_error": bool(properties.get("BisectBatchOnFunctionError", False)),
            "max_retry_attempts": int(properties.get("MaximumRetryAttempts", -1)),
            "max_record_age_s": int(properties.get("MaximumRecordAgeInSeconds", -1)),
            "on_failure_arn": destination.get("Destination") if destination else None,
        }
        settings.update(overrides)
        return cls(**settings)


@dataclass
class Stats:
    """Counts of what the mapping did; ``delivered`` counts records the function completed."""

    read: int = 0
    filtered_out: int = 0
    invocations: int = 0
    function_errors: int = 0
    partial_failures: int = 0
    retries: int = 0
    delivered: int = 0
    dead_lettered: int = 0

    def minus(self, before: Stats) -> Stats:
        return Stats(
            **{f.name: getattr(self, f.name) - getattr(before, f.name) for f in fields(self)}
        )


class FunctionError(Exception):
    """Raised by a handler callable to report a function error with its Lambda error type."""


# Where a mapping goes on from in a shard: a ShardIteratorType and its sequence number,
# ("AT_SEQUENCE_NUMBER", the first record not done) or ("AFTER_SEQUENCE_NUMBER", the last
# record read, when every record read is done).
Position = tuple[str, str]


@dataclass
class _Shard:
    shard_id: str
    iterator: str | None
    # (time read, record as Lambda passes it), in sequence order
    pending: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    # Where to go on from if nothing is pending: the last record read (filtered out ones
    # included), or the position it started from.
    after: Position | None = None

    def position(self) -> Position | None:
        if self.pending:
            return ("AT_SEQUENCE_NUMBER", _sequence_number(self.pending[0][1]))
        return self.after


@dataclass(frozen=True)
class _Attempt:
    ok: bool
    function_error: bool = False
    retry_from: int = 0


class StreamEventSource(BackgroundPoller):
    what = "reading the stream"
    kind = "stream"

    def __init__(
        self,
        streams: Any,
        stream_arn: str,
        handler: Handler,
        config: MappingConfig | None = None,
        *,
        sqs: Any = None,
        sns: Any = None,
        function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:local",
        name: str | None = None,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
        positions: dict[str, Position] | None = None,
    ) -> None:
        super().__init__(name or stream_arn.split("/")[1], poll_interval_s)
        self.config = config or MappingConfig()
        on_failure = self.config.on_failure_arn or ""
        if on_failure.startswith("arn:aws:sns:") and sns is None:
            raise ValueError("an SNS OnFailure destination needs an sns client")
        if on_failure and not on_failure.startswith("arn:aws:sns:") and sqs is None:
            raise ValueError("an OnFailure destination needs an sqs client")
        self._streams = streams
        self._sqs = sqs
        self._sns = sns
        self.stream_arn = stream_arn
        self.handler = handler
        self.function_arn = function_arn
        self.stats = Stats()
        self._patterns = [EventPattern.load(pattern) for pattern in self.config.filter_patterns]
        self._queue_url: str | None = None
        self._lock = threading.Lock()
        # Held only while a shard's pending records and position change, never during an
        # invocation: :attr:`positions` is read from another thread (the state's saver).
        self._positions_lock = threading.Lock()
        self._shards: dict[str, _Shard] = {}
        self._refresh_shards(self.config.starting_position, positions or {})
        self._shards_refreshed = time.monotonic()

    @property
    def positions(self) -> dict[str, Position]:
        """Where each shard's processing goes on from: a record pending (being delivered,
        or waiting for a retry) is not done yet, so it is delivered again after a restart
        (at least once, as Lambda delivers). Safe to read from another thread."""
        with self._positions_lock:
            found = {shard_id: shard.position() for shard_id, shard in self._shards.items()}
        return {shard_id: position for shard_id, position in found.items() if position}

    @property
    def shard_iterators(self) -> set[str]:
        """The shard iterators the mapping reads with next."""
        return {shard.iterator for shard in list(self._shards.values()) if shard.iterator}

    # -- driving it ------------------------------------------------------------
    def drain(self) -> Stats:
        """Read and process everything in the stream now, retries and dead letters included."""
        before = Stats(**vars(self.stats))
        with self._lock:
            for _ in range(_MAX_DRAIN_ROUNDS):
                if not self._poll() and not any(s.pending for s in self._shards.values()):
                    break
                for shard in self._shards.values():
                    self._deliver_pending(shard, flush=True)
        return self.stats.minus(before)

    def _round(self) -> bool:
        with self._lock:
            now = time.monotonic()
            refresh = now - self._shards_refreshed >= SHARD_REFRESH_S
            if refresh:
                self._shards_refreshed = now
            self._poll(refresh)
            for shard in self._shards.values():
                self._deliver_pending(shard, flush=False)
        return False

    # -- reading ---------------------------------------------------------------
    def _refresh_shards(self, position: str, kept: dict[str, Position] | None = None) -> None:
        description = self._streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in description.get("Shards", []):
            shard_id = shard["ShardId"]
            if shard_id in self._shards:
                continue
            start = _resume_at((kept or {}).get(shard_id), shard)
            where: dict[str, str] = {"ShardIteratorType": position}
            if start is not None:
                where = {"ShardIteratorType": start[0], "SequenceNumber": start[1]}
            iterator = self._streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, **where
            )["ShardIterator"]
            with self._positions_lock:
                self._shards[shard_id] = _Shard(shard_id, iterator, after=start)

    def _poll(self, refresh: bool = True) -> int:
        """Read every shard up to its end (after looking for new shards, with ``refresh``);
        returns how many records were read."""
        # Shards that appear later (a split) are read from their beginning.
        if refresh:
            self._refresh_shards("TRIM_HORIZON")
        read = 0
        for shard in self._shards.values():
            while shard.iterator is not None:
                response = self._streams.get_records(
                    ShardIterator=shard.iterator, Limit=_GET_RECORDS_LIMIT
                )
                shard.iterator = response.get("NextShardIterator")
                records = response.get("Records", [])
                now = time.time()
                kept = []
                for raw in records:
                    record = lambda_record(raw, self.stream_arn)
                    if self._matches(record):
                        kept.append((now, record))
                    else:
                        self.stats.filtered_out += 1
                if records:
                    with self._positions_lock:
                        shard.pending.extend(kept)
                        shard.after = ("AFTER_SEQUENCE_NUMBER", _sequence_number(records[-1]))
                read += len(records)
                if not records:
                    break
        self.stats.read += read
        return read

    def _matches(self, record: dict[str, Any]) -> bool:
        return not self._patterns or any(p.matches_event(record) for p in self._patterns)

    # -- delivering ------------------------------------------------------------
    def _deliver_pending(self, shard: _Shard, flush: bool) -> None:
        size = self.config.batch_size
        while shard.pending:
            waited = time.time() - shard.pending[0][0]
            if len(shard.pending) < size and not flush and waited < self.config.batching_window_s:
                return
            batch = [record for _, record in shard.pending[:size]]
            self._deliver(shard.shard_id, batch, retries=0)
            with self._positions_lock:
                del shard.pending[: len(batch)]

    def _deliver(self, shard_id: str, records: list[dict[str, Any]], retries: int) -> None:
        while True:
            expired = self._too_old(records)
            if expired:
                self._dead_letter(shard_id, records, "RecordAgeExceeded", retries, False)
                return
            attempt = self._invoke(records)
            if attempt.ok:
                self.stats.delivered += len(records)
                return
            if attempt.function_error and self.config.bisect_on_error and len(records) > 1:
                middle = len(records) // 2
                logger.warning(
                    "%s: function error on %d records, bisecting", self.name, len(records)
                )
                self._deliver(shard_id, records[:middle], retries)
                self._deliver(shard_id, records[middle:], retries)
                return
            self.stats.delivered += attempt.retry_from
            records = records[attempt.retry_from :]
            if 0 <= self.config.max_retry_attempts <= retries:
                self._dead_letter(
                    shard_id, records, "RetryAttemptsExhausted", retries, attempt.function_error
                )
                return
            retries += 1
            self.stats.retries += 1
            delay = min(
                self.config.retry_delay_s * 2 ** (retries - 1), self.config.max_retry_delay_s
            )
            logger.warning(
                "%s: %s on %d record(s) from sequence number %s, retry %d in %.2f s",
                self.name,
                "function error" if attempt.function_error else "partial batch failure",
                len(records),
                _sequence_number(records[0]),
                retries,
                delay,
            )
            if self._stop.wait(delay):
                raise Stopped

    def _invoke(self, records: list[dict[str, Any]]) -> _Attempt:
        self.stats.invocations += 1
        try:
            response = self.handler({"Records": records})
        except Exception as error:
            self.stats.function_errors += 1
            logger.warning("%s: function error: %s", self.name, _one_line(error))
            return _Attempt(ok=False, function_error=True)
        if not self.config.report_batch_item_failures:
            return _Attempt(ok=True)
        failures = (response or {}).get("batchItemFailures") if isinstance(response, dict) else []
        if not failures:
            return _Attempt(ok=True)
        self.stats.partial_failures += 1
        positions = {_sequence_number(record): i for i, record in enumerate(records)}
        failed = [positions.get(str(item.get("itemIdentifier") or "")) for item in failures]
        if any(position is None for position in failed):
            # Lambda treats an identifier it cannot place as a failure of the whole batch.
            return _Attempt(ok=False, retry_from=0)
        return _Attempt(ok=False, retry_from=min(p for p in failed if p is not None))

    def _too_old(self, records: list[dict[str, Any]]) -> bool:
        limit = self.config.max_record_age_s
        if limit < 0:
            return False
        oldest = records[0]["dynamodb"].get("ApproximateCreationDateTime")
        return oldest is not None and time.time() - float(oldest) > limit

    def _dead_letter(
        self,
        shard_id: str,
        records: list[dict[str, Any]],
        condition: str,
        retries: int,
        function_error: bool,
    ) -> None:
        self.stats.dead_lettered += len(records)
        if not self.config.on_failure_arn:
            logger.error("%s: %s, %d record(s) discarded", self.name, condition, len(records))
            return
        document = failure_record(
            self.function_arn,
            self.stream_arn,
            shard_id,
            records,
            condition=condition,
            invoke_count=retries + 1,
            function_error=function_error,
        )
        if str(self.config.on_failure_arn).startswith("arn:aws:sns:"):
            self._sns.publish(TopicArn=self.config.on_failure_arn, Message=json.dumps(document))
        else:
            self._sqs.send_message(
                QueueUrl=self._destination_url(), MessageBody=json.dumps(document)
            )
        logger.error(
            "%s: %s, %d record(s) (sequence numbers %s..%s) sent to the on-failure destination",
            self.name,
            condition,
            len(records),
            _sequence_number(records[0]),
            _sequence_number(records[-1]),
        )

    def _destination_url(self) -> str:
        if self._queue_url is None:
            arn = str(self.config.on_failure_arn)
            account, name = arn.split(":")[4], arn.split(":")[5]
            self._queue_url = self._sqs.get_queue_url(
                QueueName=name, QueueOwnerAWSAccountId=account
            )["QueueUrl"]
        return self._queue_url


def lambda_record(raw: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda passes it: JSON types, with ``eventSourceARN``."""
    record = _json_ready(raw)
    record["eventSourceARN"] = stream_arn
    return record


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def failure_record(
    function_arn: str,
    stream_arn: str,
    shard_id: str,
    records: list[dict[str, Any]],
    condition: str,
    invoke_count: int,
    function_error: bool,
) -> dict[str, Any]:
    """The invocation record Lambda sends to a stream mapping's on-failure destination."""

    def arrival(record: dict[str, Any]) -> str:
        seconds = float(record["dynamodb"].get("ApproximateCreationDateTime") or time.time())
        return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if function_error:
        response["functionError"] = "Unhandled"
    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": datetime.now(tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": _sequence_number(records[0]),
            "endSequenceNumber": _sequence_number(records[-1]),
            "approximateArrivalOfFirstRecord": arrival(records[0]),
            "approximateArrivalOfLastRecord": arrival(records[-1]),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }


def _sequence_number(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


def _resume_at(kept: Position | None, shard: dict[str, Any]) -> Position | None:
    """A kept position to go on from in a shard (as DescribeStream describes it), or None
    to start at the mapping's starting position: none was kept, or its records are gone
    (older than the stream keeps), when the shard is read from its oldest record."""
    if kept is None:
        return None
    kind, number = kept
    oldest = shard.get("SequenceNumberRange", {}).get("StartingSequenceNumber")
    if kind not in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER") or not number.isdigit():
        return None
    if oldest is not None and str(oldest).isdigit() and int(number) < int(oldest):
        return ("AT_SEQUENCE_NUMBER", str(oldest))
    return (kind, number)


def _one_line(error: BaseException) -> str:
    return " ".join(f"{type(error).__name__}: {error}".split())[:300]
