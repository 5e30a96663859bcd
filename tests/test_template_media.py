"""template.yaml, media processing: MediaProcessFunction is subscribed like the notifier, holds
only the rights it uses, and has its own layer (Pillow + PyAV; its build is tested in
test_build.py)."""

from __future__ import annotations

import json
from typing import Any

from vstarcam_tools.template import PROJECT_ROOT, load_template

from tests.test_template import statements

TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
ELF_MACHINE_AARCH64 = 183
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
# test_template.py holds the built shared layer under this.
SHARED_LAYER_BUDGET = 50_000_000
REQUEST_PATH = ("HeartbeatFunction", "AlarmFunction", "MediaLinkFunction")


def props(logical_id: str) -> dict[str, Any]:
    return RESOURCES[logical_id]["Properties"]


def test_media_process_function_has_its_own_layer_on_arm64() -> None:
    """GIVEN the template
    THEN MediaProcessFunction adds the media layer to the shared one, the layer is built by
    its Makefile for arm64, and no request-path function carries it."""
    layer = RESOURCES["MediaLayer"]
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert props("MediaProcessFunction")["Layers"] == [{"Ref": "MediaLayer"}]
    for function in (*REQUEST_PATH, "NotifyFunction", "OfflineSweepFunction"):
        assert "Layers" not in props(function), function
    assert TEMPLATE["Globals"]["Function"]["Layers"] == [{"Ref": "SharedLayer"}]


def test_media_layer_pins_pillow_and_av_like_the_dev_environment() -> None:
    layer = (PROJECT_ROOT / "layers" / "media" / "requirements.txt").read_text().splitlines()
    pins = {line for line in layer if line and not line.startswith("#")}
    assert {pin.split("==")[0].lower() for pin in pins} == {"pillow", "av"}
    constraints = (PROJECT_ROOT / "constraints.txt").read_text().lower().splitlines()
    dev = (PROJECT_ROOT / "requirements-dev.txt").read_text().lower().splitlines()
    for pin in pins:
        assert pin.lower() in constraints and pin.lower() in dev, pin


def test_media_process_function_is_subscribed_to_new_alarms_like_the_notifier() -> None:
    """GIVEN the Alarms stream subscriptions of the notifier and of media processing
    THEN they have the same retry, bisect, partial-batch and age settings and the same
    filter (new alarms only), and media processing dead-letters into its own queue."""
    (media_event,) = props("MediaProcessFunction")["Events"].values()
    notify_event = props("NotifyFunction")["Events"]["NewAlarm"]
    media, notify = media_event["Properties"], notify_event["Properties"]

    assert media_event["Type"] == "DynamoDB"
    assert media["Stream"] == {"Fn::GetAtt": ["AlarmsTable", "StreamArn"]}
    for setting in (
        "StartingPosition",
        "FunctionResponseTypes",
        "BisectBatchOnFunctionError",
        "MaximumRetryAttempts",
        "MaximumRecordAgeInSeconds",
        "FilterCriteria",
    ):
        assert media[setting] == notify[setting], setting
    assert [json.loads(f["Pattern"]) for f in media["FilterCriteria"]["Filters"]] == [
        {"eventName": ["INSERT"]}
    ]
    assert media["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": ["MediaDeadLetterQueue", "Arn"]},
    }
    queue = props("MediaDeadLetterQueue")
    assert queue["MessageRetentionPeriod"] == 1_209_600 and queue["SqsManagedSseEnabled"] is True


def test_media_process_function_may_only_read_and_record_alarms_and_media() -> None:
    assert statements("MediaProcessFunction") == [
        {
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
            "Resource": {"Fn::GetAtt": ["AlarmsTable", "Arn"]},
        },
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": {"Fn::Sub": "${MediaBucket.Arn}/alarms/*"},
        },
        {
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": {"Fn::GetAtt": ["MediaDeadLetterQueue", "Arn"]},
        },
    ]
    variables = props("MediaProcessFunction")["Environment"]["Variables"]
    assert variables == {
        "POWERTOOLS_SERVICE_NAME": "media-process",
        "ALARMS_TABLE": {"Ref": "AlarmsTable"},
        "MEDIA_BUCKET": {"Ref": "MediaBucket"},
    }


def test_a_batch_of_ten_fits_the_timeout() -> None:
    """Ten alarms of a few hundred ms each (docs/performance.md) within the timeout, with room."""
    function = props("MediaProcessFunction")
    assert function["Timeout"] >= 30
    assert function["Events"]["NewAlarm"]["Properties"]["BatchSize"] <= 10
