"""``vstarcam-push notify confirm-email``: confirm an email subscription so that its footer
link cannot unsubscribe it; only AWS credentials can."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.client import BaseClient
from vstarcam_tools.outputs import StackOutputs

from tests.tools.cli.conftest import Result

TOKEN = "2336412f37fb687f5d51e6e2425f004aed7b2a8f" * 3


@pytest.fixture
def sns_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """The SNS calls the CLI makes (moto accepts any confirmation token)."""
    calls: list[tuple[str, dict[str, Any]]] = []
    send = BaseClient._make_api_call

    def record(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "sns":
            calls.append((operation, params))
        return send(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    yield calls


def confirmation_url(topic_arn: str, token: str = TOKEN) -> str:
    return (
        "https://sns.us-east-1.amazonaws.com/confirmation.html"
        f"?TopicArn={topic_arn}&Token={token}&Endpoint=owner@example.com"
    )


def test_confirm_email_confirms_with_authentication_on_unsubscribe(
    cli: Callable[..., Result],
    deployed: StackOutputs,
    sns_calls: list[tuple[str, dict[str, Any]]],
) -> None:
    result = cli("notify", "confirm-email", confirmation_url(deployed.topic_arn))

    assert result.code == 0, result.err
    assert sns_calls == [
        (
            "ConfirmSubscription",
            {
                "TopicArn": deployed.topic_arn,
                "Token": TOKEN,
                "AuthenticateOnUnsubscribe": "true",
            },
        )
    ]
    assert "needs AWS credentials" in result.out
    # The token is this subscription's credential: never printed.
    assert TOKEN not in result.out + result.err


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/",
        "http://sns.us-east-1.amazonaws.com/confirmation.html?TopicArn=a&Token=b",
        "https://sns.us-east-1.amazonaws.com/confirmation.html?TopicArn=a",
        "not a url",
    ],
    ids=["no-query", "plain-http", "no-token", "not-a-url"],
)
def test_anything_but_a_confirmation_link_is_one_line_and_calls_nothing(
    cli: Callable[..., Result],
    deployed: StackOutputs,
    sns_calls: list[tuple[str, dict[str, Any]]],
    url: str,
) -> None:
    result = cli("notify", "confirm-email", url)
    assert result.code == 1 and "not an SNS confirmation link" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert sns_calls == []


def test_a_link_for_another_topic_is_refused(
    cli: Callable[..., Result],
    deployed: StackOutputs,
    sns_calls: list[tuple[str, dict[str, Any]]],
) -> None:
    other = "arn:aws:sns:us-east-1:123456789012:someone-elses-topic"
    result = cli("notify", "confirm-email", confirmation_url(other))
    assert result.code == 1 and "not to this stack's topic" in result.err
    assert sns_calls == []
