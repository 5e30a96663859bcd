"""The local stack for tests: the process starter (vstarcam_tools.local.process) and an
SNS inbox that reads what the stack's topic delivered.

    with local_stack(schedule_rate=1, parameter_overrides={"RetentionDays": "7"}) as stack:
        requests.post(stack.heartbeat_url, json={"vuid": "VE0005622QHOW"})
        inbox = SnsInbox(stack)
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from vstarcam_tools.local.process import (
    LocalStackProcess,
    local_stack,
    offline_environment,
    start_local_stack,
)

__all__ = [
    "LocalStackProcess",
    "Notification",
    "SnsInbox",
    "local_stack",
    "offline_environment",
    "start_local_stack",
]


@dataclass(frozen=True)
class Notification:
    """A message the stack's SNS topic delivered to a test subscriber."""

    event: str
    vuid: str
    alarm_type: str | None
    subject: str
    message: str


class SnsInbox:
    """An SQS queue subscribed to the stack's topic: what SNS delivered, as a subscriber sees it."""

    def __init__(self, stack: LocalStackProcess, name: str = "e2e-inbox") -> None:
        self._sqs = stack.client("sqs")
        self._url = self._sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self._sqs.get_queue_attributes(QueueUrl=self._url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        stack.client("sns").subscribe(
            TopicArn=stack.outputs.topic_arn, Protocol="sqs", Endpoint=arn
        )
        self.received: list[Notification] = []

    def fetch(self) -> list[Notification]:
        """Receive what is waiting in the queue; returns everything received so far."""
        while True:
            messages = self._sqs.receive_message(
                QueueUrl=self._url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages:
                return list(self.received)
            for message in messages:
                envelope = json.loads(message["Body"])
                attributes = envelope.get("MessageAttributes", {})
                self.received.append(
                    Notification(
                        event=attributes.get("event", {}).get("Value", ""),
                        vuid=attributes.get("vuid", {}).get("Value", ""),
                        alarm_type=attributes.get("alarmType", {}).get("Value"),
                        subject=envelope.get("Subject", ""),
                        message=envelope.get("Message", ""),
                    )
                )
                self._sqs.delete_message(QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"])

    def of(self, vuid: str, event: str | None = None) -> list[Notification]:
        return [n for n in self.fetch() if n.vuid == vuid and (event is None or n.event == event)]

    def wait_for(
        self, vuid: str, event: str, alarm_type: str | None = None, timeout_s: float = 20.0
    ) -> Notification:
        """The first notification of ``event`` (and alarm type) for ``vuid``, waiting for it."""
        deadline = time.monotonic() + timeout_s
        while True:
            for notification in self.of(vuid, event):
                if alarm_type is None or notification.alarm_type == alarm_type:
                    return notification
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no {event} notification for {vuid} within {timeout_s} s; "
                    f"received: {self.received}"
                )
            time.sleep(0.1)
