"""Create a stack's stateful resources (tables, bucket, topic, queues, user pool) from
``template.yaml``.

Used against moto: in-process ``mock_aws`` in tests, moto's server in the
local stack. API Gateway, Lambda and event source mappings are not created
here: the local stack plays those parts itself.

A resource that already exists (the local stack's state restored from its last
run, ``local/state.py``) is adopted, not made again: its name, ARN, id or URL
are taken as CloudFormation would keep them, and settings that can be set again
(a queue's attributes, the bucket's configuration, the user pool's MFA, the app
client's settings) are set to the template's.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from vstarcam_tools.template import Stack


def create_resources(stack: Stack, session: Any) -> None:
    """Create every table, bucket, bucket policy, queue, topic, subscription, metric alarm,
    user pool, app client, console user, group and group membership."""
    for logical_id in stack.resources("AWS::DynamoDB::Table"):
        _create_table(stack, session.client("dynamodb", region_name=stack.region), logical_id)
    s3 = session.client("s3", region_name=stack.region)
    for logical_id in stack.resources("AWS::S3::Bucket"):
        _create_bucket(stack, s3, logical_id)
    for logical_id in stack.resources("AWS::S3::BucketPolicy"):
        props = stack.properties(logical_id)
        policy = dict(props["PolicyDocument"])
        policy["Statement"] = [s for s in policy["Statement"] if not _on_secure_transport(s)]
        if policy["Statement"]:
            s3.put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(policy))
    sqs = session.client("sqs", region_name=stack.region)
    for logical_id in stack.resources("AWS::SQS::Queue"):
        # Queues come in template order: a dead-letter queue before the queue naming it.
        props = stack.properties(logical_id)
        attributes = {
            "MessageRetentionPeriod": str(props.get("MessageRetentionPeriod", 345600)),
            "SqsManagedSseEnabled": str(props.get("SqsManagedSseEnabled", True)).lower(),
            "VisibilityTimeout": str(props.get("VisibilityTimeout", 30)),
        }
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        url = _create_queue(sqs, stack.physical_name(logical_id), attributes)
        stack.refs[logical_id] = url
        stack.attributes[(logical_id, "QueueName")] = stack.physical_name(logical_id)
        stack.attributes[(logical_id, "Arn")] = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
    sns = session.client("sns", region_name=stack.region)
    for logical_id in stack.resources("AWS::SNS::Topic"):
        props = stack.properties(logical_id)
        arn = sns.create_topic(
            Name=stack.physical_name(logical_id),
            Attributes={"DisplayName": props.get("DisplayName", "")},
        )["TopicArn"]
        stack.refs[logical_id] = arn
        stack.attributes[(logical_id, "TopicArn")] = arn
    for logical_id in stack.resources("AWS::SNS::Subscription"):
        props = stack.properties(logical_id)
        attributes = {}
        if "FilterPolicy" in props:
            attributes["FilterPolicy"] = json.dumps(props["FilterPolicy"])
            attributes["FilterPolicyScope"] = props.get("FilterPolicyScope", "MessageAttributes")
        sns.subscribe(
            TopicArn=props["TopicArn"],
            Protocol=props["Protocol"],
            Endpoint=props["Endpoint"],
            Attributes=attributes,
        )
    scheduler = session.client("scheduler", region_name=stack.region)
    for logical_id in stack.resources("AWS::Scheduler::ScheduleGroup"):
        name = stack.physical_name(logical_id)
        with contextlib.suppress(scheduler.exceptions.ConflictException):
            scheduler.create_schedule_group(Name=name)
        stack.refs[logical_id] = name
    cloudwatch = session.client("cloudwatch", region_name=stack.region)
    for logical_id in stack.resources("AWS::CloudWatch::Alarm"):
        _create_metric_alarm(stack, cloudwatch, logical_id)
    cognito = session.client("cognito-idp", region_name=stack.region)
    for logical_id in stack.resources("AWS::Cognito::UserPool"):
        _create_user_pool(stack, cognito, logical_id)
    for logical_id in stack.resources("AWS::Cognito::UserPoolClient"):
        props = stack.properties(logical_id)
        existing = _user_pool_client_id(cognito, props["UserPoolId"], props.get("ClientName"))
        if existing is None:
            client = cognito.create_user_pool_client(**props)["UserPoolClient"]
        else:
            # GenerateSecret is fixed when a client is made; the rest follows the template.
            settings = {name: value for name, value in props.items() if name != "GenerateSecret"}
            client = cognito.update_user_pool_client(ClientId=existing, **settings)[
                "UserPoolClient"
            ]
        stack.refs[logical_id] = client["ClientId"]
    for logical_id in stack.resources("AWS::Cognito::UserPoolUser"):
        props = stack.properties(logical_id)
        with contextlib.suppress(cognito.exceptions.UsernameExistsException):
            cognito.admin_create_user(**props)
        # CloudFormation's Ref of a user is its name, of a group its name.
        stack.refs[logical_id] = props["Username"]
    for logical_id in stack.resources("AWS::Cognito::UserPoolGroup"):
        props = stack.properties(logical_id)
        with contextlib.suppress(cognito.exceptions.GroupExistsException):
            cognito.create_group(**props)
        stack.refs[logical_id] = props["GroupName"]
    for logical_id in stack.resources("AWS::Cognito::UserPoolUserToGroupAttachment"):
        # Adding a member again changes nothing.
        cognito.admin_add_user_to_group(**stack.properties(logical_id))


def _create_queue(sqs: Any, name: str, attributes: dict[str, str]) -> str:
    try:
        return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])
    except sqs.exceptions.QueueNameExists:
        # Made by an earlier run with other settings: the template's apply now.
        url = str(sqs.get_queue_url(QueueName=name)["QueueUrl"])
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
        return url


def _existing_user_pool(cognito: Any, name: str) -> dict[str, Any] | None:
    """The user pool called ``name``, if one exists (user pool names need not be unique:
    the first made is taken)."""
    pools = []
    for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60):
        pools += [pool for pool in page["UserPools"] if pool["Name"] == name]
    if not pools:
        return None
    first = min(pools, key=lambda pool: pool["CreationDate"])
    return dict(cognito.describe_user_pool(UserPoolId=first["Id"])["UserPool"])


def _user_pool_client_id(cognito: Any, pool_id: str, name: str | None) -> str | None:
    if not name:
        return None
    for page in cognito.get_paginator("list_user_pool_clients").paginate(
        UserPoolId=pool_id, MaxResults=60
    ):
        for client in page["UserPoolClients"]:
            if client["ClientName"] == name:
                return str(client["ClientId"])
    return None


def _create_user_pool(stack: Stack, cognito: Any, logical_id: str) -> None:
    props = dict(stack.properties(logical_id))
    props["PoolName"] = props.pop("UserPoolName", stack.physical_name(logical_id))
    # CloudFormation takes the MFA settings with the pool; the API takes them afterwards.
    mfa = props.pop("MfaConfiguration", "OFF")
    enabled_mfas = props.pop("EnabledMfas", [])
    pool = _existing_user_pool(cognito, props["PoolName"])
    if pool is None:
        pool = cognito.create_user_pool(**props)["UserPool"]
    stack.refs[logical_id] = pool["Id"]
    stack.attributes[(logical_id, "Arn")] = pool["Arn"]
    if mfa != "OFF":
        cognito.set_user_pool_mfa_config(
            UserPoolId=pool["Id"],
            MfaConfiguration=mfa,
            SoftwareTokenMfaConfiguration={"Enabled": "SOFTWARE_TOKEN_MFA" in enabled_mfas},
        )


def _create_metric_alarm(stack: Stack, cloudwatch: Any, logical_id: str) -> None:
    """The alarm as CloudFormation names it (``<stack>-<LogicalId>-<suffix>``, no suffix here).

    moto keeps it in ``OK``: the local stack has no metrics to move it (its console logs
    dead-lettered batches instead); ``vstarcam-push doctor`` reads its state.
    """
    props = stack.properties(logical_id)
    request = {
        name: props[name]
        for name in (
            "AlarmDescription", "Namespace", "MetricName", "Dimensions", "Statistic",
            "Period", "EvaluationPeriods", "Threshold", "ComparisonOperator",
            "TreatMissingData", "AlarmActions", "Metrics",
        )
        if name in props
    }  # fmt: skip
    # A metric-math alarm (Metrics) has its periods in each metric's MetricStat.
    for name in ("Period", "EvaluationPeriods"):
        if name in request:
            request[name] = int(request[name])
    for metric in request.get("Metrics", []):
        if "MetricStat" in metric:
            metric["MetricStat"]["Period"] = int(metric["MetricStat"]["Period"])
    request["Threshold"] = float(request["Threshold"])
    cloudwatch.put_metric_alarm(AlarmName=f"{stack.name}-{logical_id}", **request)


def _on_secure_transport(statement: dict[str, Any]) -> bool:
    """moto cannot see ``aws:SecureTransport`` and denies every request under such a
    statement, and the local stack is plain HTTP by design; the template keeps it for AWS
    (tests/test_template.py checks it is there)."""
    return "aws:SecureTransport" in json.dumps(statement.get("Condition", {}))


def _create_table(stack: Stack, dynamodb: Any, logical_id: str) -> None:
    props = stack.properties(logical_id)
    name = stack.physical_name(logical_id)
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if key in props:
            request[key] = props[key]
    if "ProvisionedThroughput" in props:  # CamerasCapacity=Provisioned
        request["ProvisionedThroughput"] = {
            name: int(units) for name, units in props["ProvisionedThroughput"].items()
        }
    if "StreamSpecification" in props:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": props["StreamSpecification"]["StreamViewType"],
        }
    if props.get("SSESpecification", {}).get("SSEEnabled"):
        request["SSESpecification"] = {"Enabled": True}
    try:
        table = dynamodb.create_table(**request)["TableDescription"]
    except dynamodb.exceptions.ResourceInUseException:
        # Kept from an earlier run, with its items and its stream (same ARN).
        table = dynamodb.describe_table(TableName=name)["Table"]
    stack.attributes[(logical_id, "Arn")] = table["TableArn"]
    if "LatestStreamArn" in table:
        stack.attributes[(logical_id, "StreamArn")] = table["LatestStreamArn"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )


def _create_bucket(stack: Stack, s3: Any, logical_id: str) -> None:
    props = stack.properties(logical_id)
    name = stack.physical_name(logical_id)
    try:
        if stack.region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(
                Bucket=name, CreateBucketConfiguration={"LocationConstraint": stack.region}
            )
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    if "BucketEncryption" in props:
        s3.put_bucket_encryption(
            Bucket=name,
            # CloudFormation's property names differ from the S3 API's here.
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                    for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                ]
            },
        )
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
        )
    if "OwnershipControls" in props:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
    lifecycle = props.get("LifecycleConfiguration")
    if lifecycle:
        rules = []
        for rule in lifecycle["Rules"]:
            converted: dict[str, Any] = {
                "ID": rule.get("Id", "rule"),
                "Status": rule["Status"],
                "Filter": {"Prefix": rule.get("Prefix", "")},
            }
            if "ExpirationInDays" in rule:
                converted["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
            if "AbortIncompleteMultipartUpload" in rule:
                converted["AbortIncompleteMultipartUpload"] = {
                    "DaysAfterInitiation": int(
                        rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
                    )
                }
            rules.append(converted)
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    stack.attributes[(logical_id, "Arn")] = f"arn:aws:s3:::{name}"
