"""How every channel reads a service's HTTP answer: the status classes' edges."""

from __future__ import annotations

import pytest
from vstarcam_push.delivery.channels import Answer, http_verdict


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
