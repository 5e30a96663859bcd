"""The notifier's side of delivery: one asynchronous invocation per (event, destination)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from vstarcam_push.dal.destinations import DestinationStore
from vstarcam_push.models.push_event import PushEvent


def delivery_id(event: PushEvent, destination: str) -> str:
    return f"{event.event_id}.{destination}"


def delivery_document(event: PushEvent, destination: str, attempt: int = 1) -> dict[str, Any]:
    """What the delivery function is invoked with: one event for one destination, and which
    attempt this is (the first from the notifier, later ones from the retry schedules)."""
    return {
        "deliveryId": delivery_id(event, destination),
        "destination": destination,
        "event": event.to_dict(),
        "attempt": attempt,
    }


class FanOutFailed(Exception):
    """Lambda did not take an invocation: the stream record is retried (the destinations
    already handed over are not sent twice: their delivery ids are claimed)."""


@dataclass(frozen=True)
class QuietHold:
    """A destination that wanted the event but is inside its quiet hours, until ``until``."""

    destination: str
    hours: str
    until: int


@dataclass(frozen=True)
class FanOutResult:
    """The destinations the event was handed to, those its quiet hours held back, and
    those whose filters do not want it (name, the filter: for LogLevel=DEBUG)."""

    queued: list[str] = field(default_factory=list)
    quiet: list[QuietHold] = field(default_factory=list)
    filtered: list[tuple[str, str]] = field(default_factory=list)


class FanOut:
    """The notifier's side: which destinations want the event, and one asynchronous
    invocation of the delivery function each (``InvocationType=Event``: Lambda queues it and
    answers 202 at once, so nothing polls while the stack is idle)."""

    def __init__(self, destinations: DestinationStore, lambda_client: Any, function: str) -> None:
        self.destinations = destinations
        self._lambda = lambda_client
        self.function = function

    def send(self, event: PushEvent) -> FanOutResult:
        """Hand the event to the delivery function for every destination that wants it; say
        which were handed over and which only their quiet hours held back (the event is not
        sent to those later)."""
        wanted: list[str] = []
        quiet: list[QuietHold] = []
        filtered: list[tuple[str, str]] = []
        for destination in self.destinations.list():
            filters = destination.filters
            refusal = filters.refusal(event)
            if refusal:
                filtered.append((destination.name, refusal))
                continue
            until = filters.quiet_until(event)
            if until and filters.quiet_hours is not None:
                hours = f"{filters.quiet_hours.text()} {filters.quiet_hours.timezone}"
                quiet.append(QuietHold(destination.name, hours, until))
            else:
                wanted.append(destination.name)
        for name in wanted:
            answer = self._lambda.invoke(
                FunctionName=self.function,
                InvocationType="Event",
                Payload=json.dumps(delivery_document(event, name), separators=(",", ":")),
            )
            if answer.get("StatusCode") != 202:
                raise FanOutFailed(f"the delivery to {name} was not taken ({answer})")
        return FanOutResult(wanted, quiet, filtered)

    def send_one(self, event: PushEvent, destination: str) -> None:
        """Hand ``event`` to the delivery function for one destination whatever its filters
        say (a web push device's test notification from the console)."""
        answer = self._lambda.invoke(
            FunctionName=self.function,
            InvocationType="Event",
            Payload=json.dumps(delivery_document(event, destination), separators=(",", ":")),
        )
        if answer.get("StatusCode") != 202:
            raise FanOutFailed(f"the delivery to {destination} was not taken ({answer})")
