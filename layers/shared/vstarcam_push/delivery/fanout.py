"""The notifier's side of delivery: one queue message per (event, destination)."""

from __future__ import annotations

import json
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


class FanOut:
    """The notifier's side: which destinations want the event, one queue message each."""

    def __init__(self, destinations: DestinationStore, sqs: Any, queue_url: str) -> None:
        self.destinations = destinations
        self._sqs = sqs
        self.queue_url = queue_url

    def send(self, event: PushEvent) -> list[str]:
        """Queue the event for every destination that wants it; returns their names."""
        wanted = [d.name for d in self.destinations.list() if d.filters.wants(event)]
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
        return wanted
