"""A delivery's next attempt as an EventBridge Scheduler one-time schedule.

"Retry later" becomes ``at(now + backoff)`` in the stack's own schedule group, whose
target is the delivery function with the same document and the next attempt number.
Nothing waits or polls meanwhile: a schedule costs nothing until it fires, and it deletes
itself after (``ActionAfterCompletion: DELETE``). Scheduler invokes the function
asynchronously with the scheduler role, which may invoke this function only; what it cannot
hand over lands in the stack's dead-letter queue.

A schedule's name is derived from the delivery id and the attempt, so a duplicate
invocation (Lambda and Scheduler are both at least once) that schedules the same retry finds
it exists already and adds nothing: one retry chain per delivery.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

# The target's own retries of a failed hand-over (Scheduler's defaults, written out): a
# throttled or briefly unavailable function is tried again for up to a day.
HAND_OVER_RETRIES = 185
HAND_OVER_MAX_AGE_S = 86_400


def schedule_name(delivery: str, attempt: int, suffix: str = "") -> str:
    """At most 64 characters of [0-9A-Za-z_.-], whatever the destination's name."""
    digest = hashlib.sha256(delivery.encode()).hexdigest()[:40]
    return f"push-{digest}-{attempt}{suffix}"


def at_expression(when: int) -> str:
    return time.strftime("at(%Y-%m-%dT%H:%M:%S)", time.gmtime(when))


class RetrySchedules:
    """Creates the one-time schedules; ``target_arn`` is the delivery function's own ARN
    (the handler sets it from its context: the template cannot name a function in its own
    environment)."""

    def __init__(
        self, scheduler: Any, group: str, role_arn: str, dead_letter_arn: str, target_arn: str = ""
    ) -> None:
        self._scheduler = scheduler
        self.group = group
        self.role_arn = role_arn
        self.dead_letter_arn = dead_letter_arn
        self.target_arn = target_arn

    def later(
        self, document: dict[str, Any], attempt: int, delay_s: int, now: int, suffix: str = ""
    ) -> bool:
        """Invoke the delivery function with ``document`` as attempt ``attempt`` in
        ``delay_s`` seconds; False when that very schedule exists already (a duplicate).
        ``suffix`` tells apart a second schedule for the same attempt (a claim found busy)."""
        name = schedule_name(str(document["deliveryId"]), attempt, suffix)
        payload = {key: value for key, value in document.items() if key != "attempt"}
        target: dict[str, Any] = {
            "Arn": self.target_arn,
            "RoleArn": self.role_arn,
            "Input": json.dumps({**payload, "attempt": attempt}, separators=(",", ":")),
            "RetryPolicy": {
                "MaximumRetryAttempts": HAND_OVER_RETRIES,
                "MaximumEventAgeInSeconds": HAND_OVER_MAX_AGE_S,
            },
        }
        if self.dead_letter_arn:
            target["DeadLetterConfig"] = {"Arn": self.dead_letter_arn}
        try:
            self._scheduler.create_schedule(
                Name=name,
                GroupName=self.group,
                ScheduleExpression=at_expression(now + delay_s),
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Target=target,
            )
        except self._scheduler.exceptions.ConflictException:
            return False
        return True
