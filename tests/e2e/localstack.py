"""The local stack for tests: the process starter (vstarcam_tools.local.process) and an
SNS inbox that reads what the stack's topic delivered.

    with local_stack(schedule_rate=1, parameter_overrides={"RetentionDays": "7"}) as stack:
        requests.post(stack.heartbeat_url, json={"vuid": "VE0005622QHOW"})
        inbox = SnsInbox(stack)

and :class:`StartState`, which takes a stack that several test modules share back to what
it held when it started (the browser tests share one per xdist worker).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from vstarcam_tools.local.console import create_console_user
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
    "StartState",
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


# A module's last alarms may still be in the stack's hands when the next module starts (their
# thumbnail, notification or delivery runs after the reply): what they write after the
# clean-up is cleaned again, this many times at most, this long apart.
_SETTLE_ROUNDS = 20
_SETTLE_S = 0.25


@dataclass
class StartState:
    """What a local stack holds just after it started (its queues, topics, subscriptions,
    user pools' groups, schedules; its tables and bucket are empty), and :meth:`restore`,
    which takes it back there: every item and object deleted, every console user deleted
    and ``admin`` made anew with the given password (as the stack makes it at start), every
    queue, subscription, topic, group and schedule made since deleted, the messages waiting in
    the stack's own queues received and deleted.

    SSM parameters are kept: the push-key secret and the web push keys are made on first use
    and read once by each function's warm worker, which a new secret would leave behind (a
    deployed stack keeps them too). The stack's console (``lines``) and function logs go on.
    """

    queues: set[str] = field(default_factory=set)
    topics: set[str] = field(default_factory=set)
    subscriptions: set[str] = field(default_factory=set)
    groups: dict[str, set[str]] = field(default_factory=dict)
    schedules: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def of(cls, stack: LocalStackProcess) -> StartState:
        state = cls()
        state.queues = set(_queues(stack))
        state.topics = set(_topics(stack))
        state.subscriptions = set(_subscriptions(stack))
        cognito = stack.client("cognito-idp")
        for pool in _pools(stack):
            state.groups[pool] = set(_groups(cognito, pool))
        state.schedules = set(_schedules(stack))
        for table, count in _items(stack).items():
            assert count == 0, f"{table} is not empty at start"
        return state

    def restore(self, stack: LocalStackProcess, console_password: str) -> None:
        left: dict[str, Any] = {}
        for _ in range(_SETTLE_ROUNDS):
            self._clean(stack)
            time.sleep(_SETTLE_S)
            left = {name: count for name, count in _items(stack).items() if count}
            left.update({"objects": objects} if (objects := _objects(stack)) else {})
            if not left:
                break
        else:
            raise AssertionError(f"the stack kept writing after {_SETTLE_ROUNDS} clean-ups: {left}")
        cognito = stack.client("cognito-idp")
        for pool in _pools(stack):
            for user in _users(cognito, pool):
                cognito.admin_delete_user(UserPoolId=pool, Username=user)
            for group in set(_groups(cognito, pool)) - self.groups.get(pool, set()):
                cognito.delete_group(UserPoolId=pool, GroupName=group)
            create_console_user(cognito, pool, console_password)

    def _clean(self, stack: LocalStackProcess) -> None:
        scheduler = stack.client("scheduler")
        for group, name in set(_schedules(stack)) - self.schedules:
            scheduler.delete_schedule(GroupName=group, Name=name)
        sns = stack.client("sns")
        for arn in set(_subscriptions(stack)) - self.subscriptions:
            sns.unsubscribe(SubscriptionArn=arn)
        for arn in set(_topics(stack)) - self.topics:
            sns.delete_topic(TopicArn=arn)
        sqs = stack.client("sqs")
        for url in _queues(stack):
            if url in self.queues:
                _drain(sqs, url)  # not PurgeQueue: moto allows one a minute, as SQS does
            else:
                sqs.delete_queue(QueueUrl=url)
        dynamodb = stack.client("dynamodb")
        for table in dynamodb.list_tables()["TableNames"]:
            _empty_table(dynamodb, table)
        s3 = stack.client("s3")
        for bucket in s3.list_buckets()["Buckets"]:
            keys = _keys(s3, bucket["Name"])
            for start in range(0, len(keys), 1000):
                s3.delete_objects(
                    Bucket=bucket["Name"],
                    Delete={"Objects": [{"Key": key} for key in keys[start : start + 1000]]},
                )


def _queues(stack: LocalStackProcess) -> list[str]:
    return list(stack.client("sqs").list_queues().get("QueueUrls", []))


def _topics(stack: LocalStackProcess) -> list[str]:
    pages = stack.client("sns").get_paginator("list_topics").paginate()
    return [topic["TopicArn"] for page in pages for topic in page["Topics"]]


def _subscriptions(stack: LocalStackProcess) -> list[str]:
    pages = stack.client("sns").get_paginator("list_subscriptions").paginate()
    return [s["SubscriptionArn"] for page in pages for s in page["Subscriptions"]]


def _pools(stack: LocalStackProcess) -> list[str]:
    pools = stack.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
    return [pool["Id"] for pool in pools]


def _groups(cognito: Any, pool: str) -> list[str]:
    pages = cognito.get_paginator("list_groups").paginate(UserPoolId=pool)
    return [group["GroupName"] for page in pages for group in page["Groups"]]


def _users(cognito: Any, pool: str) -> list[str]:
    pages = cognito.get_paginator("list_users").paginate(UserPoolId=pool)
    return [user["Username"] for page in pages for user in page["Users"]]


def _schedules(stack: LocalStackProcess) -> list[tuple[str, str]]:
    scheduler = stack.client("scheduler")
    found = []
    for group in scheduler.list_schedule_groups()["ScheduleGroups"]:
        pages = scheduler.get_paginator("list_schedules").paginate(GroupName=group["Name"])
        found += [(group["Name"], s["Name"]) for page in pages for s in page["Schedules"]]
    return found


def _items(stack: LocalStackProcess) -> dict[str, int]:
    dynamodb = stack.client("dynamodb")
    return {
        table: dynamodb.scan(TableName=table, Select="COUNT")["Count"]
        for table in dynamodb.list_tables()["TableNames"]
    }


def _objects(stack: LocalStackProcess) -> list[str]:
    s3 = stack.client("s3")
    return [key for bucket in s3.list_buckets()["Buckets"] for key in _keys(s3, bucket["Name"])]


def _keys(s3: Any, bucket: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def _empty_table(dynamodb: Any, table: str) -> None:
    schema = dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]
    names = [key["AttributeName"] for key in schema]
    aliases = {f"#k{i}": name for i, name in enumerate(names)}
    pages = dynamodb.get_paginator("scan").paginate(
        TableName=table,
        ProjectionExpression=", ".join(aliases),
        ExpressionAttributeNames=aliases,
    )
    keys = [item for page in pages for item in page["Items"]]
    for start in range(0, len(keys), 25):
        requests = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]]
        for _ in range(10):
            answer = dynamodb.batch_write_item(RequestItems={table: requests})
            requests = answer.get("UnprocessedItems", {}).get(table, [])
            if not requests:
                break


def _drain(sqs: Any, url: str) -> None:
    """Receive and delete what waits in a queue (a message a poller holds is its own)."""
    for _ in range(100):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not messages:
            return
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ],
        )
