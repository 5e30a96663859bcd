"""template.yaml: SAM accepts and builds it, and its security, cost and reliability invariants
hold (runtime, routes, least-privilege roles, stream subscriptions, tables, bucket, topic,
parameters and outputs)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from vstarcam_push.dal.alarms import BY_DAY_INDEX, BY_TIME_INDEX, BY_UNREVIEWED_INDEX
from vstarcam_push.models.alarm import UNREVIEWED
from vstarcam_push.models.alarm_types import ALARM_TYPE_NAMES, AlarmType
from vstarcam_tools.template import PROJECT_ROOT, TEMPLATE_PATH, Stack, load_template

TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
FUNCTIONS = [
    logical_id
    for logical_id, resource in RESOURCES.items()
    if resource["Type"] == "AWS::Serverless::Function"
]
SAM = Path(sys.executable).parent / "sam"


def props(logical_id: str) -> dict[str, Any]:
    return RESOURCES[logical_id]["Properties"]


def statements(function: str) -> list[dict[str, Any]]:
    """What the function may do: its Allow statements (the Deny fences around SAM's managed
    policies are tested in test_template_security.py)."""
    return [
        statement
        for policy in props(function).get("Policies", [])
        for statement in policy["Statement"]
        if statement["Effect"] == "Allow"
    ]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def actions(function: str) -> set[str]:
    return {action for s in statements(function) for action in as_list(s["Action"])}


# -- SAM CLI ----------------------------------------------------------------------


def sam(*args: str, cwd: Path, path: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    if path is not None:
        environment["PATH"] = path
    return subprocess.run(
        [str(SAM), *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_sam_validate_lint_passes() -> None:
    """GIVEN template.yaml
    WHEN `sam validate --lint` runs (offline: the SAM transform and cfn-lint)
    THEN it reports a valid template."""
    result = sam("validate", "--lint", "--template-file", str(TEMPLATE_PATH), cwd=PROJECT_ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


@pytest.mark.slow
def test_cfn_lint_passes_without_push_channels() -> None:
    """``sam validate --lint`` checks the defaults (PushChannels=true); cfn-lint checks the
    template through the SAM transform with PushChannels=false too: the notifier's invoke
    permission and the schedule group, role and policy are conditional on it."""
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run(
        [str(cfn_lint), str(TEMPLATE_PATH), "--parameters", "PushChannels=false"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- functions --------------------------------------------------------------------------


def test_functions_run_python313_on_arm64() -> None:
    function_globals = TEMPLATE["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.13"
    assert function_globals["Architectures"] == ["arm64"]
    for function in FUNCTIONS:
        assert props(function).get("Runtime", "python3.13") == "python3.13"
        assert props(function).get("Architectures", ["arm64"]) == ["arm64"]
    layer = props("SharedLayer")
    assert layer["CompatibleRuntimes"] == ["python3.13"]
    assert layer["CompatibleArchitectures"] == ["arm64"]
    # Built by its Makefile for python3.13 on arm64 (tests/test_build.py).
    assert RESOURCES["SharedLayer"]["Metadata"]["BuildArchitecture"] == "arm64"


def test_functions_log_json_without_platform_lines_at_the_level_parameter() -> None:
    """SystemLogLevel WARN drops START/END/REPORT of successful invocations; the application
    level is the LogLevel parameter (INFO by default), which Lambda hands to Powertools as
    AWS_LAMBDA_LOG_LEVEL: no POWERTOOLS_LOG_LEVEL to disagree with it."""
    function_globals = TEMPLATE["Globals"]["Function"]
    assert function_globals["LoggingConfig"] == {
        "LogFormat": "JSON",
        "SystemLogLevel": "WARN",
        "ApplicationLogLevel": {"Ref": "LogLevel"},
    }
    parameter = TEMPLATE["Parameters"]["LogLevel"]
    assert parameter["Default"] == "INFO"
    assert parameter["AllowedValues"] == ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
    assert "POWERTOOLS_LOG_LEVEL" not in function_globals["Environment"]["Variables"]
    for function in FUNCTIONS:
        # A function names only its own log group; SAM merges it with the Globals' map.
        assert set(props(function).get("LoggingConfig", {})) <= {"LogGroup"}
        assert "POWERTOOLS_LOG_LEVEL" not in props(function).get("Environment", {}).get(
            "Variables", {}
        )


def test_heartbeat_refusals_and_offline_transitions_are_counted_by_metric_filters() -> None:
    """The heartbeat, the sweep and the notifier import no Powertools: metric filters on
    their own log groups make their metrics from their log lines. (With CameraEndpoint=
    FunctionUrl two more count the refusals alarm's metric: test_template_endpoint.py.)"""
    filters = {
        logical_id: RESOURCES[logical_id]["Properties"]
        for logical_id in Stack().resources("AWS::Logs::MetricFilter")
    }
    assert set(filters) == {
        "HeartbeatRefusalsMetric",
        "HeartbeatUnknownCamerasMetric",
        "OfflineTransitionsMetric",
        "NotificationsSuppressedMetric",
        "NotificationsCappedMetric",
    }
    for name in ("NotificationsSuppressedMetric", "NotificationsCappedMetric"):
        notify = filters.pop(name)
        assert notify["LogGroupName"] == {"Ref": "NotifyLogs"}
        assert "DefaultValue" not in notify["MetricTransformations"][0]
    offline = filters.pop("OfflineTransitionsMetric")
    assert offline["LogGroupName"] == {"Ref": "OfflineSweepLogs"}
    (transformation,) = offline["MetricTransformations"]
    assert (transformation["MetricName"], transformation["MetricValue"]) == (
        "OfflineTransitions",
        "$.count",
    )
    assert "DefaultValue" not in transformation  # published only in a minute that has one
    for properties in filters.values():
        assert properties["LogGroupName"] == {"Ref": "HeartbeatLogs"}
        (transformation,) = properties["MetricTransformations"]
        assert transformation["MetricNamespace"] == "VStarcamPush"
        assert "DefaultValue" not in transformation  # published only when a refusal happens
    refusals = filters["HeartbeatRefusalsMetric"]["MetricTransformations"][0]
    assert refusals["MetricName"] == "Refusals"
    assert refusals["Dimensions"] == [
        {"Key": "reason", "Value": "$.reason"},
        {"Key": "service", "Value": "$.service"},
    ]


def test_http_functions_answer_within_api_gateways_30_second_limit() -> None:
    for function in ("HeartbeatFunction", "AlarmFunction"):
        timeout = props(function).get("Timeout", TEMPLATE["Globals"]["Function"]["Timeout"])
        assert timeout <= 29


def test_each_function_has_a_log_group_of_its_own_with_the_retention_parameter() -> None:
    """Named by the stack (``/aws/lambda/<stack>/<function>``), not by the function, so the
    function's role can be limited to it (see test_template_security.py)."""
    names = set()
    for function in FUNCTIONS:
        logs = props(function)["LoggingConfig"]["LogGroup"]["Ref"]
        group = props(logs)
        assert RESOURCES[logs]["Type"] == "AWS::Logs::LogGroup"
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        name = group["LogGroupName"]["Fn::Sub"]
        assert name.startswith("/aws/lambda/${AWS::StackName}/")
        names.add(name)
    assert len(names) == len(FUNCTIONS)


# -- the HTTP API -------------------------------------------------------------------------


def test_cameras_post_to_heartbeat_and_alarm_at_the_root_of_the_default_stage() -> None:
    """GIVEN the HTTP API
    THEN its camera routes are POST /heartbeat/{key} and POST /alarm/{key} (each camera's
    own URLs) and the bare POST /heartbeat and POST /alarm (RequirePushKey=false, pending
    cameras), and GET of an alarm email's media link; it has no StageName, so the $default
    stage serves them at the URL root the cameras are configured with."""
    routes = {
        (event["Properties"]["Method"], event["Properties"]["Path"], function)
        for function in FUNCTIONS
        for event in props(function).get("Events", {}).values()
        # The web console's routes: tests/console/test_console_template.py.
        if event["Type"] == "HttpApi" and not function.startswith("Console")
    }
    assert {
        ("POST", "/heartbeat/{key}", "HeartbeatFunction"),
        ("POST", "/heartbeat", "HeartbeatFunction"),
        ("POST", "/alarm/{key}", "AlarmFunction"),
        ("POST", "/alarm", "AlarmFunction"),
        ("GET", "/alarms/{alarmId}/{media}", "MediaLinkFunction"),
    } <= routes
    assert "StageName" not in props("HttpApi")
    for function in ("HeartbeatFunction", "AlarmFunction", "MediaLinkFunction"):
        for event in props(function)["Events"].values():
            assert event["Properties"]["ApiId"] == {"Ref": "HttpApi"}


def test_http_api_is_throttled_by_the_parameters_and_writes_access_logs() -> None:
    api = props("HttpApi")
    assert api["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": {"Ref": "ThrottlingRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ThrottlingBurstLimit"},
    }
    logs = api["AccessLogSettings"]
    assert logs["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}
    # Who pushed, with what answer, on which route; never the path (push keys travel in
    # it). The error goes last: it is the one field that may hold spaces.
    assert logs["Format"].split(" ") == [
        "$context.requestId",
        "$context.identity.sourceIp",
        "$context.status",
        "$context.routeKey",
        "$context.integrationErrorMessage",
    ]
    assert "$context.path" not in logs["Format"]
    assert RESOURCES["ApiAccessLogs"]["Type"] == "AWS::Logs::LogGroup"


# -- least privilege ------------------------------------------------------------------------


def test_functions_have_inline_statements_only() -> None:
    """No managed policies or SAM policy templates: every permission is spelled out here."""
    for function in FUNCTIONS:
        for policy in props(function).get("Policies", []):
            assert set(policy) == {"Statement"}, function


def test_heartbeat_function_may_only_write_the_cameras_table() -> None:
    """UpdateItem for the heartbeat; PutItem for the transaction listing a pending camera."""
    assert statements("HeartbeatFunction") == [
        {
            "Effect": "Allow",
            "Action": ["dynamodb:UpdateItem", "dynamodb:PutItem"],
            "Resource": {"Fn::GetAtt": ["CamerasTable", "Arn"]},
        }
    ]


def test_no_statement_allows_every_resource_or_every_action() -> None:
    for function in FUNCTIONS:
        for statement in statements(function):
            assert statement["Effect"] == "Allow"
            for resource in as_list(statement["Resource"]):
                assert resource != "*", function
                # Media objects, and the delivery function's own secrets under the stack prefix.
                allowed = json.dumps(resource).replace("/alarms/*", "")
                allowed = allowed.replace("parameter/${AWS::StackName}/notify/*", "")
                # The delivery function's retries: schedules in the stack's own group.
                allowed = allowed.replace("schedule/${DeliverySchedules}/*", "")
                # Web push devices' subscriptions (their destination names start webpush-).
                allowed = allowed.replace("parameter/${AWS::StackName}/notify/webpush-*", "")
                assert "*" not in allowed, function
            for action in as_list(statement["Action"]):
                assert "*" not in action, function


def test_alarm_function_cannot_publish_and_writes_media_only_under_alarms() -> None:
    assert not [action for action in actions("AlarmFunction") if action.startswith("sns:")]
    assert actions("AlarmFunction") == {
        "dynamodb:BatchGetItem",
        "dynamodb:UpdateItem",
        "dynamodb:PutItem",
        "dynamodb:GetItem",
        "s3:PutObject",
        "s3:DeleteObject",
    }
    (s3,) = [s for s in statements("AlarmFunction") if "s3:PutObject" in as_list(s["Action"])]
    assert s3["Resource"] == {"Fn::Sub": "${MediaBucket.Arn}/alarms/*"}


def test_media_function_may_only_read_one_alarm_and_get_media_objects() -> None:
    """The presigned URLs it hands out carry this role's rights: read, and media only."""
    assert statements("MediaLinkFunction") == [
        {
            "Effect": "Allow",
            "Action": "dynamodb:GetItem",
            "Resource": {"Fn::GetAtt": ["AlarmsTable", "Arn"]},
        },
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": {"Fn::Sub": "${MediaBucket.Arn}/alarms/*"},
        },
    ]
    readers = [function for function in FUNCTIONS if "s3:GetObject" in actions(function)]
    # MediaProcessFunction reads the originals to derive from them; it signs no URL.
    # DeliveryFunction uploads pictures to push services and presigns one for Slack.
    # The console's API presigns media URLs for signed-in users.
    assert sorted(readers) == [
        "ConsoleApiFunction",
        "DeliveryFunction",
        "MediaLinkFunction",
        "MediaProcessFunction",
    ]


def test_media_links_reach_the_alarm_and_notify_functions() -> None:
    """The alarm function makes the links (MediaLinkDays); the notifier writes them in the
    email, starting with the API URL the console's output starts with (the cameras' too,
    unless CameraEndpoint=FunctionUrl)."""
    assert TEMPLATE["Parameters"]["MediaLinkDays"]["Default"] == 7
    alarm = props("AlarmFunction")["Environment"]["Variables"]
    notify = props("NotifyFunction")["Environment"]["Variables"]
    api = TEMPLATE["Outputs"]["ConsoleUrl"]["Value"]["Fn::Sub"].removesuffix("/")

    assert alarm["MEDIA_LINK_DAYS"] == {"Ref": "MediaLinkDays"}
    assert notify["API_URL"] == {"Fn::Sub": api}
    assert "MEDIA_LINK_DAYS" not in notify


def test_only_the_notify_function_publishes_to_the_topic() -> None:
    """The alarm topic; the delivery function publishes to the operations topic only."""
    publishers = [
        function
        for function in FUNCTIONS
        for statement in statements(function)
        if "sns:Publish" in as_list(statement["Action"])
        and statement["Resource"] == {"Ref": "AlarmTopic"}
    ]
    assert publishers == ["NotifyFunction"]
    published = [
        s["Resource"] for s in statements("NotifyFunction") if s["Action"] == "sns:Publish"
    ]
    # The operations topic: its stream subscriptions' on-failure destination.
    assert published == [{"Ref": "AlarmTopic"}, {"Ref": "OperationsTopic"}]


def test_offline_sweep_may_only_scan_and_update_cameras() -> None:
    assert statements("OfflineSweepFunction") == [
        {
            "Effect": "Allow",
            "Action": "dynamodb:Scan",
            "Resource": {"Fn::GetAtt": ["CamerasTable", "Arn"]},
        },
        {
            "Effect": "Allow",
            "Action": "dynamodb:UpdateItem",
            "Resource": {"Fn::GetAtt": ["CamerasTable", "Arn"]},
        },
    ]


# -- notifications from the streams ---------------------------------------------------------


def stream_events() -> dict[str, dict[str, Any]]:
    return {
        name: event["Properties"]
        for name, event in props("NotifyFunction")["Events"].items()
        if event["Type"] == "DynamoDB"
    }


def test_notify_subscribes_to_both_table_streams() -> None:
    streams = {json.dumps(p["Stream"]) for p in stream_events().values()}
    assert streams == {
        json.dumps({"Fn::GetAtt": ["AlarmsTable", "StreamArn"]}),
        json.dumps({"Fn::GetAtt": ["CamerasTable", "StreamArn"]}),
    }


@pytest.mark.parametrize("event", ["NewAlarm", "CameraStatus"])
def test_stream_subscriptions_are_filtered_retried_boundedly_and_dead_lettered(
    event: str,
) -> None:
    """GIVEN each stream subscription of the notifier
    THEN it has FilterCriteria (valid JSON patterns), reports per-record failures, bisects a
    failing batch, retries a bounded number of times within a bounded age, and sends what
    keeps failing to the operations topic (the owner is told, with no CloudWatch alarm)."""
    properties = stream_events()[event]

    patterns = [json.loads(item["Pattern"]) for item in properties["FilterCriteria"]["Filters"]]
    assert patterns and all(isinstance(pattern, dict) for pattern in patterns)
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BisectBatchOnFunctionError"] is True
    assert 0 <= properties["MaximumRetryAttempts"] <= 10
    assert 60 <= properties["MaximumRecordAgeInSeconds"] <= 86_400
    assert properties["DestinationConfig"]["OnFailure"] == {
        "Type": "SNS",
        "Destination": {"Ref": "OperationsTopic"},
    }
    assert properties["StartingPosition"] == "LATEST"
    notify = statements("NotifyFunction")
    publish = {"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": "OperationsTopic"}}
    assert publish in notify


def test_stream_filters_are_alarm_inserts_and_status_changes() -> None:
    events = stream_events()
    new_alarm = [json.loads(f["Pattern"]) for f in events["NewAlarm"]["FilterCriteria"]["Filters"]]
    status = [json.loads(f["Pattern"]) for f in events["CameraStatus"]["FilterCriteria"]["Filters"]]

    assert new_alarm == [{"eventName": ["INSERT"]}]
    changes = {
        (
            pattern["dynamodb"]["OldImage"]["status"]["S"][0],
            pattern["dynamodb"]["NewImage"]["status"]["S"][0],
        )
        for pattern in status
    }
    assert changes == {("online", "offline"), ("offline", "online")}
    assert all(pattern["eventName"] == ["MODIFY"] for pattern in status)


def test_dead_letter_queue_keeps_failures_for_14_days_encrypted() -> None:
    queue = props("NotifyDeadLetterQueue")
    assert queue["MessageRetentionPeriod"] == 1_209_600
    assert queue["SqsManagedSseEnabled"] is True


def test_no_cloudwatch_alarm_but_the_refusals_one_and_failures_reach_the_operations_topic() -> None:
    """What used to need the dead-letter queue's CloudWatch alarm ($0.10 a month) tells the
    owner directly: the notifier's stream failures (their on-failure destination), the
    delivery function's failed invocations (its asynchronous on-failure destination, a
    function that tells the owner in one sentence, not Lambda's raw record) and its
    give-ups (it publishes itself). Their messages carry no attributes, so they go to the
    topic whose subscriptions have no filter (tests/tools/doctor/test_checks.py)."""
    alarms = [
        logical_id
        for logical_id, resource in RESOURCES.items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    ]
    assert alarms == ["ApiRefusalsAlarm"]
    config = props("DeliveryFunction")["EventInvokeConfig"]
    assert config["MaximumRetryAttempts"] == 2
    assert config["DestinationConfig"]["OnFailure"] == {
        "Type": "Lambda",
        "Destination": {"Fn::GetAtt": ["DeliveryFailedFunction", "Arn"]},
    }
    invoke = {
        "Effect": "Allow",
        "Action": "lambda:InvokeFunction",
        "Resource": {"Fn::GetAtt": ["DeliveryFailedFunction", "Arn"]},
    }
    assert invoke in statements("DeliveryFunction")
    publish = {"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": "OperationsTopic"}}
    for function in ("DeliveryFunction", "DeliveryFailedFunction"):
        variables = props(function)["Environment"]["Variables"]
        assert variables["OPERATIONS_TOPIC_ARN"] == {"Ref": "OperationsTopic"}
        assert publish in statements(function)
    # The told function's own failures go to the dead-letter queue, never raw to the topic.
    failed = props("DeliveryFailedFunction")["EventInvokeConfig"]
    assert failed["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": ["NotifyDeadLetterQueue", "Arn"]},
    }
    assert RESOURCES["DeliveryFailedFunction"]["Condition"] == "HasPushChannels"


def test_offline_sweep_runs_on_the_sweep_schedule() -> None:
    (event,) = props("OfflineSweepFunction")["Events"].values()
    assert event["Type"] == "Schedule"
    assert event["Properties"]["Schedule"] == {"Ref": "SweepSchedule"}


# -- tables ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "view"),
    [("CamerasTable", "NEW_AND_OLD_IMAGES"), ("AlarmsTable", "NEW_IMAGE")],
)
def test_tables_are_on_demand_encrypted_and_streamed(table: str, view: str) -> None:
    """The cameras stream needs old and new images: the status filter compares them. Both
    tables can be restored to any second of the last 35 days. On demand by default
    (CamerasCapacity=Provisioned: tests/test_template_capacity.py)."""
    properties = props(table)
    assert Stack().properties(table)["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["StreamSpecification"] == {"StreamViewType": view}
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert RESOURCES[table]["DeletionPolicy"] == "Retain"


def test_cameras_table_has_no_index_so_a_heartbeat_or_status_change_writes_one_unit() -> None:
    """An index whose key moved with the deadline cost a heartbeat two more write units; the
    console's byFleet index, which projected the status, cost a status change one more. The
    sweep and the console's camera list scan the table instead."""
    properties = props("CamerasTable")
    assert "GlobalSecondaryIndexes" not in properties
    assert "LocalSecondaryIndexes" not in properties
    assert properties["AttributeDefinitions"] == [{"AttributeName": "vuid", "AttributeType": "S"}]


def test_alarms_table_lists_by_time_and_by_day_and_expires_records() -> None:
    properties = props("AlarmsTable")
    assert {index["IndexName"] for index in properties["LocalSecondaryIndexes"]} == {BY_TIME_INDEX}
    assert {index["IndexName"] for index in properties["GlobalSecondaryIndexes"]} == {
        BY_DAY_INDEX,
        BY_UNREVIEWED_INDEX,
    }
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}


def test_the_unreviewed_index_is_sparse_and_keys_only() -> None:
    """Only an unreviewed alarm carries its key (models.alarm.UNREVIEWED), newest first by
    receivedAtMs; keys only, so a media update or a review of another field writes it not."""
    (index,) = [
        i
        for i in props("AlarmsTable")["GlobalSecondaryIndexes"]
        if i["IndexName"] == BY_UNREVIEWED_INDEX
    ]
    assert index["KeySchema"] == [
        {"AttributeName": UNREVIEWED, "KeyType": "HASH"},
        {"AttributeName": "receivedAtMs", "KeyType": "RANGE"},
    ]
    assert index["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    definitions = {
        d["AttributeName"]: d["AttributeType"] for d in props("AlarmsTable")["AttributeDefinitions"]
    }
    assert definitions[UNREVIEWED] == "S"


# -- the media bucket ---------------------------------------------------------------------------


def test_media_bucket_is_private_and_encrypted() -> None:
    bucket = props("MediaBucket")
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


def test_media_bucket_denies_every_request_not_over_tls() -> None:
    """The local stack cannot apply this statement (moto cannot evaluate aws:SecureTransport),
    so it is checked here, in the template."""
    policy = props("MediaBucketPolicy")
    assert policy["Bucket"] == {"Ref": "MediaBucket"}
    assert {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [
            {"Fn::GetAtt": ["MediaBucket", "Arn"]},
            {"Fn::Sub": "${MediaBucket.Arn}/*"},
        ],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    } in policy["PolicyDocument"]["Statement"]


def test_media_expires_after_the_retention_period() -> None:
    (rule,) = props("MediaBucket")["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["Prefix"] == "alarms/"
    assert rule["ExpirationInDays"] == {"Ref": "RetentionDays"}
    assert props("AlarmFunction")["Environment"]["Variables"]["RETENTION_DAYS"] == {
        "Ref": "RetentionDays"
    }


# -- the topic and its subscriptions -------------------------------------------------------------


def test_email_and_sms_subscriptions_exist_only_when_configured() -> None:
    assert RESOURCES["EmailSubscription"]["Condition"] == "HasEmail"
    assert props("EmailSubscription")["Protocol"] == "email"
    assert RESOURCES["SmsSubscription"]["Condition"] == "HasPhone"
    assert props("SmsSubscription")["Protocol"] == "sms"

    bare = Stack()
    assert "EmailSubscription" not in bare.resources()
    assert "SmsSubscription" not in bare.resources()
    configured = Stack(
        overrides={"NotificationEmail": "owner@example.com", "NotificationPhone": "+14155550100"}
    )
    assert {"EmailSubscription", "SmsSubscription"} <= set(configured.resources())
    assert configured.properties("EmailSubscription")["Endpoint"] == "owner@example.com"


def test_sms_filter_policy_routes_on_the_alarm_type_attribute() -> None:
    """GIVEN SmsAlarmTypes=0x26,0x6d,0x6e (smoke and fire)
    THEN the SMS subscription's filter policy matches the alarmType message attribute the
    notifier sets for exactly those alarms; without SmsAlarmTypes only the doctor's test filter."""
    filtered = Stack(
        overrides={"NotificationPhone": "+14155550100", "SmsAlarmTypes": "0x26,0x6d,0x6e"}
    ).properties("SmsSubscription")

    assert filtered["FilterPolicyScope"] == "MessageAttributes"
    # ... and drops the doctor's test notifications (tests/tools/doctor/test_no_spam.py).
    assert filtered["FilterPolicy"] == {
        "alarmType": ["0x26", "0x6d", "0x6e"],
        "test": [{"exists": False}],
    }
    routed = {
        code
        for code in ALARM_TYPE_NAMES
        if AlarmType(code).hex in filtered["FilterPolicy"]["alarmType"]
    }
    assert routed == {0x26, 0x6D, 0x6E}
    unfiltered = Stack(overrides={"NotificationPhone": "+14155550100"})
    assert unfiltered.properties("SmsSubscription")["FilterPolicy"] == {"test": [{"exists": False}]}


def test_sms_can_take_the_alerts_only() -> None:
    """GIVEN SmsAlarmTypes=alert THEN the SMS filter policy routes on the severity attribute
    the notifier sets from AlertTypes; the stack's own alarms then go by email only."""
    alerts = Stack(overrides={"NotificationPhone": "+14155550100", "SmsAlarmTypes": "alert"})
    assert alerts.properties("SmsSubscription")["FilterPolicy"] == {
        "severity": ["alert"],
        "test": [{"exists": False}],
    }
    assert "OperationsSmsSubscription" not in alerts.resources()
    pattern = re.compile(TEMPLATE["Parameters"]["SmsAlarmTypes"]["AllowedPattern"])
    assert all(pattern.match(v) for v in ("", "alert", "0x26,0x6d"))
    assert not any(pattern.match(v) for v in ("alerts", "alert,0x26", "detection"))


def test_alert_types_parameter_reaches_the_notifier_and_the_console_api() -> None:
    """The default is the issue's alert list; the two functions that class alarms read it;
    every value the parameter allows is one the functions parse."""
    from vstarcam_push.models.alarm_types import DEFAULT_ALERT_TYPES, parse_alert_types

    parameter = TEMPLATE["Parameters"]["AlertTypes"]
    assert parse_alert_types(parameter["Default"]) == DEFAULT_ALERT_TYPES
    pattern = re.compile(parameter["AllowedPattern"])
    for allowed in ("none", "0x12", "0x26,0x6d,0x6e,0x14,0x29,0x28"):
        assert pattern.match(allowed)
        parse_alert_types(allowed)
    assert not any(pattern.match(v) for v in ("", "smoke", "0x26,"))
    readers = {
        name: resource["Properties"]["Environment"]["Variables"]["ALERT_TYPES"]
        for name, resource in TEMPLATE["Resources"].items()
        if "ALERT_TYPES"
        in resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
    }
    assert readers == {
        "NotifyFunction": {"Ref": "AlertTypes"},
        "ConsoleApiFunction": {"Ref": "AlertTypes"},
    }


# -- parameters and outputs ------------------------------------------------------------------------


def test_operator_parameters_exist_with_safe_defaults() -> None:
    parameters = TEMPLATE["Parameters"]
    assert parameters["AcceptUnknownCameras"]["Default"] == "false"
    assert parameters["AcceptUnknownCameras"]["AllowedValues"] == ["false", "true"]
    assert parameters["NotificationEmail"]["Default"] == ""
    assert parameters["NotificationPhone"]["Default"] == ""
    assert parameters["SmsAlarmTypes"]["Default"] == ""
    for name in ("OfflineAfterSeconds", "RetentionDays", "NotifyCooldownSeconds"):
        assert parameters[name]["Type"] == "Number"
        assert "Default" in parameters[name]


def test_parameters_reach_the_functions_environment() -> None:
    stack = Stack(
        overrides={
            "OfflineAfterSeconds": "600",
            "RetentionDays": "7",
            "NotifyCooldownSeconds": "60",
            "AcceptUnknownCameras": "true",
        }
    )

    def environment(function: str) -> dict[str, str]:
        return stack.resolve(props(function)["Environment"]["Variables"])

    assert environment("HeartbeatFunction")["OFFLINE_AFTER_SECONDS"] == "600"
    assert environment("HeartbeatFunction")["ACCEPT_UNKNOWN_CAMERAS"] == "true"
    assert environment("AlarmFunction")["RETENTION_DAYS"] == "7"
    assert environment("AlarmFunction")["ACCEPT_UNKNOWN_CAMERAS"] == "true"
    assert environment("NotifyFunction")["NOTIFY_COOLDOWN_SECONDS"] == "60"
    assert (
        stack.properties("MediaBucket")["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"]
        == "7"
    )


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"AcceptUnknownCameras": "yes"}, "allowed values"),
        ({"OfflineAfterSeconds": "10"}, "minimum"),
        ({"RetentionDays": "thirty"}, "must be a number"),
        ({"NotificationPhone": "0415550100"}, "E.164"),
        ({"SmsAlarmTypes": "0x6D,smoke"}, "hex alarm codes"),
        ({"LogRetentionDays": "2"}, "allowed values"),
        ({"NoSuchParameter": "1"}, "unknown template parameter"),
    ],
)
def test_invalid_parameter_is_refused_as_cloudformation_would(
    overrides: dict[str, str], words: str
) -> None:
    with pytest.raises(ValueError, match=words):
        Stack(overrides=overrides)


def test_outputs_give_the_camera_urls_and_the_resource_names() -> None:
    """GIVEN the stack's outputs
    THEN HeartbeatUrl and AlarmUrl are the HTTPS endpoint followed directly by /heartbeat and
    /alarm (what cameras are configured with), and the tables, bucket and topic are named."""
    outputs = Stack(region="eu-west-1").outputs()

    assert outputs["HeartbeatUrl"].startswith("https://")
    assert outputs["HeartbeatUrl"].endswith(".execute-api.eu-west-1.amazonaws.com/heartbeat")
    assert outputs["AlarmUrl"].endswith(".execute-api.eu-west-1.amazonaws.com/alarm")
    assert outputs["HeartbeatUrl"].removesuffix("/heartbeat") == outputs["AlarmUrl"].removesuffix(
        "/alarm"
    )
    assert {"CamerasTableName", "AlarmsTableName", "MediaBucketName", "AlarmTopicArn"} <= set(
        outputs
    )
    assert TEMPLATE["Outputs"]["MediaBucketName"]["Value"] == {"Ref": "MediaBucket"}
    assert TEMPLATE["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": "AlarmTopic"}


# -- the plain-HTTP front door ---------------------------------------------------------------------


def test_plain_http_front_door_exists_only_when_asked() -> None:
    assert TEMPLATE["Parameters"]["PlainHttpFrontDoor"]["Default"] == "false"
    assert "PlainHttpDistribution" not in Stack().resources()
    assert "PlainHttpHeartbeatUrl" not in Stack().outputs()

    asked = Stack(overrides={"PlainHttpFrontDoor": "true"})

    assert "PlainHttpDistribution" in asked.resources()
    for output in ("PlainHttpHeartbeatUrl", "PlainHttpAlarmUrl"):
        assert TEMPLATE["Outputs"][output]["Condition"] == "HasPlainHttpFrontDoor"


def test_plain_http_front_door_forwards_camera_posts_to_the_api_over_https() -> None:
    """GIVEN the distribution
    THEN viewers may use plain HTTP, the origin is the HTTP API's own host over HTTPS only,
    POST is allowed, nothing is cached, and every viewer header but Host is forwarded (the
    API routes by its own host name; Content-Type carries the multipart boundary)."""
    stack = Stack(region="eu-west-1", overrides={"PlainHttpFrontDoor": "true"})
    stack.attributes[("PlainHttpCameraRoutesOnly", "FunctionARN")] = (
        "arn:aws:cloudfront::1:function/f"
    )
    config = stack.properties("PlainHttpDistribution")["DistributionConfig"]
    (origin,) = config["Origins"]
    behavior = config["DefaultCacheBehavior"]

    api_host = urlsplit(stack.resolve(TEMPLATE["Outputs"]["HeartbeatUrl"]["Value"])).netloc
    assert origin["DomainName"] == api_host
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert behavior["TargetOriginId"] == origin["Id"]
    assert behavior["ViewerProtocolPolicy"] == "allow-all"
    assert "POST" in behavior["AllowedMethods"]
    assert behavior["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
    assert behavior["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    assert config["Enabled"] is True


def test_plain_http_outputs_are_the_distributions_http_urls() -> None:
    stack = Stack(overrides={"PlainHttpFrontDoor": "true"})
    stack.attributes[("PlainHttpDistribution", "DomainName")] = "d111111abcdef8.cloudfront.net"

    outputs = stack.outputs()

    assert outputs["PlainHttpHeartbeatUrl"] == "http://d111111abcdef8.cloudfront.net/heartbeat"
    assert outputs["PlainHttpAlarmUrl"] == "http://d111111abcdef8.cloudfront.net/alarm"


# -- push channels ------------------------------------------------------------------------


# Variables whose names have a secret's words but hold none: a flag, and the SSM name of
# the push key secret (the console API reads the value from SSM, never from its environment).
NOT_SECRETS: dict[str, Any] = {
    "REQUIRE_PUSH_KEY": {"Ref": "RequirePushKey"},
    "PUSH_KEY_SECRET_PARAMETER": {"Fn::Sub": "/${AWS::StackName}/push-key-secret"},
    "WEB_PUSH_KEY_PARAMETER": {"Fn::Sub": "/${AWS::StackName}/webpush-vapid-key"},
}


def test_only_the_delivery_function_reads_the_destinations_secrets_and_only_its_own() -> None:
    """Secrets live in SSM under the stack's prefix; no function may write them, only the
    delivery function may read them, and no environment variable carries one."""
    readers = [f for f in FUNCTIONS if any(a.startswith("ssm:") for a in actions(f))]
    # The console API also issues and shows cameras' push keys: that one parameter only.
    assert readers == ["ConsoleApiFunction", "DeliveryFunction"]
    # ... and makes the web push VAPID key and writes web push devices' subscriptions
    # (webpush-* destinations' secrets only: tests/console/test_console_template.py).
    vapid, console = [
        s for s in statements("ConsoleApiFunction") if "ssm:GetParameter" in s["Action"]
    ]
    assert vapid["Resource"]["Fn::Sub"].endswith(":parameter/${AWS::StackName}/webpush-vapid-key")
    assert console["Resource"]["Fn::Sub"].endswith(":parameter/${AWS::StackName}/push-key-secret")
    (ssm,) = [s for s in statements("DeliveryFunction") if s["Action"] == "ssm:GetParameters"]
    assert ssm["Resource"]["Fn::Sub"].endswith(":parameter/${AWS::StackName}/notify/*")
    variables = props("DeliveryFunction")["Environment"]["Variables"]
    assert variables["SECRETS_PREFIX"] == {"Fn::Sub": "/${AWS::StackName}/notify/"}
    assert TEMPLATE["Outputs"]["DestinationSecretsPrefix"]["Value"] == variables["SECRETS_PREFIX"]
    for function in FUNCTIONS:
        variables_ = props(function).get("Environment", {}).get("Variables", {})
        for name, value in variables_.items():
            if name in NOT_SECRETS:
                assert value == NOT_SECRETS[name], name
                continue
            assert not any(word in name for word in ("TOKEN", "SECRET_", "KEY", "PASSWORD")), name


def test_no_deployed_function_allows_loopback_push_endpoints() -> None:
    """Only the local stack sets WEB_PUSH_ALLOW_LOOPBACK (its fake push service on
    127.0.0.1): the deployed template never does, nor has a parameter that could."""
    for function in FUNCTIONS:
        variables = props(function).get("Environment", {}).get("Variables", {})
        assert "WEB_PUSH_ALLOW_LOOPBACK" not in variables, function
    assert "LOOPBACK" not in json.dumps(TEMPLATE).upper()


def test_delivery_function_role_schedules_and_the_old_queue() -> None:
    """It reads destinations and notes failures, records deliveries, reads media and the
    alarm's thumbnail, schedules its retries in the stack's own group as the scheduler role
    (which it may pass to Scheduler only), tells the owner of a give-up and dead-letters it,
    drains the old delivery queue with short receives, and has its on-failure destination
    invoked (Lambda does it with this role); nothing polls it."""
    assert actions("DeliveryFunction") == {
        "lambda:InvokeFunction",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "s3:GetObject",
        "ssm:GetParameters",
        "scheduler:CreateSchedule",
        "iam:PassRole",
        "sns:Publish",
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        # Web push: the VAPID key, a gone device's secrets, its owner's sites.
        "ssm:GetParameter",
        "ssm:DeleteParameters",
        "cognito-idp:AdminListGroupsForUser",
    }
    (create,) = [
        s for s in statements("DeliveryFunction") if s["Action"] == "scheduler:CreateSchedule"
    ]
    assert create["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:"
        "schedule/${DeliverySchedules}/*"
    }
    (passing,) = [s for s in statements("DeliveryFunction") if s["Action"] == "iam:PassRole"]
    assert passing["Resource"] == {"Fn::GetAtt": ["DeliverySchedulerRole", "Arn"]}
    assert passing["Condition"] == {
        "StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}
    }
    (event,) = props("DeliveryFunction")["Events"].values()
    assert event == {"Type": "Schedule", "Properties": {"Schedule": "rate(5 minutes)"}}
    (receive,) = [
        s for s in statements("DeliveryFunction") if "sqs:ReceiveMessage" in as_list(s["Action"])
    ]
    assert receive["Resource"] == {"Fn::GetAtt": ["DeliveryQueue", "Arn"]}
    # The old queue is kept as it was (an update changes nothing of it).
    queue = props("DeliveryQueue")
    assert queue["VisibilityTimeout"] == 180 and queue["MessageRetentionPeriod"] == 172_800
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["NotifyDeadLetterQueue", "Arn"]
    }
    notify = statements("NotifyFunction")
    invoke = [s for s in notify if s["Action"] == "lambda:InvokeFunction"]
    assert len(invoke) == 1
    assert invoke[0]["Resource"]["Fn::If"][:2] == [
        "HasPushChannels",
        {"Fn::GetAtt": ["DeliveryFunction", "Arn"]},
    ]
    assert not [s for s in notify if str(s["Action"]).startswith("sqs:")]
    deliveries = props("DeliveriesTable")
    assert deliveries["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}


def test_the_scheduler_role_may_only_invoke_the_delivery_function() -> None:
    """Scheduler assumes it (for this account's schedules only) to invoke the delivery
    function, and to hand a retry it could not deliver to the dead-letter queue."""
    trust = props("DeliverySchedulerRole")["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
        }
    ]
    assert "Policies" not in props("DeliverySchedulerRole")
    policy = props("DeliverySchedulerPolicy")
    assert policy["RoleName"] == {"Ref": "DeliverySchedulerRole"}
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": {"Fn::GetAtt": ["DeliveryFunction", "Arn"]},
        },
        {
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": {"Fn::GetAtt": ["NotifyDeadLetterQueue", "Arn"]},
        },
    ]
    for logical_id in ("DeliverySchedules", "DeliverySchedulerRole", "DeliverySchedulerPolicy"):
        assert RESOURCES[logical_id]["Condition"] == "HasPushChannels"


# -- stack switches for small stacks (issue 13) ------------------------------------------------


def test_push_channels_are_deployed_unless_switched_off() -> None:
    """PushChannels=false leaves the delivery function out and the notifier invokes
    nothing; email and SMS are untouched."""
    assert TEMPLATE["Parameters"]["PushChannels"]["Default"] == "true"
    function = props("NotifyFunction")["Environment"]["Variables"]["DELIVERY_FUNCTION"]
    on = Stack()
    assert "DeliveryFunction" in on.resources()
    assert on.resolve(function) == on.resolve({"Ref": "DeliveryFunction"})
    assert on.outputs()["PushChannels"] == "true"

    off = Stack(overrides={"PushChannels": "false"})
    assert "DeliveryFunction" not in off.resources()
    assert "DeliveryLogs" not in off.resources()
    assert off.resolve(function) == ""
    assert off.outputs()["PushChannels"] == "false"
    # Nothing left in the stack stands on what is left out.
    # (StreamArn is known once a table is made: a placeholder will do here.)
    for table in ("AlarmsTable", "CamerasTable"):
        off.attributes[(table, "StreamArn")] = f"{table}-stream"
    for logical_id, resource in off.resources().items():
        text = json.dumps(off.resolve(resource)).lower()
        for left_out in ("deliveryfunction", "deliverylogs", "deliveryschedule"):
            assert left_out not in text, logical_id


def test_the_refusals_alarm_can_be_switched_off() -> None:
    """It reads one metric ($0.10 a month), the stack's only CloudWatch alarm."""
    assert TEMPLATE["Parameters"]["RefusalsAlarm"]["Default"] == "true"
    assert "ApiRefusalsAlarm" in Stack().resources()
    off = Stack(overrides={"RefusalsAlarm": "false"})
    assert "ApiRefusalsAlarm" not in off.resources()
    assert not off.resources("AWS::CloudWatch::Alarm")


def test_the_heartbeat_runs_at_128_mb() -> None:
    """Its 43,200 invocations a camera-month are about 2 ms of CPU and a DynamoDB wait: at
    128 MB the wait costs half, which outweighs the doubled CPU time (the cost model)."""
    assert props("HeartbeatFunction")["MemorySize"] == 128


def test_delivery_concurrency_reserves_the_delivery_functions_concurrency_when_set() -> None:
    """DeliveryConcurrency=N caps the push deliveries running at once (an alarm storm's
    pushes cannot take the cameras' concurrency); 0, the default, reserves nothing (Lambda
    refuses a reservation on an account limited to 10), and the local stack follows."""
    parameter = TEMPLATE["Parameters"]["DeliveryConcurrency"]
    assert parameter["Default"] == "0"
    # The condition compares text: only one spelling of each number may pass.
    pattern = re.compile(parameter["AllowedPattern"])
    assert [v for v in ("0", "5", "999", "1000") if not pattern.match(v)] == []
    assert [v for v in ("00", "05", "-1", "1001", "5.0", "") if pattern.match(v)] == []
    for overrides, reserved in (({}, None), ({"DeliveryConcurrency": "5"}, 5)):
        stack = Stack(overrides=overrides)
        for table in ("AlarmsTable", "CamerasTable"):
            stack.attributes[(table, "StreamArn")] = f"{table}-stream"
        properties = stack.resolve(stack.properties("DeliveryFunction"))
        assert properties.get("ReservedConcurrentExecutions") == (reserved and str(reserved))
        functions = stack.functions()
        assert functions["DeliveryFunction"].reserved_concurrency == reserved
        assert {
            f.reserved_concurrency for n, f in functions.items() if n != "DeliveryFunction"
        } == {None}


def test_every_parameter_is_in_a_group_of_the_console_form() -> None:
    """CloudFormation's console shows a parameter outside every group under "Other
    parameters", away from the ones it goes with."""
    groups = TEMPLATE["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    grouped = [name for group in groups for name in group["Parameters"]]
    assert set(TEMPLATE["Parameters"]) - set(grouped) == set()
    assert len(grouped) == len(set(grouped))
