"""EventBridge Scheduler's one-time schedules, fired on one machine.

moto stores schedules (``CreateSchedule``, ``ListSchedules``, ``GetSchedule``,
``DeleteSchedule``) but never fires them. This watcher does what Scheduler does with an
``at(...)`` schedule once it is due: it hands the target's ``Input`` to the target (here a
function of the local stack, invoked asynchronously), deletes the schedule when its
``ActionAfterCompletion`` is ``DELETE``, and sends what it cannot hand over (an unknown
target) to the schedule's dead-letter queue.

API::

    schedules = OneTimeSchedules(scheduler, groups, hand_over, sqs=sqs)
    schedules.fire_due(now=time.time())   # the tests: fire what is due by ``now``
    schedules.start() / schedules.stop()  # the local stack: every poll interval
"""

from __future__ import annotations

import calendar
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from vstarcam_tools.local.poller import BackgroundPoller

logger = logging.getLogger(__name__)

_AT = re.compile(r"at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)")
# Scheduler fires a schedule within a minute of its time; the local stack looks every second.
DEFAULT_POLL_INTERVAL_S = 1.0

# (target ARN, the target's Input parsed) -> False when there is no such target.
HandOver = Callable[[str, Any], bool]


def due_at(expression: str) -> float | None:
    """The UTC instant of an ``at(yyyy-mm-ddThh:mm:ss)`` expression (None: not one-time)."""
    match = _AT.fullmatch(expression.strip())
    if match is None:
        return None
    return float(calendar.timegm(time.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")))


@dataclass(frozen=True)
class Fired:
    """One schedule that fired: its name, when it was due, and its target's input."""

    name: str
    due: float
    input: Any


class OneTimeSchedules(BackgroundPoller):
    what = "firing one-time schedules"
    kind = "scheduler"

    def __init__(
        self,
        scheduler: Any,
        groups: Iterable[str],
        hand_over: HandOver,
        *,
        sqs: Any = None,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
        early_s: float = 0.0,
    ) -> None:
        super().__init__("one-time schedules", poll_interval_s)
        # The watcher fires a schedule up to this long before its time (``local
        # --one-time-schedules-early``): a test sees a push retried without waiting out the
        # product's backoff, whose length the delivery function still decides and logs.
        self.early_s = early_s
        self._scheduler = scheduler
        self.groups = list(groups)
        self._hand_over = hand_over
        self._sqs = sqs
        self.fired: list[Fired] = []

    def fire_due(self, now: float | None = None) -> list[Fired]:
        """Fire every schedule of the groups due by ``now``, oldest first."""
        now = time.time() if now is None else now
        due: list[tuple[float, dict[str, Any]]] = []
        for group in self.groups:
            pages = self._scheduler.get_paginator("list_schedules").paginate(GroupName=group)
            for page in pages:
                for summary in page.get("Schedules", []):
                    schedule = self._scheduler.get_schedule(GroupName=group, Name=summary["Name"])
                    when = due_at(schedule.get("ScheduleExpression", ""))
                    if when is not None and when <= now and schedule.get("State") != "DISABLED":
                        due.append((when, schedule))
        fired = []
        for when, schedule in sorted(due, key=lambda item: item[0]):
            fired.append(self._fire(when, schedule))
        return fired

    def _fire(self, when: float, schedule: dict[str, Any]) -> Fired:
        target = schedule["Target"]
        raw = target.get("Input", "")
        try:
            payload: Any = json.loads(raw) if raw else {}
        except ValueError:
            payload = raw
        if not self._hand_over(target["Arn"], payload):
            self._dead_letter(schedule, "the target does not exist")
        if schedule.get("ActionAfterCompletion") == "DELETE":
            self._scheduler.delete_schedule(GroupName=schedule["GroupName"], Name=schedule["Name"])
        else:
            # A one-time schedule fires once: moto would keep it due forever.
            self._scheduler.update_schedule(
                **{
                    key: schedule[key]
                    for key in (
                        "Name",
                        "GroupName",
                        "ScheduleExpression",
                        "FlexibleTimeWindow",
                        "Target",
                    )
                },
                State="DISABLED",
            )
        fired = Fired(schedule["Name"], when, payload)
        self.fired.append(fired)
        return fired

    def _dead_letter(self, schedule: dict[str, Any], reason: str) -> None:
        arn = (schedule["Target"].get("DeadLetterConfig") or {}).get("Arn")
        logger.error("schedule %s: %s", schedule["Name"], reason)
        if not arn or self._sqs is None:
            return
        account, name = arn.split(":")[4], arn.split(":")[5]
        url = self._sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        self._sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps({"schedule": schedule["Name"], "reason": reason}),
        )

    def _round(self) -> bool:
        self.fire_due(time.time() + self.early_s)
        return False
