"""Fixtures for the camera CGI tests: stand-in cameras and a stack whose outputs are published."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator

import boto3
import pytest
from vstarcam_tools.outputs import publish_outputs
from vstarcam_tools.template import Stack

from tests.conftest import REGION
from tests.standin_camera import StandinCamera

STACK_NAME = "vstarcam-push"


@pytest.fixture
def camera() -> Iterator[StandinCamera]:
    with StandinCamera() as standin:
        yield standin


@pytest.fixture
def deployed(stack: Stack) -> Stack:
    """The moto stack, with its outputs published as the CloudFormation stack the CLI reads."""
    publish_outputs(boto3.client("cloudformation", region_name=REGION), STACK_NAME, stack.outputs())
    return stack


@pytest.fixture(autouse=True)
def _no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stdin is not a terminal, so the CLI never waits at a password prompt."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
