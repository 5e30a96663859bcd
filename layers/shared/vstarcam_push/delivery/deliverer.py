"""Delivering push events: one invocation per (event, destination), each on its own.

The notifier (stream-driven) *fans out*: for an event that passed the
cooldown, it invokes the delivery function asynchronously once per destination
whose filters want it (``delivery.fanout``). The delivery function is the one
loop that owns what the channels do not:

- **idempotency**: every document carries a delivery id, ``<event id>.<destination>``,
  stable across stream redeliveries; a conditional write in the Deliveries
  table claims it (with a lease) before sending and records it as delivered
  after, so a duplicate invocation (Lambda's and Scheduler's are at least once)
  does not send again where the first send succeeded;
- **retries, per destination**: "retry later" creates a one-time schedule that
  invokes the function again after the backoff (30 s doubling to 15 min, for
  about 6 hours: ``delivery.retry_schedules``); nothing waits or polls
  meanwhile, and nothing else is sent again, since every destination is its
  own invocation;
- **giving up**: "give up" (a 4xx that means wrong token, chat or URL), or a
  destination still failing after the last attempt, tells the owner through the
  operations topic at once and leaves one document naming the destination and
  the reason in the dead-letter queue (``vstarcam-push doctor`` counts them);
- **saying why**: every failed attempt notes its reason on the destination at once
  (``notify list``), and every attempt's outcome is one log line with its reason.

Until the next release it also drains the delivery queue a stack updated from
the queue-based design may still hold (``handle_queued``: a message's receive
count is its attempt number).
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from vstarcam_push.dal.deliveries import DeliveryLog
from vstarcam_push.dal.destinations import DestinationStore
from vstarcam_push.dal.secrets import MissingSecret, SecretStore
from vstarcam_push.delivery.channels import (
    Answer,
    Channel,
    ChannelRequest,
    Links,
    Message,
    Picture,
    Verdict,
    Withheld,
    channel,
)
from vstarcam_push.delivery.retry_schedules import RetrySchedules
from vstarcam_push.media.links import link_url, presigned_url
from vstarcam_push.models.alarm import MediaLink
from vstarcam_push.models.destination import Destination
from vstarcam_push.models.media import StoredMedia
from vstarcam_push.models.push_event import PushEvent
from vstarcam_push.runtime.logs import notice

logger = logging.getLogger(__name__)

DeliveryResult = Literal["delivered", "duplicate", "retry", "dead_lettered", "dropped"]


@dataclass(frozen=True)
class RetryPolicy:
    first_delay_s: int = 30
    max_delay_s: int = 900
    # 30+60+120+240+480 s, then 15 min apart: about 6 hours in all.
    max_attempts: int = 28

    def delay(self, attempt: int, retry_after: int = 0) -> int:
        backoff = min(self.first_delay_s * 2 ** max(attempt - 1, 0), self.max_delay_s)
        return int(max(backoff, min(retry_after, 3600)))

    def window_s(self) -> int:
        return sum(self.delay(n) for n in range(1, self.max_attempts))


class MediaSource:
    """The alarm picture for channels that upload it: the picture itself when it fits the
    channel's limit, else the thumbnail media processing made (``thumbnailKey`` on the
    alarm item), else none (the channel links it)."""

    def __init__(self, s3: Any, bucket: str, dynamodb: Any, alarms_table: str) -> None:
        self._s3 = s3
        self.bucket = bucket
        self._db = dynamodb
        self.alarms_table = alarms_table

    def picture(self, event: PushEvent, limit: int) -> Picture | None:
        if event.kind != "alarm" or not event.picture_key or limit <= 0:
            return None
        if 0 < event.picture_size <= limit:
            return self._read(event.picture_key, event.picture_content_type, event.alarm_id)
        item = self._db.get_item(
            TableName=self.alarms_table,
            Key={"vuid": {"S": event.vuid}, "alarmId": {"S": event.alarm_id}},
            ProjectionExpression="thumbnailKey, thumbnailContentType, thumbnailSize",
        ).get("Item", {})
        key = item.get("thumbnailKey", {}).get("S")
        size = int(item.get("thumbnailSize", {}).get("N", "0"))
        if not key or not 0 < size <= limit:
            return None
        content_type = item.get("thumbnailContentType", {}).get("S", "image/jpeg")
        return self._read(key, content_type, event.alarm_id + "-thumbnail")

    def media_link(self, event: PushEvent) -> MediaLink | None:
        """The alarm's media link as stored: the delivery document does not carry the
        token (Lambda's on-failure record repeats the document when an invocation fails
        every attempt)."""
        item = self._db.get_item(
            TableName=self.alarms_table,
            Key={"vuid": {"S": event.vuid}, "alarmId": {"S": event.alarm_id}},
            ProjectionExpression="linkToken, linkExpiresAt",
        ).get("Item", {})
        if "linkToken" not in item or "linkExpiresAt" not in item:
            return None
        return MediaLink(item["linkToken"]["S"], int(item["linkExpiresAt"]["N"]))

    def _read(self, key: str, content_type: str, stem: str) -> Picture:
        body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        extension = {"image/png": "png", "image/webp": "webp"}.get(content_type, "jpg")
        return Picture(body, content_type, f"{stem}.{extension}")


class DeadLetters:
    """A delivery that gave up: the owner is told through the operations topic (no
    CloudWatch alarm in between), and the document stays in the dead-letter queue for the
    doctor."""

    def __init__(self, sqs: Any, queue_url: str, sns: Any = None, topic_arn: str = "") -> None:
        self._sqs = sqs
        self.queue_url = queue_url
        self._sns = sns
        self.topic_arn = topic_arn

    def send(self, document: dict[str, Any], message: dict[str, str] | None = None) -> None:
        """Dead-letter ``document`` and tell the owner: ``message`` (``Subject`` and
        ``Message``), by default the give-up's sentence."""
        self._sqs.send_message(
            QueueUrl=self.queue_url, MessageBody=json.dumps({"pushDeliveryFailed": document})
        )
        if self._sns is not None and self.topic_arn:
            self._sns.publish(TopicArn=self.topic_arn, **(message or gave_up_message(document)))


