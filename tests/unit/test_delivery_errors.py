"""What the delivery function lets out of an error or an answer: never a secret.

An unexpected error is retold by its kind (and an AWS error by its code and call), never
its message, which may quote a URL or a header with a token in it; a service's answer is
scrubbed of the destination's secrets in every form it may echo them."""

from __future__ import annotations

import json
import urllib.parse

from botocore.exceptions import ClientError
from vstarcam_push.delivery.deliverer import DeliveryCrashed, retold, scrub

TOKEN = "123456:AAE-secret/bot token+value"


def test_an_unexpected_errors_message_is_never_retold() -> None:
    error = ValueError(f"Invalid header value b'Bearer {TOKEN}\\n'")
    assert retold(error) == "ValueError"


def test_an_aws_error_is_retold_by_its_code_and_call() -> None:
    error = ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": f"not allowed: {TOKEN}"}},
        "GetParameters",
    )
    assert retold(error) == "ClientError: AccessDeniedException from GetParameters"


def test_a_crash_already_retold_is_kept() -> None:
    assert retold(DeliveryCrashed("the push delivery to 'x' failed")) == (
        "the push delivery to 'x' failed"
    )


def test_a_secret_is_scrubbed_in_every_form_a_service_may_echo_it() -> None:
    echoes = [
        TOKEN,
        urllib.parse.quote(TOKEN),
        urllib.parse.quote(TOKEN, safe=""),
        json.dumps(TOKEN)[1:-1],
    ]
    text = scrub(" | ".join(echoes), {"token": TOKEN, "short": "abc"})
    assert text == " | ".join(["***"] * len(echoes))
