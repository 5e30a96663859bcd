"""The owner's inbox and phone in the local stack: email confirmation and who SNS delivers to.

moto records what each topic was sent but delivers nothing to email or SMS
subscriptions, and it confirms an email subscription the moment it is made.
AWS does neither: an email subscription stays ``PendingConfirmation`` until
its owner opens the link SNS mails, and a message reaches an email or SMS
subscription only when that subscription's filter policy matches it. The
local stack models both, with moto's own filter policy matcher, so that
``vstarcam-push doctor`` and the tests can see who *would* have been emailed or
texted:

- an email subscription made through the API (``sns subscribe``) is pending;
  the template's own subscriptions are confirmed at start-up (there is no
  mailbox to click a link in) and the console says so;
- for every message a topic receives, :func:`people_reached` names the email
  and SMS subscriptions whose filter policy lets it through (moto's matcher,
  plus AWS's rule that a message without attributes matches no filter policy);
  the console logs one ``-> email ...`` / ``-> sms ...`` line for each.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

PEOPLE_PROTOCOLS = ("email", "email-json", "sms")
_CONFIRMED_PROTOCOLS = ("email", "email-json")
_lock = threading.Lock()
_installed = False


@dataclass(frozen=True)
class Delivery:
    protocol: str
    endpoint: str


def keep_email_subscriptions_pending() -> None:
    """From now on, email subscriptions made in this process start as AWS's do: pending."""
    global _installed
    from moto.sns.models import SNSBackend

    with _lock:
        if _installed:
            return
        original = SNSBackend.subscribe

        def subscribe(self: Any, topic_arn: str, endpoint: str, protocol: str) -> Any:
            existing = self._find_subscription(topic_arn, endpoint, protocol)
            subscription = original(self, topic_arn, endpoint, protocol)
            if existing is None and protocol in _CONFIRMED_PROTOCOLS:
                subscription.attributes["PendingConfirmation"] = "true"
                subscription.confirmed = False
            return subscription

        SNSBackend.subscribe = subscribe  # type: ignore[method-assign]
        _installed = True


def pending(backend: Any) -> set[str]:
    """The ARNs of the subscriptions waiting for their owner's confirmation."""
    return {
        arn
        for arn, subscription in list(backend.subscriptions.items())
        if str(subscription.attributes.get("PendingConfirmation", "false")).lower() == "true"
    }


def confirm_all(backend: Any, keep: Collection[str] = ()) -> list[Delivery]:
    """Confirm every pending subscription (the template's, at start-up) but those in ``keep``
    (made through the API in an earlier run and restored); returns them."""
    confirmed = []
    for arn, subscription in list(backend.subscriptions.items()):
        if arn in keep:
            continue
        if str(subscription.attributes.get("PendingConfirmation", "false")).lower() == "true":
            subscription.attributes["PendingConfirmation"] = "false"
            subscription.confirmed = True
            confirmed.append(Delivery(subscription.protocol, subscription.endpoint))
    return confirmed


def people_reached(
    backend: Any, topic_arn: str, message: str, attributes: dict[str, Any] | None
) -> list[Delivery]:
    """The confirmed email and SMS subscriptions of the topic that this message reaches."""
    reached = []
    for subscription in list(backend.subscriptions.values()):
        if subscription.topic.arn != topic_arn or subscription.protocol not in PEOPLE_PROTOCOLS:
            continue
        if str(subscription.attributes.get("PendingConfirmation", "false")).lower() == "true":
            continue
        matcher = subscription._filter_policy_matcher
        # AWS: a message without attributes matches no attribute filter policy, not even
        # "exists": false (moto matches it); see the template's OperationsTopic.
        if matcher is None or (attributes and matcher.matches(attributes, message)):
            reached.append(Delivery(subscription.protocol, subscription.endpoint))
    return reached
