"""What the stack derives from the test alarm, off the camera's request path: the
notification (seen through the doctor's temporary queue), media processing, push channels."""

from __future__ import annotations

import json
import time

from botocore.exceptions import BotoCoreError, ClientError
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.destinations import DestinationStore
from vstarcam_push.models.alarm import Alarm
from vstarcam_push.models.doctor_camera import TEST_ATTRIBUTE
from vstarcam_push.models.push_event import PushEvent
from vstarcam_push.notify.messages import alarm_notification, alarm_push_event

from vstarcam_tools.doctor.camera_path import Probe
from vstarcam_tools.doctor.context import DoctorContext
from vstarcam_tools.doctor.results import CheckResult, failed, ok, skipped

NOTIFY_LOG = "sam logs --stack-name {stack} -n NotifyFunction --start-time '10 minutes ago'"


def check_notification(context: DoctorContext, probe: Probe) -> CheckResult:
    check = "notification"
    if not probe.alarms or probe.queue is None:
        return skipped(check, "no test alarm was stored")
    alarm_id = probe.alarms[0].alarm_id
    sqs = context.client("sqs")
    deadline = time.monotonic() + context.limits.wait_s
    seen: list[str] = []
    while True:
        remaining = deadline - time.monotonic()
        messages = sqs.receive_message(
            QueueUrl=probe.queue.url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=max(0, min(5, int(remaining))),
        ).get("Messages", [])
        for message in messages:
            envelope = json.loads(message["Body"])
            attributes = envelope.get("MessageAttributes", {})
            event = attributes.get("event", {}).get("Value")
            seen.append(str(event))
            if event == "alarm" and alarm_id in envelope.get("Message", ""):
                if attributes.get(TEST_ATTRIBUTE) is None:
                    return failed(
                        check,
                        f"the notification of {alarm_id} lacks the '{TEST_ATTRIBUTE}' message "
                        "attribute, so email and SMS subscriptions would not filter it out",
                        "redeploy the stack from this checkout (sam build && sam deploy)",
                    )
                waited = context.limits.wait_s - max(0.0, deadline - time.monotonic())
                return ok(
                    check,
                    f"published to the topic within {waited:.0f} s, marked as a test "
                    "(email and SMS subscriptions filter it out)",
                )
        if time.monotonic() >= deadline:
            return failed(
                check,
                f"no notification of {alarm_id} reached the topic within "
                f"{context.limits.wait_s:g} s"
                + (f" (other events seen: {', '.join(seen)})" if seen else ""),
                "read the notifier's log ("
                + NOTIFY_LOG.format(stack=context.stack_name)
                + "), then check the dead-letter queue (README 'When notifications fail')",
            )
        if not messages:
            time.sleep(context.limits.poll_s)


def unavailable(context: DoctorContext, logical_id: str, what: str) -> str | None:
    """Why a feature cannot be checked (not in the stack, or the stack is too old to tell)."""
    present = context.has_feature(logical_id)
    if present is None:
        return f"the stack's template is older than this CLI's: cannot tell whether it has {what}"
    return None if present else f"not in this stack: it has no {what}"


def check_media_processing(context: DoctorContext, probe: Probe) -> CheckResult:
    """The test alarm gets its thumbnail and, for its MP4 video, a browser-playable copy."""
    check = "media processing"
    reason = unavailable(context, "MediaProcessFunction", "media processing")
    if reason:
        return skipped(check, reason)
    if not probe.alarms:
        return skipped(check, "no test alarm was stored")
    alarm = probe.alarms[0]
    fix = (
        "read the media function's log: sam logs --stack-name "
        f"{context.stack_name} -n MediaProcessFunction --start-time '10 minutes ago'; redo "
        f"it with 'vstarcam-push alarms process --vuid {alarm.vuid}'"
    )
    store = AlarmStore(context.client("dynamodb"), context.stack.alarms_table)
    deadline = time.monotonic() + context.limits.wait_s
    while True:
        current = store.get(alarm.alarm_id)
        if current is not None and current.media is not None:
            break
        if time.monotonic() >= deadline:
            return failed(
                check,
                f"alarm {alarm.alarm_id} was not processed within {context.limits.wait_s:g} s",
                fix + "; look in the media dead-letter queue (MediaDeadLetterQueueUrl)",
            )
        time.sleep(context.limits.poll_s)
    probe.alarms[0] = current
    media = current.media
    if media.status != "processed":
        return failed(check, f"processing failed: {media.error or 'no reason recorded'}", fix)
    s3, bucket = context.client("s3"), context.stack.media_bucket
    made = []
    for name, derived, kind in (
        ("thumbnail", media.thumbnail, "image/"),
        ("playable video", media.playable_video, "video/mp4"),
    ):
        if derived is None:
            return failed(check, f"processed without a {name}: {media.error or ''}".strip(), fix)
        head = s3.head_object(Bucket=bucket, Key=derived.key)
        if head["ContentLength"] != derived.size or not derived.content_type.startswith(kind):
            return failed(
                check,
                f"the {name} s3://{bucket}/{derived.key} is not what the alarm records "
                f"({derived.content_type}, {derived.size} bytes)",
                fix,
            )
        made.append(f"{name} ({derived.content_type}, {derived.size} bytes)")
    return ok(check, f"{' and '.join(made)} stored")


