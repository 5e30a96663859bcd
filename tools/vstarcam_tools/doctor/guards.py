"""Read-only checks of the stack's guard rails: the bucket, failed notifications, the people
who are told (and that the doctor never tells them), the throttle, and silent cameras.

Each check is a function of the :class:`DoctorContext` that returns one result;
none of them writes anything, so ``--skip-push`` runs exactly these.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import requests
from vstarcam_push.models.doctor_camera import TEST_ATTRIBUTE, is_probe

from vstarcam_tools.doctor.context import DoctorContext
from vstarcam_tools.doctor.results import CheckResult, failed, ok, skipped, warning

REDEPLOY = "redeploy the stack from this checkout (sam build && sam deploy)"
PEOPLE_PROTOCOLS = ("email", "email-json", "sms")
EMAIL_PROTOCOLS = ("email", "email-json")
# cameras configure sets offlineAfter to three heartbeatTimes: the fleet's heartbeat
# rate is estimated from it (no camera reports its heartbeatTime to the stack).
HEARTBEATS_PER_OFFLINE_AFTER = 3
THROTTLE_HEADROOM = 2.0
# CamerasCapacity=Provisioned: auto scaling holds the write units at 90 % use
# (template.yaml, vstarcam_tools.cost.model.WRITE_FLOOR_USE).
WRITE_UNIT_USE = 0.9
NAMED_CAMERAS = 10
_BLOCKS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def check_public_access(context: DoctorContext) -> CheckResult:
    check, bucket = "bucket public access", context.stack.media_bucket
    s3 = context.client("s3")
    fix = (
        f"aws s3api put-public-access-block --bucket {bucket} --public-access-block-configuration "
        + ",".join(f"{name}=true" for name in _BLOCKS)
        + f" (or {REDEPLOY})"
    )
    try:
        config = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    except s3.exceptions.ClientError as error:
        if "NoSuchPublicAccessBlockConfiguration" not in str(error):
            raise
        config = {}
    off = [name for name in _BLOCKS if not config.get(name)]
    if off:
        return failed(
            check, f"bucket {bucket} does not block public access ({', '.join(off)} off)", fix
        )
    return ok(check, f"bucket {bucket} blocks all public access")


def _denies_insecure_transport(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition", {}).get("Bool", {})
    value = str(condition.get("aws:SecureTransport", "")).lower()
    actions = statement.get("Action", [])
    actions = [actions] if isinstance(actions, str) else actions
    return statement.get("Effect") == "Deny" and value == "false" and "s3:*" in actions


def check_tls_only(context: DoctorContext) -> CheckResult:
    check, bucket = "bucket TLS only", context.stack.media_bucket
    if context.local:
        return skipped(
            check,
            "the local stack is plain HTTP by design and moto cannot evaluate "
            "aws:SecureTransport; a deployed stack's bucket policy denies non-TLS requests",
        )
    s3 = context.client("s3")
    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except s3.exceptions.ClientError as error:
        if "NoSuchBucketPolicy" not in str(error):
            raise
        policy = {}
    statements = policy.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    if any(_denies_insecure_transport(statement) for statement in statements):
        return ok(check, f"bucket {bucket}'s policy denies every request not made over TLS")
    return failed(
        check,
        f"bucket {bucket}'s policy does not deny requests without TLS",
        f"{REDEPLOY}: the template's MediaBucketPolicy (DenyInsecureTransport) restores it",
    )


def _queue_depth(context: DoctorContext, url: str) -> int:
    attributes = context.client("sqs").get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def check_dead_letter_queue(context: DoctorContext) -> CheckResult:
    check = "dead-letter queue"
    url = context.stack.raw["NotifyDeadLetterQueueUrl"]
    count = _queue_depth(context, url)
    if count:
        return warning(
            check,
            f"{count} failed push deliver{'ies' if count != 1 else 'y'} in the dead-letter "
            "queue (push destinations that gave up: the owner was told; or retries Scheduler "
            "could not hand over): those alarms are stored",
            "read them and the NotifyFunction log as the README section 'When notifications "
            f"fail' shows, then purge the queue: aws sqs purge-queue --queue-url {url}",
        )
    return ok(check, "empty: no push delivery gave up")


def check_media_dead_letter_queue(context: DoctorContext) -> CheckResult:
    check = "media dead-letter queue"
    url = context.stack.raw.get("MediaDeadLetterQueueUrl")
    if url is None:
        return skipped(check, "not in this stack: it has no media processing")
    count = _queue_depth(context, url)
    if count:
        return warning(
            check,
            f"{count} batch{'es' if count != 1 else ''} of alarms whose thumbnail and playable "
            "video kept failing: the alarms and their originals are stored",
            "redo them with 'vstarcam-push alarms process', then purge the queue: "
            f"aws sqs purge-queue --queue-url {url}",
        )
    return ok(check, "empty: media processing kept up with every alarm")


def check_cloudwatch_alarms(context: DoctorContext) -> CheckResult:
    check, topics = "CloudWatch alarms", set(context.topic_arns)
    alarms = [
        alarm
        for page in context.client("cloudwatch").get_paginator("describe_alarms").paginate()
        for alarm in page.get("MetricAlarms", [])
        if topics & set(alarm.get("AlarmActions", []))
    ]
    if not alarms:
        # A notification that fails every retry, or a push destination that gives up, tells
        # the operations topic itself; the one CloudWatch alarm (RefusalsAlarm) is optional.
        return ok(
            check,
            "none (RefusalsAlarm=false); failed notifications and push destinations that "
            "give up tell the operations topic directly",
        )
    firing = [alarm for alarm in alarms if alarm.get("StateValue") == "ALARM"]
    if firing:
        names = ", ".join(alarm["AlarmName"] for alarm in firing)
        return warning(
            check,
            f"in ALARM: {names} ({firing[0].get('StateReason', '')})",
            "see the dead-letter queue check and the README section 'When notifications fail'",
        )
    states = ", ".join(f"{a['AlarmName']} {a.get('StateValue', '?')}" for a in alarms)
    return ok(check, states)


def topic_subscriptions(context: DoctorContext, topic: str | None = None) -> list[dict[str, Any]]:
    """The subscriptions of the alarm topic (or of ``topic``)."""
    sns = context.client("sns")
    return [
        subscription
        for page in sns.get_paginator("list_subscriptions_by_topic").paginate(
            TopicArn=topic or context.stack.topic_arn
        )
        for subscription in page.get("Subscriptions", [])
    ]


def _attributes(context: DoctorContext, subscription: dict[str, Any]) -> dict[str, str]:
    arn = subscription["SubscriptionArn"]
    # AWS lists a pending subscription under this word instead of an ARN.
    if arn == "PendingConfirmation":
        return {"PendingConfirmation": "true"}
    return dict(
        context.client("sns").get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    )


def _pending(attributes: dict[str, str]) -> bool:
    return str(attributes.get("PendingConfirmation", "false")).lower() == "true"


def check_subscriptions(context: DoctorContext) -> CheckResult:
    check = "subscriptions"
    people = [
        s
        for topic in context.topic_arns
        for s in topic_subscriptions(context, topic)
        if s["Protocol"] in PEOPLE_PROTOCOLS
    ]
    if not people:
        return warning(
            check,
            "no email or SMS subscription: nobody is told about alarms or offline cameras",
            "redeploy with NotificationEmail (and NotificationPhone) set, or subscribe an "
            f"endpoint: aws sns subscribe --topic-arn {context.stack.topic_arn} "
            "--protocol email --notification-endpoint you@example.com",
        )
    pending = [
        s["Endpoint"]
        for s in people
        if s["Protocol"] in EMAIL_PROTOCOLS and _pending(_attributes(context, s))
    ]
    if pending:
        return warning(
            check,
            f"email subscription not confirmed: {', '.join(pending)} (SNS sends it nothing "
            "until then)",
            "open the email 'AWS Notification - Subscription Confirmation' sent to that "
            "address and click 'Confirm subscription' (look in the spam folder); it expires "
            "after 3 days: then subscribe again with aws sns subscribe --topic-arn "
            f"{context.stack.topic_arn} --protocol email --notification-endpoint ADDRESS",
        )
    described = ", ".join(sorted({f"{s['Protocol']} {s['Endpoint']}" for s in people}))
    return ok(check, f"confirmed: {described}")


def filters_out_tests(attributes: dict[str, str]) -> bool:
    """True if the subscription's filter policy drops messages carrying the test attribute."""
    if attributes.get("FilterPolicyScope", "MessageAttributes") != "MessageAttributes":
        return False
    try:
        policy = json.loads(attributes.get("FilterPolicy") or "{}")
    except ValueError:
        return False
    return isinstance(policy, dict) and policy.get(TEST_ATTRIBUTE) == [{"exists": False}]


