"""The doctor's temporary things: a test camera, its alarms and media, a queue subscribed to
the topic; and removing them, also what an interrupted earlier run left behind.

Everything the doctor creates is recognisable without any record of the run:
the camera's vuid (``vstarcam_push.models.doctor_camera``: ``DOCTOR`` and 12 hex digits) and
the queue's name (``vstarcam-doctor-<topic digest>-<vuid>``). Removal goes from
the leaves to the root (subscription, queue, media, alarms, camera last), so a
run interrupted while cleaning up still leaves its camera item, by which the
next run finds the rest.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from vstarcam_push.models.doctor_camera import (
    CHANNELS_MARK,
    PROBE_VUID_HEX_DIGITS,
    PROBE_VUID_PREFIX,
    is_probe,
)

from vstarcam_tools.doctor.context import DoctorContext
from vstarcam_tools.doctor.guards import topic_subscriptions

TEST_CAMERA_NAME = "vstarcam-push doctor test camera (removed after the run)"


def new_probe_vuid(channels: bool = False) -> str:
    """A fresh test camera vuid; with ``channels`` one whose alarms the push channels get."""
    mark = CHANNELS_MARK if channels else ""
    return PROBE_VUID_PREFIX + mark + secrets.token_hex(PROBE_VUID_HEX_DIGITS // 2).upper()


@dataclass
class ProbeQueue:
    """A temporary SQS queue subscribed to the topic, seeing only the test camera's messages."""

    url: str
    arn: str
    subscription_arn: str = ""


@dataclass
class Traces:
    """What a run (or an interrupted earlier one) left in the stack."""

    cameras: list[str] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)
    subscriptions: list[str] = field(default_factory=list)
    # Push destinations the test alarm may have been sent to and which are gone since (a
    # web push device removed by its delivery): their delivery records go too.
    destinations: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.cameras or self.queues or self.subscriptions)

    def describe(self) -> str:
        parts = []
        if self.cameras:
            parts.append(f"test camera(s) {', '.join(self.cameras)}")
        if self.queues:
            parts.append(f"{len(self.queues)} temporary queue(s)")
        if self.subscriptions:
            parts.append(f"{len(self.subscriptions)} topic subscription(s)")
        return ", ".join(parts)


def create_probe_queue(context: DoctorContext, vuid: str) -> ProbeQueue:
    """A queue that SNS may write to, subscribed with a filter on the test camera's vuid."""
    sqs, topic = context.client("sqs"), context.stack.topic_arn
    url = sqs.create_queue(
        QueueName=f"{context.probe_queue_prefix}{vuid}",
        Attributes={"MessageRetentionPeriod": "3600", "SqsManagedSseEnabled": "true"},
    )["QueueUrl"]
    queue = ProbeQueue(
        url=url,
        arn=sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ],
    )
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue.arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    queue.subscription_arn = context.client("sns").subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue.arn,
        Attributes={
            "FilterPolicyScope": "MessageAttributes",
            "FilterPolicy": json.dumps({"vuid": [vuid]}),
        },
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return queue


def find_traces(context: DoctorContext) -> Traces:
    """Test cameras, temporary queues and their subscriptions present in the stack now."""
    traces = Traces(cameras=[c.vuid for c in context.fleet() if is_probe(c.vuid)])
    sqs, prefix = context.client("sqs"), context.probe_queue_prefix
    for page in sqs.get_paginator("list_queues").paginate(QueueNamePrefix=prefix):
        traces.queues.extend(page.get("QueueUrls", []))
    for subscription in topic_subscriptions(context):
        queue_name = subscription.get("Endpoint", "").rsplit(":", 1)[-1]
        if subscription.get("Protocol") == "sqs" and queue_name.startswith(prefix):
            traces.subscriptions.append(subscription["SubscriptionArn"])
    return traces


def remove_traces(context: DoctorContext, traces: Traces) -> None:
    """Remove everything in ``traces``: subscriptions, queues, then each camera's alarms,
    media and finally the camera item."""
    sns, sqs = context.client("sns"), context.client("sqs")
    for arn in traces.subscriptions:
        if arn.startswith("arn:"):
            sns.unsubscribe(SubscriptionArn=arn)
    for url in traces.queues:
        with contextlib.suppress(sqs.exceptions.QueueDoesNotExist):
            sqs.delete_queue(QueueUrl=url)
    for vuid in traces.cameras:
        remove_camera(context, vuid, traces.destinations)
    context.forget_fleet()


def remove_camera(context: DoctorContext, vuid: str, destinations: list[str] | None = None) -> None:
    """A test camera's alarms (and every object they name), its media prefix, then the camera;
    the alarms' delivery records for today's destinations and ``destinations``."""
    if not is_probe(vuid):
        raise ValueError(f"{vuid} is not a test camera: refusing to remove it")
    dynamodb, s3 = context.client("dynamodb"), context.client("s3")
    table, bucket = context.stack.alarms_table, context.stack.media_bucket
    keys: set[str] = set()
    alarm_keys: list[dict[str, Any]] = []
    pages = dynamodb.get_paginator("query").paginate(
        TableName=table,
        KeyConditionExpression="vuid = :vuid",
        ExpressionAttributeValues={":vuid": {"S": vuid}},
        ConsistentRead=True,
    )
    for page in pages:
        for item in page.get("Items", []):
            alarm_keys.append({"vuid": item["vuid"], "alarmId": item["alarmId"]})
            # pictureKey, videoKey and whatever media processing derived (thumbnailKey, ...).
            keys.update(
                value["S"] for name, value in item.items() if name.endswith("Key") and "S" in value
            )
    _remove_media(s3, bucket, vuid, keys)
    _remove_deliveries(context, [key["alarmId"]["S"] for key in alarm_keys], destinations or [])
    for key in alarm_keys:
        dynamodb.delete_item(TableName=table, Key=key)
    # Media processing still running for a test alarm may have stored a thumbnail after
    # the first pass; it deletes what it made once it finds its alarm gone, and this second
    # pass takes whatever it had recorded before the alarm went.
    _remove_media(s3, bucket, vuid, set())
    context.cameras().remove(vuid)


def _remove_media(s3: Any, bucket: str, vuid: str, keys: set[str]) -> None:
    """``keys`` and everything under the test camera's media prefix."""
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=f"alarms/{vuid}/"
    ):
        keys.update(obj["Key"] for obj in page.get("Contents", []))
    for key in sorted(keys):
        s3.delete_object(Bucket=bucket, Key=key)


def _remove_deliveries(context: DoctorContext, alarm_ids: list[str], also: list[str]) -> None:
    """The push delivery records of the test alarms ('doctor --channels'), by their ids
    ``<alarm id>.<destination>``; deleting one that never existed is harmless."""
    raw = context.stack.raw
    if not alarm_ids or "DeliveriesTableName" not in raw or "DestinationsTableName" not in raw:
        return
    from vstarcam_push.dal.destinations import DestinationStore

    dynamodb = context.client("dynamodb")
    names = [d.name for d in DestinationStore(dynamodb, raw["DestinationsTableName"]).list()]
    names += [name for name in also if name not in names]
    for alarm_id in alarm_ids:
        for name in names:
            dynamodb.delete_item(
                TableName=raw["DeliveriesTableName"],
                Key={"deliveryId": {"S": f"{alarm_id}.{name}"}},
            )