def check_push_channels(context: DoctorContext, probe: Probe, channels: bool) -> CheckResult:
    """Without ``--channels`` the test alarm goes to no push destination (the notifier skips
    test cameras); with it, every destination whose filters want it gets it, delivered."""
    check = "push channels"
    reason = unavailable(context, "DeliveryFunction", "push channels")
    if reason:
        return skipped(check, reason)
    raw = context.stack.raw
    if "DestinationsTableName" not in raw or "DeliveriesTableName" not in raw:
        return skipped(check, "the stack reports no DestinationsTableName/DeliveriesTableName")
    if not probe.alarms:
        return skipped(check, "no test alarm was stored")
    dynamodb = context.client("dynamodb")
    destinations = DestinationStore(dynamodb, raw["DestinationsTableName"]).list()
    alarm = probe.alarms[0]
    event = _push_event(context, alarm)
    wanted = [d.name for d in destinations if d.filters.wants(event)]
    # A destination gone since the test alarm was sent (a web push device its push service
    # said is gone) counts when its delivery record says it was sent the alarm. Noted only
    # with --channels (runner), so without it nothing is added.
    listed = {d.name for d in destinations}
    gone = [name for name in probe.destinations or [] if name not in listed]
    wanted += sorted(_deliveries(context, alarm.alarm_id, gone))
    records = _deliveries(context, alarm.alarm_id, [d.name for d in destinations])
    if not channels:
        if records:
            return failed(
                check,
                f"the test alarm was sent to {', '.join(sorted(records))} without --channels",
                "redeploy the stack from this checkout: its notifier keeps test alarms from "
                "push channels unless asked",
            )
        if not destinations:
            return skipped(check, "no push destination is configured ('vstarcam-push notify add')")
        return skipped(
            check,
            f"not sent to the {len(destinations)} push destination(s) "
            f"({', '.join(d.name for d in destinations)}); --channels sends them the test alarm",
        )
    if not wanted:
        return skipped(
            check,
            "no push destination wants the test alarm"
            + (
                f" (their filters: {', '.join(d.name for d in destinations)})"
                if destinations
                else ""
            ),
        )
    fix = (
        "see 'vstarcam-push notify list' (each destination's last error) and the delivery "
        f"function's log: sam logs --stack-name {context.stack_name} -n DeliveryFunction "
        "--start-time '10 minutes ago'"
    )
    deadline = time.monotonic() + context.limits.wait_s
    while True:
        records = _deliveries(context, alarm.alarm_id, wanted)
        done = {name: status for name, status in records.items() if status != "sending"}
        if len(done) == len(wanted) or time.monotonic() >= deadline:
            break
        time.sleep(context.limits.poll_s)
    # Withheld by design: a web push device whose browser dropped its subscription (removed
    # now), or whose owner may not see the test camera (a viewer limited to sites).
    withheld = sorted(name for name, status in done.items() if status == "withheld")
    failures = [name for name, status in done.items() if status not in ("delivered", "withheld")]
    pending = [name for name in wanted if name not in done]
    if failures or pending:
        parts = []
        if failures:
            parts.append(f"failed for {', '.join(sorted(failures))}")
        if pending:
            parts.append(
                f"not delivered to {', '.join(pending)} within {context.limits.wait_s:g} s"
            )
        return failed(check, "the test alarm " + "; ".join(parts), fix)
    delivered = [name for name in wanted if name not in withheld]
    said = [f"the test alarm was delivered to {', '.join(delivered)}"] if delivered else []
    if withheld:
        said.append(
            f"withheld from {', '.join(withheld)} (a web push device that is gone, or whose "
            "owner may not see the test camera: 'vstarcam-push notify list')"
        )
    return ok(check, "; ".join(said))


def destination_names(context: DoctorContext) -> list[str] | None:
    """The push destinations' names now; None where the stack has no Destinations table or
    it cannot be read (the push channels check says why)."""
    table = context.stack.raw.get("DestinationsTableName")
    if not table:
        return None
    try:
        return [d.name for d in DestinationStore(context.client("dynamodb"), table).list()]
    except (ClientError, BotoCoreError):
        return None


def _push_event(context: DoctorContext, alarm: Alarm) -> PushEvent:
    camera = context.cameras().get(alarm.vuid)
    notification = alarm_notification(
        camera, alarm, context.stack.media_bucket, context.region, context.api_url
    )
    return alarm_push_event(camera, alarm, notification)


def _deliveries(context: DoctorContext, alarm_id: str, names: list[str]) -> dict[str, str]:
    """The delivery records of the alarm, by destination name: sending, delivered, failed,
    withheld."""
    dynamodb, table = context.client("dynamodb"), context.stack.raw["DeliveriesTableName"]
    found = {}
    for name in names:
        item = dynamodb.get_item(
            TableName=table, Key={"deliveryId": {"S": f"{alarm_id}.{name}"}}, ConsistentRead=True
        ).get("Item")
        if item:
            found[name] = item.get("status", {}).get("S", "")
    return found
