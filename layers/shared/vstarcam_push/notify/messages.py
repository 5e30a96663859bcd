"""Notifications: what the owner is told, and the rules for when.

Derived from the table streams, never from the request path: a new alarm,
a camera going offline, and a camera coming back online. Each is published
once to the SNS topic with a short text for SMS, a fuller one for email, a
subject line, and message attributes (``event``, ``vuid``, ``alarmType``)
that subscription filter policies route on.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from vstarcam_push.media.links import link_url
from vstarcam_push.models.alarm import Alarm
from vstarcam_push.models.alarm_types import DEFAULT_ALERT_TYPES, severity_of
from vstarcam_push.models.camera import Camera
from vstarcam_push.models.doctor_camera import probe_attributes
from vstarcam_push.models.push_event import PushEvent

EventKind = Literal["alarm", "offline", "online"]

# "suppressed": inside the cooldown of its alarm type; "capped": over the per-camera ceiling;
# "snoozed": the camera (or its site) is snoozed, which holds every channel.
NotifyDecision = Literal["sent", "suppressed", "capped", "snoozed", "ignored"]

SMS_LIMIT = 160

SUBJECT_LIMIT = 99  # SNS: under 100 ASCII characters


def format_time(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def format_duration(seconds: int) -> str:
    minutes, _ = divmod(max(seconds, 0), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else "under a minute"


@dataclass(frozen=True)
class Notification:
    event: EventKind
    vuid: str
    subject: str
    sms: str
    email: str
    attributes: dict[str, str] = field(default_factory=dict)
    # The one-line text before the SMS cut: what push channels show.
    headline: str = ""

    def publish_request(self, topic_arn: str) -> dict[str, Any]:
        """Arguments for ``sns.publish``: one message, a text per protocol."""
        return {
            "TopicArn": topic_arn,
            "Subject": _subject(self.subject),
            "MessageStructure": "json",
            "Message": json.dumps({"default": self.email, "email": self.email, "sms": self.sms}),
            "MessageAttributes": {
                name: {"DataType": "String", "StringValue": value}
                for name, value in {
                    "event": self.event,
                    "vuid": self.vuid,
                    **self.attributes,
                    # The doctor's test camera: email and SMS subscriptions filter these out.
                    **probe_attributes(self.vuid),
                }.items()
            },
        }


def _subject(text: str) -> str:
    printable = "".join(c if 32 <= ord(c) < 127 else "?" for c in text)
    return printable[:SUBJECT_LIMIT]


def _sms(text: str) -> str:
    # "..." not "…": one character outside GSM-7 makes the whole SMS UCS-2,
    # whose segments hold 70 characters, so a 160-character text costs 3 SMS.
    return text if len(text) <= SMS_LIMIT else text[: SMS_LIMIT - 3] + "..."


def alarm_notification(
    camera: Camera | None,
    alarm: Alarm,
    bucket: str,
    region: str,
    api_url: str = "",
    alert_types: frozenset[int] = DEFAULT_ALERT_TYPES,
) -> Notification:
    """``Front door (VE0005622QHOW): Motion detection alarm at 2026-11-26 14:03:11 UTC``.

    The email opens with one-click links to the picture (and video) when the alarm has
    a link token; SMS stays one short line without them (a link would double its price).
    The ``severity`` attribute (alert or detection) lets a subscription filter on it.
    """
    severity = severity_of(alarm.alarm_type.code, alert_types)
    label = camera.label if camera else alarm.vuid
    headline = f"{label}: {alarm.alarm_type.name} at {format_time(alarm.received_at_ms / 1000)}"
    console = (
        "https://{region}.console.aws.amazon.com/s3/object/{bucket}?region={region}&prefix={key}"
    )
    lines = [headline, ""]
    if alarm.link is not None and api_url:
        token = alarm.link.token
        lines.append(f"Open the picture: {link_url(api_url, alarm.alarm_id, 'picture', token)}")
        if alarm.video is not None:
            lines.append(f"Open the video: {link_url(api_url, alarm.alarm_id, 'video', token)}")
        lines += [
            f"  (the links work until {format_time(alarm.link.expires_at)}; "
            "anyone you forward them to can open them)",
            "",
        ]
    lines += [
        f"Picture: s3://{bucket}/{alarm.picture.key}",
        "  in the AWS console: "
        + console.format(
            region=region, bucket=bucket, key=urllib.parse.quote(alarm.picture.key, safe="")
        ),
    ]
    if alarm.video is not None:
        lines.append(f"Video: s3://{bucket}/{alarm.video.key}")
    lines += [
        "",
        "Download it with:",
        f"  vstarcam-push alarms get {alarm.alarm_id} --picture alarm.{_ext(alarm)}"
        + (" --video alarm-video" if alarm.video is not None else ""),
        "",
        f"Alarm id: {alarm.alarm_id}",
        f"Alarm type: {alarm.alarm_type.name} ({alarm.alarm_type.hex})",
        f"Severity: {severity}",
    ]
    return Notification(
        event="alarm",
        vuid=alarm.vuid,
        subject=f"{alarm.alarm_type.name}: {label}",
        sms=_sms(headline),
        email="\n".join(lines),
        attributes={
            "alarmType": alarm.alarm_type.hex,
            "alarmTypeName": alarm.alarm_type.name,
            "severity": severity,
        },
        headline=headline,
    )


def _ext(alarm: Alarm) -> str:
    return alarm.picture.key.rsplit(".", 1)[-1]


def offline_notification(camera: Camera) -> Notification:
    since = camera.last_seen
    # lastSeen is the last heartbeat or alarm, whichever came later.
    seen = f"last seen at {format_time(since)}" if since else "never seen"
    headline = f"{camera.label} is offline: {seen}"
    email = (
        f"{headline}.\n\nThe camera sent no heartbeat and no alarm for more than "
        f"{camera.offline_after or 0} seconds. You will be told when it is back online."
    )
    return Notification(
        event="offline",
        vuid=camera.vuid,
        subject=f"Camera offline: {camera.label}",
        sms=_sms(headline),
        email=email,
        headline=headline,
    )


def online_notification(camera: Camera, before: Camera) -> Notification:
    now = camera.last_seen or 0
    outage = ""
    if before.offline_since and now:
        outage = f" after {format_duration(now - (before.last_seen or before.offline_since))}"
    headline = f"{camera.label} is back online{outage} (seen at {format_time(now)})"
    return Notification(
        event="online",
        vuid=camera.vuid,
        subject=f"Camera back online: {camera.label}",
        sms=_sms(headline),
        email=headline + ".",
        headline=headline,
    )


def alarm_push_event(camera: Camera | None, alarm: Alarm, notification: Notification) -> PushEvent:
    """The alarm as push channels see it; its id is the alarm id (stable across retries)."""
    return PushEvent(
        kind="alarm",
        event_id=alarm.alarm_id,
        vuid=alarm.vuid,
        camera_name=camera.name if camera else "",
        site=camera.site if camera else "",
        at=alarm.received_at_ms // 1000,
        title=notification.subject,
        text=notification.headline,
        alarm_id=alarm.alarm_id,
        alarm_type=alarm.alarm_type.code,
        alarm_type_hex=alarm.alarm_type.hex,
        alarm_type_name=alarm.alarm_type.name,
        picture_key=alarm.picture.key,
        picture_content_type=alarm.picture.content_type,
        picture_size=alarm.picture.size,
        has_video=alarm.video is not None,
        link_token=alarm.link.token if alarm.link else "",
        link_expires_at=alarm.link.expires_at if alarm.link else 0,
        # As the notification classed it: the same AlertTypes setting.
        severity=notification.attributes.get("severity", ""),
    )


def status_push_event(camera: Camera, notification: Notification) -> PushEvent:
    """Offline or back online; the id names the moment (offlineSince, or the heartbeat's
    lastSeen), so a redelivered stream record has the same id."""
    at = (camera.offline_since if notification.event == "offline" else camera.last_seen) or 0
    return PushEvent(
        kind=notification.event,
        event_id=f"{camera.vuid}-{notification.event}-{at}",
        vuid=camera.vuid,
        camera_name=camera.name,
        site=camera.site,
        at=at,
        title=notification.subject,
        text=notification.headline,
    )