def check_no_spam(context: DoctorContext) -> CheckResult:
    """The doctor's own test alarm must reach no person: every email and SMS subscription
    filters out the ``test`` message attribute its notifications carry."""
    check = "no spam"
    people = []
    for subscription in topic_subscriptions(context):
        if subscription["Protocol"] in PEOPLE_PROTOCOLS:
            attributes = _attributes(context, subscription)
            # SNS sends a pending subscription nothing (the subscriptions check warns).
            if not _pending(attributes):
                people.append((subscription, attributes))
    unfiltered = [
        f"{s['Protocol']} {s['Endpoint']}"
        for s, attributes in people
        if not filters_out_tests(attributes)
    ]
    if unfiltered:
        return failed(
            check,
            f"would be sent the doctor's test alarm: {', '.join(unfiltered)} (no filter "
            f"policy drops the '{TEST_ATTRIBUTE}' message attribute); the test push is not sent",
            f"{REDEPLOY}: its email and SMS subscriptions filter the test out; or add "
            f'"{TEST_ATTRIBUTE}": [{{"exists": false}}] to that subscription\'s filter policy; '
            "meanwhile 'doctor --skip-push' runs the read-only checks",
        )
    if not people:
        return ok(check, "no email or SMS subscription to keep the test alarm from")
    return ok(check, f"the test alarm is filtered out for {len(people)} email/SMS subscription(s)")


