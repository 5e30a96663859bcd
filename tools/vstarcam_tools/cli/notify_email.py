"""``vstarcam-push notify confirm-email CONFIRMATION_URL``: part of the ``notify`` group.

It confirms an SNS email subscription
with authentication on unsubscribe: the footer link of every SNS email can
otherwise cancel the subscription for anyone who follows it (a mail scanner,
whoever the email was forwarded to). Confirmed this way, unsubscribing takes
AWS credentials.
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import parse_qs, urlsplit

from vstarcam_tools.cli.common import CliError, StackContext, add_stack_options


def _confirmation(url: str) -> tuple[str, str]:
    """The topic ARN and token of an SNS confirmation link (``.../confirmation.html?...``)."""
    parts = urlsplit(url.strip())
    query = parse_qs(parts.query)
    topics, tokens = query.get("TopicArn", []), query.get("Token", [])
    if parts.scheme != "https" or len(topics) != 1 or len(tokens) != 1 or not tokens[0]:
        raise CliError(
            "CONFIRMATION_URL is not an SNS confirmation link: copy the whole "
            "'Confirm subscription' link of the email SNS sent (https://sns...?TopicArn=...&Token=...)"
        )
    return topics[0], tokens[0]


def _confirm_email(args: argparse.Namespace) -> int:
    topic_arn, token = _confirmation(args.confirmation_url)
    context = StackContext.resolve(args)
    if topic_arn != context.outputs.topic_arn:
        raise CliError(
            f"the link confirms a subscription to {topic_arn}, not to this stack's topic "
            f"{context.outputs.topic_arn}: nothing confirmed"
        )
    region = topic_arn.split(":")[3]
    sns = context.session.client("sns", region_name=region)
    response = sns.confirm_subscription(
        TopicArn=topic_arn, Token=token, AuthenticateOnUnsubscribe="true"
    )
    # The token is a credential for this subscription: never printed.
    print(f"confirmed {response.get('SubscriptionArn', 'the subscription')}")
    print("  unsubscribing now needs AWS credentials: the email's footer link no longer can")
    return 0


def add_confirm_email(actions: Any) -> None:
    confirm = actions.add_parser(
        "confirm-email",
        help="confirm an email subscription so that only AWS credentials can unsubscribe it",
        description="Confirm the SNS email subscription of CONFIRMATION_URL (the link in the "
        "email SNS sent) with AuthenticateOnUnsubscribe=true, instead of clicking it.",
    )
    confirm.add_argument(
        "confirmation_url",
        metavar="CONFIRMATION_URL",
        help="the 'Confirm subscription' link of SNS's email",
    )
    add_stack_options(confirm)
    confirm.set_defaults(handler=_confirm_email)
