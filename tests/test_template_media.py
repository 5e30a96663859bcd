"""template.yaml, media processing: MediaProcessFunction is subscribed like the notifier, holds
only the rights it uses, and its layer (Pillow + PyAV) builds for the template's arm64."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from vstarcam_tools.template import PROJECT_ROOT, TEMPLATE_PATH, load_template

from tests.test_template import python313_dir, sam, statements, tree_size

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


def elf_machine(header: bytes) -> int | None:
    """The e_machine field of an ELF header (its first 20 bytes); None if it is not ELF."""
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    byte_order = "<" if header[5] == 1 else ">"
    return int(struct.unpack(f"{byte_order}H", header[18:20])[0])


def test_elf_machine_reads_the_header() -> None:
    aarch64 = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HH", 3, 183)
    x86_64 = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HH", 3, 62)
    big_endian = b"\x7fELF\x02\x02\x01" + bytes(9) + struct.pack(">HH", 3, 183)
    machines = [elf_machine(data) for data in (aarch64, x86_64, big_endian, b"#!/bin/sh\n" * 3)]
    assert machines == [183, 62, 183, None]


@pytest.mark.slow
def test_sam_build_makes_an_aarch64_media_layer_under_lambdas_size_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a python3.13 interpreter (sam build without a container needs the runtime's)
    WHEN `sam build MediaLayer` runs its Makefile on this (x86-64) machine
    THEN the layer holds PIL and av, every native library in it is aarch64 (the ELF header's
    e_machine is 183), and with the shared layer it stays under Lambda's 250 MB unzipped."""
    directory = python313_dir()
    if directory is None:
        pytest.skip("no working python3.13 on PATH or under ~/.pyenv/versions: sam build skipped")
    build = tmp_path / "build"
    path = f"{directory}{os.pathsep}{os.environ.get('PATH', '')}"
    args = ["--template-file", str(TEMPLATE_PATH), "--base-dir", str(PROJECT_ROOT)]
    result = sam("build", "MediaLayer", *args, "--build-dir", str(build), cwd=tmp_path, path=path)

    assert result.returncode == 0, result.stdout + result.stderr
    layer = build / "MediaLayer" / "python"
    assert (layer / "PIL" / "Image.py").is_file()
    assert (layer / "av" / "__init__.py").is_file()
    natives = [
        file
        for file in layer.rglob("*")
        if file.is_file() and (file.suffix == ".so" or ".so." in file.name)
    ]
    machines = {
        file.relative_to(layer).as_posix(): elf_machine(file.open("rb").read(20))
        for file in natives
    }
    assert len(natives) >= 20, sorted(machines)
    wrong = {name: machine for name, machine in machines.items() if machine != ELF_MACHINE_AARCH64}
    assert not wrong, wrong
    size = tree_size(build / "MediaLayer")
    with capsys.disabled():
        print(
            f"\nbuilt MediaLayer: {size / 1_000_000:.1f} MB unzipped, {len(natives)} aarch64 "
            f"libraries; Lambda's limit (function + layers): {LAMBDA_UNZIPPED_LIMIT / 2**20:.0f} MB"
        )
    assert size + SHARED_LAYER_BUDGET < LAMBDA_UNZIPPED_LIMIT


def test_no_other_function_loads_pillow_or_av() -> None:
    """GIVEN each function's handler imported in a fresh interpreter, as Lambda's init does
    THEN only MediaProcessFunction has PIL or av in sys.modules: the request-path functions'
    cold start carries neither (nor could it: their layer does not ship them)."""
    script = (
        "import importlib.util, json, sys\n"
        "spec = importlib.util.spec_from_file_location('app', sys.argv[1])\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "sys.modules['app'] = module\n"
        "spec.loader.exec_module(module)\n"
        "print(json.dumps(sorted({'PIL', 'av'} & {m.split('.')[0] for m in sys.modules})))\n"
    )
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "POWERTOOLS_METRICS_NAMESPACE": "VStarcamPush",
    }
    loaded = {}
    for function in (f for f, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function"):
        app = PROJECT_ROOT / props(function)["CodeUri"] / "app.py"
        ran = subprocess.run(
            [sys.executable, "-c", script, str(app)],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert ran.returncode == 0, ran.stderr
        loaded[function] = json.loads(ran.stdout.splitlines()[-1])
    assert loaded.pop("MediaProcessFunction") == ["PIL", "av"]
    assert loaded and all(modules == [] for modules in loaded.values()), loaded
