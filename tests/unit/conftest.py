"""Unit tests run without AWS and without a network: opening a socket fails the test."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("unit tests do not open sockets: use tests/integration for AWS")

    monkeypatch.setattr(socket, "socket", refuse)