def gave_up_message(document: dict[str, Any]) -> dict[str, str]:
    """The operations topic's email and SMS: which destination, which event, why (the
    reason is scrubbed of the destination's secrets already), and where to look."""
    name = document.get("destination")
    if name is None:
        return {
            "Subject": "VStarcam push: a push delivery could not be read",
            "Message": "A push delivery could not be read and was dead-lettered: "
            f"{document.get('reason', '')}. Run 'vstarcam-push doctor'.",
        }
    return {
        "Subject": f"VStarcam push: push destination {name} gave up"[:100],
        "Message": (
            f"Push destination '{name}' ({document.get('channel')}) gave up on the "
            f"{document.get('event')} of camera {document.get('vuid')} after "
            f"{document.get('attempts')} attempt(s): {document.get('reason')}. The alarm is "
            "stored; 'vstarcam-push notify list' shows the destination's last error."
        ),
    }


Sender = Callable[[ChannelRequest], Answer]


class Pictures(Protocol):
    """Where an attempt finds the picture a channel uploads: the stored alarm's
    (:class:`MediaSource`), or ``notify test``'s sample."""

    def picture(self, event: PushEvent, limit: int) -> Picture | None: ...

    def media_link(self, event: PushEvent) -> MediaLink | None:
        """The alarm's media link (its token), read where the alarm is stored."""
        ...


def scrub(text: str, secrets: dict[str, str]) -> str:
    """``text`` with every secret value (and every secret-bearing URL) blanked out, as it
    is and as a service may echo it (URL-quoted, JSON- or repr-escaped): a service that
    echoes what it was sent must not put a token into a log line."""
    forms: set[str] = set()
    for value in secrets.values():
        if len(value) >= 4:
            forms |= {
                value,
                urllib.parse.quote(value),
                urllib.parse.quote(value, safe=""),
                json.dumps(value)[1:-1],
                repr(value)[1:-1],
            }
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return text


