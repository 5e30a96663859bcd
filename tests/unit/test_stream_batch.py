"""``runtime.batches.stream_batch``: a stream batch is handled in order and stops at the first
failure, since Lambda resumes the stream there (ReportBatchItemFailures)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools import Logger
from vstarcam_push.runtime.batches import BatchFailed, queue_batch, stream_batch


def records(count: int) -> list[dict[str, Any]]:
    return [{"eventID": f"e{n}", "dynamodb": {"SequenceNumber": f"{n:021d}"}} for n in range(count)]


class Handler:
    """Records what it was given; fails on the given positions."""

    def __init__(self, failing: set[int]) -> None:
        self.failing = failing
        self.handled: list[str] = []

    def __call__(self, record: dict[str, Any]) -> None:
        self.handled.append(record["eventID"])
        if len(self.handled) - 1 in self.failing:
            raise RuntimeError("publish failed")


@pytest.mark.parametrize(("size", "failing_at"), [(3, 1), (5, 2), (4, 3)])
def test_records_after_the_first_failure_are_not_handled_but_reported(
    size: int, failing_at: int
) -> None:
    """GIVEN a batch whose record ``failing_at`` fails
    THEN the records before it are handled, it is handled once, those after it are never
    handled now, and it and every record after it are reported for redelivery."""
    handler = Handler({failing_at})
    batch = records(size)

    result = stream_batch({"Records": batch}, handler, Logger(service="test"))

    assert handler.handled == [f"e{n}" for n in range(failing_at + 1)]
    assert result == {
        "batchItemFailures": [
            {"itemIdentifier": record["dynamodb"]["SequenceNumber"]}
            for record in batch[failing_at:]
        ]
    }


def test_a_later_record_that_would_fail_is_not_reached_after_an_earlier_failure() -> None:
    """GIVEN records 1 and 2 of a batch of 3 both failing
    THEN only record 1 is tried: record 2 is not handled (nor failed) a first time now."""
    handler = Handler({1, 2})

    result = stream_batch({"Records": records(3)}, handler, Logger(service="test"))

    assert handler.handled == ["e0", "e1"]
    assert len(result["batchItemFailures"]) == 2


def test_a_batch_failing_at_its_first_record_fails_the_invocation() -> None:
    """GIVEN the first record failing
    THEN every record is to be retried, so the invocation fails (Lambda retries and bisects)
    and nothing after the first record was handled."""
    handler = Handler({0})

    with pytest.raises(BatchFailed, match="All records failed"):
        stream_batch({"Records": records(3)}, handler, Logger(service="test"))
    assert handler.handled == ["e0"]


def test_a_batch_without_failures_reports_none() -> None:
    handler = Handler(set())

    assert stream_batch({"Records": records(3)}, handler, Logger(service="test")) == {
        "batchItemFailures": []
    }
    assert handler.handled == ["e0", "e1", "e2"]


# -- an SQS batch and the function's remaining time ---------------------------------------


@pytest.mark.parametrize(
    ("remaining_ms", "started"),
    [
        ([30_000, 20_000, 13_000, 12_000], 4),  # 12 s left is still enough for one more
        ([30_000, 20_000, 11_999], 2),
        ([5_000], 0),
    ],
)
def test_a_queue_batch_starts_a_message_only_with_time_left_for_it(
    remaining_ms: list[int], started: int
) -> None:
    """GIVEN four messages, a reserve of 12 s (the longest a message may take), and the
    function's remaining time falling as it works
    THEN messages are handled while 12 s or more remain; every one after that is reported
    unhandled, so Lambda retries it; none is lost and none handled twice."""
    messages = [{"messageId": f"m{n}", "body": "{}"} for n in range(4)]
    handled: list[str] = []
    times = iter(remaining_ms)

    def handle(record: dict[str, Any]) -> str:
        handled.append(record["messageId"])
        return "delivered"

    result = queue_batch(
        {"Records": messages},
        handle,
        Logger(service="test"),
        time_left_ms=lambda: next(times),
        reserve_ms=12_000,
    )

    assert handled == [f"m{n}" for n in range(started)]
    assert result == {"batchItemFailures": [{"itemIdentifier": f"m{n}"} for n in range(started, 4)]}
