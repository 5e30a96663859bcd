"""How every channel reads a service's HTTP answer: the status classes' edges; and how a
send that got no answer is described (the kind of failure and the host, never the URL)."""

from __future__ import annotations

import errno

import pytest
import urllib3
from vstarcam_push.delivery.channels import Answer, http_verdict
from vstarcam_push.delivery.channels.transport import describe

URL = "https://api.telegram.org/bot123456:AAE-secret/sendPhoto"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (0, "retry"),
        (199, "give_up"),
        (200, "delivered"),
        (204, "delivered"),
        (299, "delivered"),
        # A redirect is not a delivery: the message went nowhere (a moved webhook URL).
        (300, "give_up"),
        (301, "give_up"),
        (400, "give_up"),
        (404, "give_up"),
        (408, "retry"),
        (425, "retry"),
        (429, "retry"),
        (499, "give_up"),
        (500, "retry"),
        (503, "retry"),
    ],
)
def test_each_status_class_edge(status: int, outcome: str) -> None:
    verdict = http_verdict(Answer(status, {}, b"", "refused" if status == 0 else ""), "svc")
    assert verdict.outcome == outcome
    assert verdict.detail.startswith("svc: no answer" if status == 0 else f"svc answered {status}")


def _failed_to_connect(cause: OSError) -> urllib3.exceptions.NewConnectionError:
    """What urllib3 2 raises when the connection cannot be made: ``cause`` chained."""
    error = urllib3.exceptions.NewConnectionError(None, f"Failed to establish: {cause}")  # type: ignore[arg-type]
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "described"),
    [
        # urllib3 2 makes these subclasses of ConnectTimeoutError: not timeouts all the same.
        (_failed_to_connect(ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")),
         "connection refused by api.telegram.org"),
        (_failed_to_connect(OSError(errno.ENETUNREACH, "Network is unreachable")),
         "could not connect to api.telegram.org (network is unreachable)"),
        (urllib3.exceptions.NameResolutionError("api.telegram.org", None, OSError("x")),  # type: ignore[arg-type]
         "name not resolved: api.telegram.org"),
        (urllib3.exceptions.ConnectTimeoutError(None, "timed out"),
         "connect timed out talking to api.telegram.org"),
        (urllib3.exceptions.ReadTimeoutError(None, URL, "read timed out"),  # type: ignore[arg-type]
         "timed out waiting for the answer talking to api.telegram.org"),
    ],
    ids=["refused", "unreachable", "no-such-host", "connect-timeout", "read-timeout"],
)  # fmt: skip
def test_a_send_without_an_answer_names_the_failure_and_the_host_only(
    error: BaseException, described: str
) -> None:
    assert describe(error, URL) == described