def _fleet(context: DoctorContext) -> list[Any]:
    return [camera for camera in context.fleet() if not is_probe(camera.vuid)]


def check_throttling(context: DoctorContext) -> CheckResult:
    """API Gateway throttles each route for all clients together: the heartbeat route must
    take the whole fleet's heartbeats with room to spare (cameras retry on 429)."""
    check = "throttling"
    if context.parameters.get("CameraEndpoint") == "FunctionUrl":
        return ok(
            check,
            "the cameras push to the functions' own URLs (CameraEndpoint=FunctionUrl): no "
            "route throttling to outgrow; a flood is billed per request instead "
            "(docs/performance.md)",
        )
    rate_text = context.parameters.get("ThrottlingRateLimit")
    if not rate_text:
        return skipped(check, "the stack reports no ThrottlingRateLimit parameter")
    rate_limit = float(rate_text)
    default = context.stack.offline_after_seconds
    fleet = _fleet(context)
    expected = sum(
        HEARTBEATS_PER_OFFLINE_AFTER / (camera.offline_after or default) for camera in fleet
    )
    needed = THROTTLE_HEADROOM * expected
    what = (
        f"ThrottlingRateLimit {rate_limit:g}/s per route; {len(fleet)} camera(s) send about "
        f"{expected:.2f} heartbeats/s (heartbeatTime estimated as offlineAfter/"
        f"{HEARTBEATS_PER_OFFLINE_AFTER})"
    )
    if rate_limit < needed:
        suggested = max(math.ceil(needed), int(rate_limit) + 1)
        return warning(
            check,
            f"{what}: under twice that, so heartbeats will be refused with 429 at peaks",
            f"sam deploy --parameter-overrides ThrottlingRateLimit={suggested} "
            f"ThrottlingBurstLimit={2 * suggested}",
        )
    return ok(check, what)


