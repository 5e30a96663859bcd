"""What the delivery path lets out of an error, an answer or a failed invocation: no secret.

An unexpected error is retold by its kind (and an AWS error by its code and call), never
its message, which may quote a URL or a header with a token in it; a service's answer is
scrubbed of the destination's secrets in every form it may echo them; Lambda's record of
an invocation that failed every attempt becomes one sentence that repeats only what it
knows to be safe."""

from __future__ import annotations

import json
import urllib.parse

from botocore.exceptions import ClientError
from vstarcam_push.delivery.deliverer import DeliveryCrashed, retold, scrub
from vstarcam_push.delivery.failed_invocation import RETOLD, failed_document, failed_message

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


# -- Lambda's record of an invocation that failed every attempt -------------------------

LINK_TOKEN = "pfr4mBZVVqoh9NZ-QPBDGA"


def record(error_type: str, message: str, condition: str = "RetriesExhausted") -> dict:
    """As Lambda sends it to the on-failure destination; the request as the notifier wrote
    it before the media link was left out (a retry in flight across the update)."""
    return {
        "version": "1.0",
        "requestContext": {"condition": condition, "approximateInvokeCount": 3},
        "requestPayload": {
            "deliveryId": "VE0005622QHOW-e07e7441ccd15ad100e2.phone",
            "destination": "phone",
            "event": {
                "kind": "alarm",
                "event_id": "VE0005622QHOW-e07e7441ccd15ad100e2",
                "vuid": "VE0005622QHOW",
                "link_token": LINK_TOKEN,
            },
            "attempt": 1,
        },
        "responsePayload": {
            "errorType": error_type,
            "errorMessage": message,
            "stackTrace": [f'  File "app.py", line 1, in handler\n    send("{TOKEN}")\n'],
        },
    }


def told(failed: dict) -> str:
    document = failed_document(failed, now=1_796_000_000)
    message = failed_message(document)
    return json.dumps(document) + message["Subject"] + message["Message"]


def test_a_failed_invocation_is_told_in_one_sentence_without_the_records_secrets() -> None:
    failed = record("ValueError", f"Invalid header value b'Bearer {TOKEN}'")
    document = failed_document(failed, now=1_796_000_000)
    assert failed_message(document) == {
        "Subject": "VStarcam push: the push to phone failed",
        "Message": "The alarm of camera VE0005622QHOW did not reach push destination 'phone': "
        "3 attempt(s) failed: the delivery function failed (ValueError). The delivery "
        "function's log says more; 'vstarcam-push doctor' counts it.",
    }
    assert TOKEN not in told(failed) and LINK_TOKEN not in told(failed)


def test_the_delivery_functions_own_retelling_is_repeated_and_a_timeout_named() -> None:
    retold_error = "the push to 'phone' (ntfy) failed unexpectedly: ValueError"
    assert failed_document(record(RETOLD, retold_error), 0)["reason"] == retold_error
    timeout = record("Sandbox.Timedout", "2026-12-07T00:00:00Z r-1 Task timed out after 30 s")
    assert failed_document(timeout, 0)["reason"] == "the delivery function timed out"
    too_old = record("", "", condition="EventAgeExceeded")
    assert "did not get to run it within 6 hours" in failed_document(too_old, 0)["reason"]


def test_a_record_of_any_shape_is_told_and_repeats_nothing_it_does_not_know() -> None:
    for strange in ({}, {"requestPayload": "x", "responsePayload": [TOKEN]}, {"x": TOKEN}):
        message = failed_message(failed_document(strange, 0))
        assert message["Subject"] == "VStarcam push: a push delivery failed"
        assert TOKEN not in message["Message"]
    odd_type = record(f"Error: {TOKEN}", TOKEN)
    assert "AAE" not in told(odd_type)
    assert "(an unknown error)" in told(odd_type)
