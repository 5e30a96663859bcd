"""Sweeper scale: DynamoDB items one offline sweep reads, as the healthy fleet grows.

In-process moto: the fleet is seeded with BatchWriteItem, then the real
handler runs once with a ``CallLog`` counting the items its queries read
(``ScannedCount``, what DynamoDB bills a query on).
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

import boto3
from moto import mock_aws

from vstarcam_tools.bench import events
from vstarcam_tools.bench.aws import environment
from vstarcam_tools.bench.calls import CallLog
from vstarcam_tools.bench.coldstart import load_handler
from vstarcam_tools.bench.scenarios import PAST_DUE, fleet, now, seed_cameras
from vstarcam_tools.events import LambdaContext
from vstarcam_tools.provision import create_resources
from vstarcam_tools.template import Stack

FLEET_SIZES = (100, 1_000, 10_000)


def items_read(healthy: int) -> dict[str, Any]:
    with mock_aws():
        stack = Stack(region=events.REGION)
        session = boto3.Session(region_name=events.REGION)
        create_resources(stack, session)
        moment = now()
        seed_cameras(
            session.client("dynamodb"),
            stack.physical_name("CamerasTable"),
            fleet(healthy, PAST_DUE, moment),
        )
        function = stack.functions()["OfflineSweepFunction"]
        log = CallLog()
        with environment(function.environment), contextlib.redirect_stdout(io.StringIO()):
            boto3.setup_default_session()
            log.attach(boto3.DEFAULT_SESSION)
            module = load_handler(function.module_file)
            result = module.lambda_handler(events.schedule_event(moment), LambdaContext())
        boto3.DEFAULT_SESSION = None
    if len(result["markedOffline"]) != PAST_DUE:
        raise RuntimeError(f"the sweep marked {result['markedOffline']} offline, not {PAST_DUE}")
    return {"items_read": log.read_items, "calls": log.counts()}


def run() -> dict[str, int]:
    """The ``sweeper_items_read`` section, keyed by the number of healthy cameras."""
    return {str(size): items_read(size)["items_read"] for size in FLEET_SIZES}
