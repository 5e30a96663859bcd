"""The notifier's side of delivery: one queue message per (event, destination)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from vstarcam_push.dal.destinations import DestinationStore
from vstarcam_push.models.push_event import PushEvent

SQS_BATCH = 10


def delivery_id(event: PushEvent, destination: str) -> str:
    return f"{event.event_id}.{destination}"


def queue_message(event: PushEvent, destination: str) -> str:
    return json.dumps(
        {
            "deliveryId": delivery_id(event, destination),
            "destination": destination,
            "event": event.to_dict(),
        },
        separators=(",", ":"),
    )


class FanOutFailed(Exception):
    """The delivery queue refused some messages: the stream record is retried (the
    destinations already queued are not sent twice: their delivery ids are recorded)."""


@dataclass(frozen=True)
class QuietHold:
    """A destination that wanted the event but is inside its quiet hours, until ``until``."""

    destination: str
    hours: str
    until: int


@dataclass(frozen=True)
class FanOutResult:
    """The destinations the event was queued for, and those its quiet hours held back."""

    queued: list[str] = field(default_factory=list)
    quiet: list[QuietHold] = field(default_factory=list)


class FanOut:
    """The notifier's side: which destinations want the event, one queue message each."""

    def __init__(self, destinations: DestinationStore, sqs: Any, queue_url: str) -> None:
        self.destinations = destinations
        self._sqs = sqs
        self.queue_url = queue_url

    def send(self, event: PushEvent) -> FanOutResult:
        """Queue the event for every destination that wants it; say which were queued and
        which only their quiet hours held back (the event is not sent to those later)."""
        wanted: list[str] = []
        quiet: list[QuietHold] = []
        for destination in self.destinations.list():
            filters = destination.filters
            if not filters.matches(event):
                continue
            until = filters.quiet_until(event)
            if until and filters.quiet_hours is not None:
                hours = f"{filters.quiet_hours.text()} {filters.quiet_hours.timezone}"
                quiet.append(QuietHold(destination.name, hours, until))
            else:
                wanted.append(destination.name)
        for start in range(0, len(wanted), SQS_BATCH):
            names = wanted[start : start + SQS_BATCH]
            answer = self._sqs.send_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "MessageBody": queue_message(event, name)}
                    for i, name in enumerate(names)
                ],
            )
            if answer.get("Failed"):
                raise FanOutFailed(f"{len(answer['Failed'])} push message(s) not queued")
        return FanOutResult(wanted, quiet)

    def send_one(self, event: PushEvent, destination: str) -> None:
        """Queue ``event`` for one destination whatever its filters say (a web push
        device's test notification from the console)."""
        self._sqs.send_message(
            QueueUrl=self.queue_url, MessageBody=queue_message(event, destination)
        )