class DeliveryCrashed(Exception):
    """An error nobody planned for, retold without its text (:func:`retold`).

    What escapes the delivery handler, Lambda writes to the function's log and, after its
    two retries, into the on-failure record it hands to DeliveryFailedFunction (which tells
    the owner in one sentence). An error's own text may quote what it was given: http.client
    a header value (an ntfy token), urllib3 or a parser a URL (a Telegram bot token, a
    webhook's secret path, a web push endpoint). The traceback (code lines, no values) is
    kept."""


def retold(error: BaseException) -> str:
    """``error`` as the logs and the operations topic may show it: its kind, and for an AWS
    error its code and the call (``ClientError: AccessDeniedException from GetParameters``);
    never its message."""
    if isinstance(error, DeliveryCrashed):
        return str(error)
    operation = getattr(error, "operation_name", "")
    response = getattr(error, "response", None)
    if operation and isinstance(response, dict):
        code = str((response.get("Error") or {}).get("Code") or "?")
        return f"{type(error).__name__}: {code} from {operation}"
    return type(error).__name__


@dataclass(frozen=True)
class Attempt:
    """One send to one destination: the verdict (its detail scrubbed), the HTTP status
    (0: no answer) and the start of the answer, scrubbed."""

    verdict: Verdict
    status: int
    answer: str


class PushSender:
    """One attempt at one destination: its secrets, the channel's request (with the picture
    that fits the channel and the links), one send, the answer read as a verdict and
    scrubbed of the secrets. The delivery function's loop and ``notify test`` both send
    through it: one send path, one scrub."""

    def __init__(
        self,
        *,
        secrets: SecretStore,
        pictures: Pictures,
        send: Sender,
        presigner: Any = None,
        bucket: str = "",
        api_url: str = "",
        channels: dict[str, Channel] | None = None,
    ) -> None:
        # Channels configured by the function (web push, with the stack's VAPID key),
        # used instead of the registry's.
        self.channels = channels or {}
        self.secrets = secrets
        self.pictures = pictures
        self._send = send
        self._presigner = presigner
        self.bucket = bucket
        self.api_url = api_url

    def attempt(
        self, destination: Destination, event: PushEvent, delivery: str, now: int
    ) -> Attempt:
        """Build, send and read one request to ``destination``; raises ``MissingSecret``
        when its secrets are not (yet) stored, and :class:`DeliveryCrashed` (the error
        retold without its message) on any error nobody planned for."""
        try:
            return self._attempt(destination, event, delivery, now)
        except (MissingSecret, DeliveryCrashed):
            raise
        except Exception as error:
            crashed = DeliveryCrashed(
                f"the push to {destination.name!r} ({destination.channel}) failed "
                f"unexpectedly: {retold(error)}"
            )
            raise crashed.with_traceback(error.__traceback__) from None

    def _attempt(
        self, destination: Destination, event: PushEvent, delivery: str, now: int
    ) -> Attempt:
        service = self.channels.get(destination.channel) or channel(destination.channel)
        secrets = self.secrets.get(
            destination.name, destination.secret_fields, destination.created_at
        )
        event = self.linked(event)
        links = self.links(event, service, now)
        message = Message(
            event=event,
            delivery_id=delivery,
            settings=destination.settings,
            secrets=secrets,
            picture=self.pictures.picture(event, service.upload_limit),
            links=links,
        )
        # A service may echo the links it was sent: they are capabilities too.
        hidden = {**secrets, " link": event.link_token, " fetch": links.picture_fetch}
        try:
            request = service.build(message)
        except Withheld as withheld:
            verdict = withheld.verdict
            safe = Verdict(verdict.outcome, scrub(verdict.detail, hidden), verdict.retry_after)
            return Attempt(safe, 0, "")
        answer = self._send(request)
        verdict = service.read(answer)
        safe = Verdict(verdict.outcome, scrub(verdict.detail, hidden), verdict.retry_after)
        return Attempt(safe, answer.status, scrub(answer.text(300), hidden))

    def linked(self, event: PushEvent) -> PushEvent:
        """``event`` with its alarm's media link: read from the stored alarm, as delivery
        documents no longer carry it (one written before may: it is used as it is)."""
        if event.kind != "alarm" or not event.alarm_id or event.link_token:
            return event
        link = self.pictures.media_link(event)
        if link is None:
            return event
        return replace(event, link_token=link.token, link_expires_at=link.expires_at)

    def links(self, event: PushEvent, service: Channel, now: int) -> Links:
        if event.kind != "alarm":
            return Links()
        picture = video = fetch = ""
        if event.link_token and self.api_url and event.link_expires_at > now:
            picture = link_url(self.api_url, event.alarm_id, "picture", event.link_token)
            if event.has_video:
                video = link_url(self.api_url, event.alarm_id, "video", event.link_token)
        if service.upload_limit == 0 and event.picture_key and self._presigner is not None:
            stored = StoredMedia(
                event.picture_key, event.picture_content_type, event.picture_size, ""
            )
            fetch = presigned_url(self._presigner, self.bucket, event.alarm_id, stored)
        return Links(picture=picture, video=video, picture_fetch=fetch)