def check_capacity(context: DoctorContext) -> CheckResult:
    """CamerasCapacity=Provisioned: the fleet's heartbeat writes must fit under the write
    ceiling auto scaling may reach (beyond it heartbeats are answered 503)."""
    check = "capacity"
    if context.parameters.get("CamerasCapacity", "OnDemand") != "Provisioned":
        return ok(check, "the Cameras table is on demand (CamerasCapacity=OnDemand)")
    floor = float(context.parameters.get("CamerasWriteCapacity", "0") or 0)
    ceiling = float(context.parameters.get("CamerasMaxWriteCapacity", "0") or 0)
    default = context.stack.offline_after_seconds
    fleet = _fleet(context)
    expected = sum(
        HEARTBEATS_PER_OFFLINE_AFTER / (camera.offline_after or default) for camera in fleet
    )
    needed = math.ceil(expected / WRITE_UNIT_USE)
    what = (
        f"CamerasWriteCapacity {floor:g} to {ceiling:g} write units a second; {len(fleet)} "
        f"camera(s) send about {expected:.2f} heartbeats/s, {needed} units at 90 % use"
    )
    if needed > ceiling:
        return warning(
            check,
            f"{what}: over the ceiling, so heartbeats will be answered 503 (throttled)",
            f"sam deploy --parameter-overrides CamerasWriteCapacity={needed} "
            f"CamerasMaxWriteCapacity={4 * needed} (vstarcam-push cost --cameras "
            f"{len(fleet)} prints the read units too)",
        )
    if needed > floor:
        return ok(check, f"{what}: above the floor, auto scaling holds more units")
    return ok(check, what)


def check_silent_cameras(context: DoctorContext) -> CheckResult:
    check = "silent cameras"
    silent = [camera.vuid for camera in _fleet(context) if camera.last_seen is None]
    if silent:
        shown = ", ".join(silent[:NAMED_CAMERAS])
        more = f" and {len(silent) - NAMED_CAMERAS} more" if len(silent) > NAMED_CAMERAS else ""
        return warning(
            check,
            f"{len(silent)} registered camera(s) never sent a heartbeat: {shown}{more}",
            "point them at the stack (vstarcam-push cameras configure CAMERA_URL --user USER; "
            "docs/cameras.md) and check their settings with 'vstarcam-push cameras "
            "show-config'; remove cameras you no longer have with 'cameras remove VUID'",
        )
    fleet = _fleet(context)
    if not fleet:
        return ok(check, "no camera registered yet ('vstarcam-push cameras add VUID')")
    return ok(check, f"each of the {len(fleet)} registered camera(s) has sent a heartbeat")


def check_console(context: DoctorContext) -> CheckResult:
    """The console page loads, and its API refuses a request without a valid token."""
    check = "console"
    url = context.stack.raw.get("ConsoleUrl")
    if not url:
        return skipped(check, "not in this stack: it has no web console")
    api = url.rstrip("/") + "/api/cameras"
    timeout = context.limits.http_timeout_s
    fix = f"{REDEPLOY}: every /api/ route is behind the Cognito JWT authorizer"
    try:
        page = context.http.get(url, timeout=timeout)
        bare = context.http.get(api, timeout=timeout)
        forged = context.http.get(
            api, headers={"Authorization": "Bearer not.a.token"}, timeout=timeout
        )
    except requests.RequestException as error:
        return failed(check, f"cannot reach {url}: {type(error).__name__}", "check ConsoleUrl")
    if page.status_code != 200:
        return failed(check, f"GET {url} answered {page.status_code}, not the console page", fix)
    for what, response in (("without a token", bare), ("with a forged token", forged)):
        if response.status_code != 401:
            return failed(check, f"GET {api} {what} answered {response.status_code}, not 401", fix)
    return ok(check, f"{url} serves the console; its API answers 401 without a valid token")


READ_ONLY_CHECKS: tuple[tuple[str, Callable[[DoctorContext], CheckResult]], ...] = (
    ("bucket public access", check_public_access),
    ("bucket TLS only", check_tls_only),
    ("dead-letter queue", check_dead_letter_queue),
    ("media dead-letter queue", check_media_dead_letter_queue),
    ("CloudWatch alarms", check_cloudwatch_alarms),
    ("subscriptions", check_subscriptions),
    ("no spam", check_no_spam),
    ("throttling", check_throttling),
    ("capacity", check_capacity),
    ("silent cameras", check_silent_cameras),
    ("console", check_console),
)
