"""The notifier: a stream record -> SNS and the push destinations.

Whatever it holds back (a snooze, the cooldown, the ceiling, a destination's quiet hours) it
says in one log line: the camera, the reason and until when, so silence is never unexplained.
A snoozed camera (its own snooze or its site's) notifies nobody: not SNS, not one push
destination; its alarms are stored all the same, and its offline and back-online notices
are held too.
"""

from __future__ import annotations

import logging
from typing import Any

from vstarcam_push.dal.notification_claims import NotificationClaims
from vstarcam_push.delivery.fanout import FanOut
from vstarcam_push.models.alarm import Alarm
from vstarcam_push.models.alarm_types import DEFAULT_ALERT_TYPES
from vstarcam_push.models.camera import Camera, NotifyCeiling, Snooze
from vstarcam_push.models.doctor_camera import pushes_to_channels
from vstarcam_push.models.push_event import PushEvent
from vstarcam_push.notify.messages import (
    EventKind,
    Notification,
    NotifyDecision,
    alarm_notification,
    alarm_push_event,
    format_time,
    offline_notification,
    online_notification,
    status_push_event,
)
from vstarcam_push.runtime.logs import notice

logger = logging.getLogger(__name__)


class Notifier:
    """Turns one table stream record into at most one published notification."""

    def __init__(
        self,
        sns: Any,
        topic_arn: str,
        claims: NotificationClaims,
        bucket: str,
        region: str,
        cooldown_seconds: int,
        api_url: str = "",
        ceiling: NotifyCeiling | None = None,
        push: FanOut | None = None,
        log: Any = None,
        alert_types: frozenset[int] = DEFAULT_ALERT_TYPES,
    ) -> None:
        self.logger = log or logger
        self._sns = sns
        self.push = push
        self.topic_arn = topic_arn
        self.claims = claims
        self.bucket = bucket
        self.region = region
        self.cooldown_seconds = cooldown_seconds
        self.api_url = api_url
        self.ceiling = ceiling
        self.alert_types = alert_types

    def handle(self, record: dict[str, Any], now: int) -> tuple[EventKind | None, NotifyDecision]:
        stream = record.get("dynamodb") or {}
        new, old = stream.get("NewImage") or {}, stream.get("OldImage") or {}
        if record.get("eventName") == "INSERT" and "alarmId" in new:
            return "alarm", self._alarm(Alarm.from_item(new), now)
        if record.get("eventName") == "MODIFY" and "vuid" in new and "alarmId" not in new:
            before, after = Camera.from_item(old), Camera.from_item(new)
            kind: EventKind | None = None
            if before.status == "online" and after.status == "offline":
                kind = "offline"
            # Camera.from_item reads a missing status as offline, but a new camera's first
            # heartbeat is not "back online" (the stream filter agrees: OldImage status offline).
            elif "status" in old and before.status == "offline" and after.status == "online":
                kind = "online"
            if kind is None:
                return None, "ignored"
            # The record's new image holds the snooze: no read.
            snooze = after.snooze(now)
            if snooze is not None:
                self._snoozed(kind, after.vuid, snooze)
                return kind, "snoozed"
            if kind == "offline":
                notification = offline_notification(after)
            else:
                notification = online_notification(after, before)
            self.send(notification, status_push_event(after, notification))
            return kind, "sent"
        return None, "ignored"

    def _alarm(self, alarm: Alarm, now: int) -> NotifyDecision:
        claim = self.claims.claim_notification(
            alarm.vuid, alarm.alarm_type, alarm.alarm_id, now, self.cooldown_seconds, self.ceiling
        )
        if not claim:
            if claim.reason == "snoozed" and claim.camera is not None:
                snooze = claim.camera.snooze(now) or Snooze(claim.until)
                self._snoozed("alarm", alarm.vuid, snooze, alarm.alarm_type.hex)
                return "snoozed"
            return self._held(alarm, claim.reason, claim.until)
        # The claim read the camera: its name for the text, with no second read.
        camera = claim.camera
        notification = alarm_notification(
            camera, alarm, self.bucket, self.region, self.api_url, self.alert_types
        )
        self.send(notification, alarm_push_event(camera, alarm, notification))
        return "sent"

    def _snoozed(self, kind: EventKind, vuid: str, snooze: Snooze, alarm_type: str = "") -> None:
        """One line for a notice held by a snooze (the alarm itself is stored)."""
        until = "turned back on" if snooze.until_on else format_time(snooze.until)
        whose = f"its site {snooze.site} is" if snooze.site else "the camera is"
        fields = {"event": kind, "vuid": vuid, "reason": "snoozed", "until": until}
        if snooze.site:
            fields["site"] = snooze.site
        if alarm_type:
            fields["alarm_type"] = alarm_type
        line = notice("HELD", kind, vuid, f"not notified: {whose} snoozed until {until}")
        self.logger.info(
            "notification held: the camera is snoozed", extra={**fields, "notice": line}
        )

    def _held(self, alarm: Alarm, reason: str, until: int) -> NotifyDecision:
        """One line for an alarm the claim refused. The messages are the template's metric
        filters' (NotificationsSuppressed, NotificationsCapped): keep them as they are."""
        kind = alarm.alarm_type
        decision: NotifyDecision
        fields = {"event": "alarm", "vuid": alarm.vuid, "alarm_type": kind.hex, "reason": reason}
        if reason == "cooldown":
            # An unknown type's name carries its code already, and its cooldown is the one
            # slot every unknown type shares (models.camera.cooldown_slot).
            held = (
                f"{kind.name} ({kind.hex}) is inside its {self.cooldown_seconds} s cooldown"
                if kind.known
                else f"{kind.name} is inside the {self.cooldown_seconds} s cooldown "
                "that unknown alarm types share"
            )
            text = f"not notified: {held} until {format_time(until)}"
            message, decision = "notification suppressed by the cooldown", "suppressed"
        elif reason == "ceiling" and self.ceiling is not None:
            text = (
                f"not notified: the camera is over its ceiling of {self.ceiling.limit} "
                f"notifications per {self.ceiling.period} s until {format_time(until)}"
            )
            message = "notification not sent: the camera is over its notification ceiling"
            decision = "capped"
        else:
            # Removed (or still pending) between its alarm and this record: nobody to tell.
            text, until = "not notified: the camera is not registered (removed?)", 0
            message, decision = "notification not sent: the camera is not registered", "ignored"
        if until:
            fields["until"] = format_time(until)
        line = notice("HELD", "alarm", alarm.vuid, text)
        self.logger.info(message, extra={**fields, "notice": line})
        return decision

    def send(self, notification: Notification, event: PushEvent) -> None:
        """Push destinations first, then SNS: a failed publish retries the record, and the
        queued destinations are not sent twice (their delivery ids are recorded), whereas a
        failed fan-out after a publish would send the email and SMS twice."""
        # The doctor's test camera reaches push channels only with 'doctor --channels'.
        if self.push is not None and pushes_to_channels(notification.vuid):
            fanned = self.push.send(event)
            for destination, refusal in fanned.filtered:
                # Only at LogLevel=DEBUG: why a destination did not get this event.
                self.logger.debug(
                    "push not sent: the destination's filters do not want it",
                    extra={
                        "event": event.kind,
                        "vuid": event.vuid,
                        "destination": destination,
                        "filter": refusal,
                    },
                )
            for held in fanned.quiet:
                text = f"-> {held.destination}  not sent: quiet hours {held.hours}"
                self.logger.info(
                    "push held back by quiet hours",
                    extra={
                        "event": event.kind,
                        "vuid": event.vuid,
                        "destination": held.destination,
                        "reason": "quiet_hours",
                        "until": format_time(held.until),
                        "notice": notice(
                            "HELD",
                            event.kind,
                            event.vuid,
                            f"{text} until {format_time(held.until)}",
                        ),
                    },
                )
        self.publish(notification)

    def publish(self, notification: Notification) -> None:
        self._sns.publish(**notification.publish_request(self.topic_arn))