class Deliverer:
    """The delivery function's body: one delivery document in, one outcome out, and one log
    line saying it (with a ``notice`` for people: the local stack's terminal)."""

    def __init__(
        self,
        *,
        destinations: DestinationStore,
        deliveries: DeliveryLog,
        sender: PushSender,
        dead_letters: DeadLetters,
        retries: RetrySchedules,
        retry: RetryPolicy | None = None,
        lease_s: int = 60,
        log: Any = None,
    ) -> None:
        self.destinations = destinations
        self.deliveries = deliveries
        self.sender = sender
        self.dead_letters = dead_letters
        self.retries = retries
        self.retry = retry or RetryPolicy()
        self.lease_s = lease_s
        self.logger = log or logger

    def handle_queued(self, record: dict[str, Any], now: int) -> DeliveryResult:
        """A message of the old delivery queue (an update from the queue-based design): its
        receive count is the attempt number; after this it lives on the new path."""
        attempt = int((record.get("attributes") or {}).get("ApproximateReceiveCount") or 1)
        try:
            document = json.loads(record["body"])
        except (KeyError, TypeError, ValueError):
            document = None
        if not isinstance(document, dict):
            return self._unreadable(record.get("messageId"))
        return self.handle({**document, "attempt": attempt}, now)

    def handle(self, document: dict[str, Any], now: int) -> DeliveryResult:
        """One attempt at one delivery: claim, send, and on "retry later" a schedule for the
        next attempt. An error nobody planned for propagates (Lambda retries the invocation)
        as :class:`DeliveryCrashed`, its text left out."""
        try:
            return self._handle(document, now)
        except Exception as error:
            if isinstance(error, DeliveryCrashed):
                raise
            name = document.get("destination") if isinstance(document, dict) else None
            crashed = DeliveryCrashed(
                f"the push delivery to {str(name)[:64]!r} failed unexpectedly: {retold(error)}"
            )
            raise crashed.with_traceback(error.__traceback__) from None

    def _handle(self, document: dict[str, Any], now: int) -> DeliveryResult:
        try:
            attempt = int(document.get("attempt") or 1)
            delivery = str(document["deliveryId"])
            name = str(document["destination"])
            event = PushEvent.from_dict(document["event"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return self._unreadable(None)
        # What a retry schedule is given: the event as the document carries it now (a
        # document written before holds the media link token: it is not passed on).
        document = {**document, "event": event.to_dict()}

        def say(text: str) -> str:
            return notice("PUSH", event.kind, event.vuid, f"-> {name}  {text}")

        fields = {"destination": name, "event_id": event.event_id, "attempt": attempt}
        destination = self.destinations.get(name)
        if destination is None:
            self.logger.info(
                "destination removed; delivery dropped",
                extra={**fields, "notice": say("dropped: the destination was removed")},
            )
            return "dropped"
        fields["channel"] = destination.channel
        claim = self.deliveries.claim(delivery, now, self.lease_s)
        if claim == "done":
            self.logger.info(
                "push already delivered; delivery dropped",
                extra={**fields, "notice": say("already delivered (a duplicate invocation)")},
            )
            return "duplicate"
        if claim == "busy":
            # Another invocation is sending it; should that one die, its lease runs out
            # and this schedule takes over.
            self.logger.info(
                "push being sent by another invocation; looked at again after its lease",
                extra={
                    **fields,
                    "notice": say(f"being sent elsewhere; looked at again in {self.lease_s} s"),
                },
            )
            self.retries.later(document, attempt, self.lease_s, now, suffix="b")
            return "retry"
        try:
            verdict = self.sender.attempt(destination, event, delivery, now).verdict
        except MissingSecret as error:
            # Right after `notify add`, before its secrets are written: try again later.
            verdict = Verdict("retry", str(error))
        except Exception:
            self.deliveries.release(delivery)
            raise
        if verdict.outcome == "delivered":
            self.deliveries.finish(delivery, "delivered", now)
            self.logger.info("push delivered", extra={**fields, "notice": say("delivered")})
            return "delivered"
        if verdict.outcome in ("gone", "dropped"):
            return self._set_aside(destination, delivery, verdict, fields, say(verdict.detail), now)
        # Every failure is noted on the destination at once: `notify list` shows the last
        # error from the first failed attempt, not only after the give-up hours later.
        if verdict.outcome == "retry" and attempt < self.retry.max_attempts:
            delay = self.retry.delay(attempt, verdict.retry_after)
            # Scheduled before the claim is given back: a failure in between leaves the
            # claim to run out and Lambda's retry of this invocation to try again.
            self.retries.later(document, attempt + 1, delay, now)
            self.deliveries.release(delivery)
            self.destinations.note_failure(name, verdict.detail, now)
            text = f"failed, will retry in {delay} s (attempt {attempt}): {verdict.detail}"
            self.logger.warning(
                "push failed, will retry",
                extra={
                    **fields,
                    "retry_in_s": delay,
                    "detail": verdict.detail,
                    "notice": say(text),
                },
            )
            return "retry"
        reason = verdict.detail
        if verdict.outcome == "retry":
            reason = f"still failing after {attempt} attempts: {verdict.detail}"
        self.deliveries.finish(delivery, "failed", now)
        self.dead_letters.send(
            {
                "destination": name,
                "channel": destination.channel,
                "event": event.kind,
                "eventId": event.event_id,
                "vuid": event.vuid,
                "reason": reason,
                "attempts": attempt,
                "at": now,
            }
        )
        self.destinations.note_failure(name, reason, now)
        text = f"gave up: {reason} (the owner is told; 'vstarcam-push notify list' shows it)"
        self.logger.error(
            "push gave up; dead-lettered", extra={**fields, "detail": reason, "notice": say(text)}
        )
        return "dead_lettered"

    def _set_aside(
        self,
        destination: Destination,
        delivery: str,
        verdict: Verdict,
        fields: dict[str, Any],
        text: str,
        now: int,
    ) -> DeliveryResult:
        """Not sent, and never to be: a web push subscription the push service says is gone
        (the device and its secrets are removed, as the browser dropped it), or an event
        its owner may no longer see. Recorded as done; nothing retried or dead-lettered."""
        if verdict.outcome == "gone":
            self.destinations.remove(destination.name)
            self.sender.secrets.delete(destination.name, destination.secret_fields)
        # "withheld", not "failed": the doctor's --channels tells this from a broken channel.
        self.deliveries.finish(delivery, "withheld", now)
        self.logger.info(
            "push set aside", extra={**fields, "detail": verdict.detail, "notice": text}
        )
        return "dropped"

    def _unreadable(self, message_id: str | None) -> DeliveryResult:
        self.dead_letters.send({"reason": "unreadable delivery document", "messageId": message_id})
        self.logger.error(
            "unreadable delivery document dead-lettered",
            extra={"notice": notice("PUSH", "-", "-", "unreadable delivery dead-lettered")},
        )
        return "dead_lettered"
