"""Each function's AWS calls checked against that function's own role, as deployed.

moto, which the tests run against, does not enforce IAM: a call the code makes but the role
lacks passes every test and fails in the user's account as AccessDenied. Here every call a
function makes (recorded with botocore's event hooks, as ``vstarcam_tools.bench.calls``
counts them) becomes the IAM requests AWS would authorize (action and resource ARN: the
table, its index or stream, the bucket's key, the parameter, the queue, the topic), and
each is evaluated against the role ``sam deploy`` would create: the template's statements,
the statements SAM adds for the function's events, and the managed policies SAM attaches
(their documents from moto's copy of AWS's managed policies), all from
``vstarcam_tools.dev.deployed`` (samtranslator, offline).

The evaluation is IAM's for identity policies: an explicit Deny wins, then an Allow, else
denied; Action/NotAction, Resource/NotResource, ``*`` and ``?`` wildcards, actions
case-insensitive; conditions on the keys the template relies on (``ssm:Overwrite``,
``aws:SecureTransport``) with IAM's string and boolean operators. A condition on any other
key is taken against the call (an Allow under it is not counted on, a Deny applies).
Why not moto's IAM enforcement: it authorizes DynamoDB, SNS and SSM calls against
resource ``*`` (only S3 and SQS get theirs), so an index or parameter missing from a
resource list would pass, and its statement evaluator ignores NotResource, on which every
Deny fence of this template rests. No maintained Python evaluator of identity policies
works offline (those there are ask AWS's policy simulator).
"""

from __future__ import annotations

import functools
import json
import re
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from vstarcam_tools.template import PROJECT_ROOT, load_template

ACCOUNT = "123456789012"
DEFAULT_STACK = "vstarcam-push"
# botocore service name -> IAM's action prefix, where they differ.
_PREFIX = {"dynamodbstreams": "dynamodb", "monitoring": "cloudwatch"}
# Lambda writes the functions' logs with their roles; the code never calls CloudWatch Logs.
RUNTIME_ACTIONS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")


@dataclass(frozen=True)
class Request:
    """One authorization AWS makes for a call: an action on a resource, with the condition
    keys the request carries (of those in ``MODELLED_KEYS``)."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = (("aws:SecureTransport", "true"),)


# The condition keys whose presence and value this module knows for every request: the SDK
# always uses TLS; a PutParameter carries ssm:Overwrite when it sets Overwrite. A condition
# on any other key is unknown: an Allow under it is not counted on, a Deny under it is
# taken to apply, so the check can only be stricter than AWS.
MODELLED_KEYS = frozenset({"aws:SecureTransport", "ssm:Overwrite", "iam:PassedToService"})


@dataclass(frozen=True)
class Call:
    function: str
    service: str
    operation: str
    params: dict[str, Any] = field(hash=False, compare=False)
    region: str = "us-east-1"
    presign: bool = False

    def describe(self) -> str:
        return f"{self.service}.{self.operation}" + (" (presigned URL)" if self.presign else "")


# -- calls -> IAM requests --------------------------------------------------------------


def _table_arn(region: str, table: str) -> str:
    return f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{table}"


def _queue_arn(region: str, url: str) -> str:
    parts = urlsplit(url).path.strip("/").split("/")
    account, name = (parts[-2], parts[-1]) if len(parts) >= 2 else (ACCOUNT, parts[-1])
    return f"arn:aws:sqs:{region}:{account}:{name}"


def _parameter_arn(region: str, name: str) -> str:
    return f"arn:aws:ssm:{region}:{ACCOUNT}:parameter/{name.lstrip('/')}"


def requests_of(call: Call) -> list[Request]:
    """The IAM requests AWS authorizes for one API call."""
    prefix = _PREFIX.get(call.service, call.service)
    op, p, region = call.operation, call.params, call.region
    if prefix == "dynamodb":
        if op in ("BatchGetItem", "BatchWriteItem"):
            return [Request(f"dynamodb:{op}", _table_arn(region, t)) for t in p["RequestItems"]]
        if op in ("TransactWriteItems", "TransactGetItems"):
            kinds = {
                "Put": "PutItem",
                "Update": "UpdateItem",
                "Delete": "DeleteItem",
                "ConditionCheck": "ConditionCheckItem",
                "Get": "GetItem",
            }
            return [
                Request(f"dynamodb:{kinds[kind]}", _table_arn(region, item["TableName"]))
                for entry in p["TransactItems"]
                for kind, item in entry.items()
            ]
        if "StreamArn" in p:
            return [Request(f"dynamodb:{op}", p["StreamArn"])]
        table = p.get("TableName")
        if table is None:
            return [Request(f"dynamodb:{op}", "*")]
        arn = _table_arn(region, table)
        if p.get("IndexName"):
            arn = f"{arn}/index/{p['IndexName']}"
        return [Request(f"dynamodb:{op}", arn)]
    if prefix == "s3":
        bucket = p.get("Bucket", "")
        obj = f"arn:aws:s3:::{bucket}/{p.get('Key', '')}"
        if op in ("GetObject", "HeadObject"):
            return [Request("s3:GetObject", obj)]
        if op in ("PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"):
            return [Request("s3:PutObject", obj)]
        if op == "DeleteObjects":
            return [
                Request("s3:DeleteObject", f"arn:aws:s3:::{bucket}/{item['Key']}")
                for item in p["Delete"]["Objects"]
            ]
        if op == "CopyObject":
            source = p["CopySource"]
            if isinstance(source, dict):
                source = f"{source['Bucket']}/{source['Key']}"
            source = unquote(source.split("?", 1)[0].lstrip("/"))
            return [Request("s3:PutObject", obj), Request("s3:GetObject", f"arn:aws:s3:::{source}")]
        if op in ("ListObjects", "ListObjectsV2", "HeadBucket"):
            return [Request("s3:ListBucket", f"arn:aws:s3:::{bucket}")]
        return [Request(f"s3:{op}", obj if "Key" in p else f"arn:aws:s3:::{bucket}")]
    if prefix == "sns":
        return [Request("sns:Publish" if op == "PublishBatch" else f"sns:{op}",
                        p.get("TopicArn") or p.get("TargetArn") or "*")]  # fmt: skip
    if prefix == "sqs":
        batch = {
            "SendMessageBatch": "SendMessage",
            "DeleteMessageBatch": "DeleteMessage",
            "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
        }
        if "QueueUrl" in p:
            return [Request(f"sqs:{batch.get(op, op)}", _queue_arn(region, p["QueueUrl"]))]
        if "QueueName" in p:
            return [Request(f"sqs:{op}", f"arn:aws:sqs:{region}:{ACCOUNT}:{p['QueueName']}")]
        return [Request(f"sqs:{op}", "*")]
    if prefix == "ssm":
        if "Names" in p:
            return [Request(f"ssm:{op}", _parameter_arn(region, name)) for name in p["Names"]]
        if "Name" in p:
            context = Request("", "").context
            if op == "PutParameter" and "Overwrite" in p:
                context += (("ssm:Overwrite", str(bool(p["Overwrite"])).lower()),)
            return [Request(f"ssm:{op}", _parameter_arn(region, p["Name"]), context)]
        if "Path" in p:
            return [Request(f"ssm:{op}", _parameter_arn(region, p["Path"]))]
    if prefix == "lambda" and op == "Invoke":
        name = str(p["FunctionName"])
        if not name.startswith("arn:"):
            name = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"
        return [Request("lambda:InvokeFunction", name)]
    if prefix == "scheduler" and "Name" in p:
        group = p.get("GroupName") or "default"
        schedule = f"arn:aws:scheduler:{region}:{ACCOUNT}:schedule/{group}/{p['Name']}"
        found = [Request(f"scheduler:{op}", schedule)]
        role = (p.get("Target") or {}).get("RoleArn")
        if role:
            # Naming a role for Scheduler to assume is passing it (iam:PassRole).
            passed = (*Request("", "").context, ("iam:PassedToService", "scheduler.amazonaws.com"))
            found.append(Request("iam:PassRole", role, passed))
        return found
    if prefix == "cognito-idp" and "UserPoolId" in p:
        pool = f"arn:aws:cognito-idp:{region}:{ACCOUNT}:userpool/{p['UserPoolId']}"
        return [Request(f"cognito-idp:{op}", pool)]
    return [Request(f"{prefix}:{op}", "*")]


# -- the deployed roles -----------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """A policy statement with its intrinsics resolved for one stack; ``source`` names it
    (the role's inline policy and index, or the managed policy)."""

    effect: str
    source: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    # (operator, key, values) of its Condition, resolved.
    condition: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    # The statement as the translated template writes it, for messages.
    written: str = ""

    def covers_action(self, action: str) -> bool:
        if self.not_actions:
            return not any(_glob(a, action, ignore_case=True) for a in self.not_actions)
        return any(_glob(a, action, ignore_case=True) for a in self.actions)

    def covers_resource(self, resource: str) -> bool:
        if self.not_resources:
            return not any(_glob(r, resource) for r in self.not_resources)
        return any(_glob(r, resource) for r in self.resources)

    def applies(self, request: Request) -> bool:
        if not (self.covers_action(request.action) and self.covers_resource(request.resource)):
            return False
        if not self.condition:
            return True
        holds = _condition_holds(self.condition, dict(request.context))
        if holds is None:  # a key not modelled: never in the request's favour
            return self.effect == "Deny"
        return holds


def _condition_holds(
    condition: tuple[tuple[str, str, tuple[str, ...]], ...], context: dict[str, str]
) -> bool | None:
    """IAM's condition operators on the modelled keys; None when a key or an operator is
    not modelled."""
    for operator, key, expected in condition:
        if_exists = operator.endswith("IfExists")
        base = operator.removesuffix("IfExists")
        if key not in MODELLED_KEYS:
            return None
        if base == "Null":
            if (expected[0].lower() == "true") != (key not in context):
                return False
            continue
        if key not in context:
            if if_exists:
                continue
            return False
        actual = context[key]
        if base == "StringEquals":
            ok = actual in expected
        elif base == "StringNotEquals":
            ok = actual not in expected
        elif base in ("StringEqualsIgnoreCase", "Bool"):
            ok = actual.lower() in {value.lower() for value in expected}
        elif base == "StringLike":
            ok = any(_glob(value, actual) for value in expected)
        elif base == "StringNotLike":
            ok = not any(_glob(value, actual) for value in expected)
        else:
            return None
        if not ok:
            return False
    return True


@functools.cache
def _pattern(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(f"^{body}$", re.IGNORECASE if ignore_case else 0)


def _glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return _pattern(pattern, ignore_case).match(value) is not None


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    allowed_by: tuple[Statement, ...] = ()
    denied_by: Statement | None = None


def evaluate(statements: Iterable[Statement], request: Request) -> Decision:
    applying = [s for s in statements if s.applies(request)]
    denies = [s for s in applying if s.effect == "Deny"]
    if denies:
        return Decision(False, denied_by=denies[0])
    allows = tuple(s for s in applying if s.effect == "Allow")
    return Decision(bool(allows), allowed_by=allows)


@functools.cache
def _managed_documents() -> dict[str, dict[str, Any]]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return {name: item["Document"] for name, item in json.loads(aws_managed_policies_data).items()}


class Roles:
    """The functions' roles as ``sam deploy`` creates them, resolved for a stack name."""

    def __init__(self, translated: dict[str, Any] | None = None) -> None:
        if translated is None:
            from vstarcam_tools.dev.deployed import translate

            translated = translate()
        self.translated = translated
        self.resources: dict[str, dict[str, Any]] = translated["Resources"]
        self.functions = sorted(
            logical_id
            for logical_id, resource in self.resources.items()
            if resource["Type"] == "AWS::Lambda::Function"
        )
        self._cache: dict[tuple[str, str, str], tuple[Statement, ...]] = {}

    def role_of(self, function: str) -> str:
        role = self.resources[function]["Properties"]["Role"]
        return str(role["Fn::GetAtt"][0])

    def statements(
        self, function: str, stack: str = DEFAULT_STACK, region: str = "us-east-1"
    ) -> tuple[Statement, ...]:
        key = (function, stack, region)
        if key not in self._cache:
            resolver = _Resolver(self.resources, stack, region)
            role = self.resources[self.role_of(function)]["Properties"]
            found: list[Statement] = []
            for policy in role.get("Policies", []):
                raw = policy["PolicyDocument"]["Statement"]
                for index, statement in enumerate(_as_tuple(raw)):
                    found.append(
                        _statement(statement, f"{policy['PolicyName']}[{index}]", resolver)
                    )
            for arn in role.get("ManagedPolicyArns", []):
                name = str(arn).rsplit("/", 1)[-1]
                for index, statement in enumerate(
                    _as_tuple(_managed_documents()[name]["Statement"])
                ):
                    found.append(_statement(statement, f"managed {name}[{index}]", resolver))
            self._cache[key] = tuple(found)
        return self._cache[key]


_WRITTEN = ("Effect", "Action", "NotAction", "Resource", "NotResource", "Condition")


def _statement(raw: dict[str, Any], source: str, resolver: _Resolver) -> Statement:
    def values(key: str) -> tuple[str, ...]:
        return tuple(str(resolver.resolve(item)) for item in _as_tuple(raw.get(key)))

    return Statement(
        effect=raw["Effect"],
        source=source,
        actions=values("Action"),
        not_actions=values("NotAction"),
        resources=values("Resource"),
        not_resources=values("NotResource"),
        condition=tuple(
            (operator, key, tuple(str(resolver.resolve(v)) for v in _as_tuple(values)))
            for operator, tests in sorted(raw.get("Condition", {}).items())
            for key, values in sorted(tests.items())
        ),
        written=json.dumps({key: raw[key] for key in _WRITTEN if key in raw}),
    )


class _Resolver:
    """CloudFormation's intrinsics, as a deployed stack's ARNs; physical names are the
    local stack's and the tests' (``<stack>-<logical id, lower case>``)."""

    def __init__(self, resources: dict[str, dict[str, Any]], stack: str, region: str) -> None:
        self.resources, self.stack, self.region = resources, stack, region

    def name(self, logical_id: str) -> str:
        properties = self.resources[logical_id].get("Properties", {})
        if "LogGroupName" in properties:
            return str(self.resolve(properties["LogGroupName"]))
        return f"{self.stack}-{logical_id}".lower()

    def get_att(self, logical_id: str, attribute: str) -> str:
        kind = self.resources[logical_id]["Type"]
        name, region = self.name(logical_id), self.region
        if attribute == "StreamArn":
            return f"{_table_arn(region, name)}/stream/*"
        if attribute == "QueueName":
            return name
        return {
            "AWS::DynamoDB::Table": _table_arn(region, name),
            "AWS::SQS::Queue": f"arn:aws:sqs:{region}:{ACCOUNT}:{name}",
            "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
            "AWS::SNS::Topic": f"arn:aws:sns:{region}:{ACCOUNT}:{name}",
            "AWS::Lambda::Function": f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}",
            "AWS::IAM::Role": f"arn:aws:iam::{ACCOUNT}:role/{name}",
            "AWS::Logs::LogGroup": f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{name}:*",
            # A user pool's id is made by Cognito (moto's in the tests), not named by the
            # stack: the stack has one pool, so any pool id stands for it here.
            "AWS::Cognito::UserPool": f"arn:aws:cognito-idp:{region}:{ACCOUNT}:userpool/*",
        }[kind]

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Partition": "aws",
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT,
            "AWS::StackName": self.stack,
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        kind = self.resources[name]["Type"]
        if kind == "AWS::SNS::Topic":
            return self.get_att(name, "Arn")
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{ACCOUNT}/{self.name(name)}"
        return self.name(name)

    def resolve(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            return self.ref(value["Ref"])
        if "Fn::GetAtt" in value:
            logical_id, attribute = value["Fn::GetAtt"]
            return self.get_att(logical_id, attribute)
        if "Fn::If" in value:
            # The branch the default parameters choose (the stack the roles are read for).
            from vstarcam_tools.template import Stack

            condition, if_true, if_false = value["Fn::If"]
            return self.resolve(if_true if Stack().condition(condition) else if_false)
        if "Fn::Sub" in value:
            text = value["Fn::Sub"]

            def replace(match: re.Match[str]) -> str:
                name = match.group(1)
                if "." in name and not name.startswith("AWS::"):
                    return self.get_att(*name.split(".", 1))
                return self.ref(name)

            return re.sub(r"\$\{([^}!]+)\}", replace, text)
        raise ValueError(f"cannot resolve {value} in a policy")


# -- what a missing permission needs ----------------------------------------------------


def stack_of(request: Request, resources: dict[str, dict[str, Any]]) -> str:
    """The stack a request's resource belongs to (its physical names carry the stack's)."""
    parameter = re.match(r"arn:aws:ssm:[^:]*:[^:]*:parameter/([^/]+)/", request.resource)
    if parameter:
        return parameter.group(1)
    name = re.split(r"[:/]", request.resource.split(":::", 1)[-1])
    candidates = [part for part in name if part]
    for part in candidates:
        for logical_id in resources:
            suffix = f"-{logical_id.lower()}"
            if part.endswith(suffix) and len(part) > len(suffix):
                return part[: -len(suffix)]
    return DEFAULT_STACK


def needed_statement(request: Request, stack: str, resources: dict[str, dict[str, Any]]) -> str:
    """The template statement that would allow ``request``, in template.yaml's own terms."""
    resource = request.resource
    written = f'"{resource}"'
    by_name = {f"{stack}-{logical_id}".lower(): logical_id for logical_id in resources}
    table = re.match(r"arn:aws:dynamodb:[^:]*:[^:]*:table/([^/]+)(/.*)?$", resource)
    if table and table.group(1) in by_name:
        logical_id, rest = by_name[table.group(1)], table.group(2) or ""
        if rest.startswith("/stream/"):
            written = f"!GetAtt {logical_id}.StreamArn"
        elif rest:
            written = f'!Sub "${{{logical_id}.Arn}}{rest}"'
        else:
            written = f"!GetAtt {logical_id}.Arn"
    bucket = re.match(r"arn:aws:s3:::([^/]+)(/([^/]+/)?.*)?$", resource)
    if bucket and bucket.group(1) in by_name:
        logical_id = by_name[bucket.group(1)]
        prefix = bucket.group(3)
        written = (
            f"!Sub ${{{logical_id}.Arn}}/{prefix}*"
            if prefix
            else (
                f"!Sub ${{{logical_id}.Arn}}/*" if bucket.group(2) else f"!GetAtt {logical_id}.Arn"
            )
        )
    named = re.match(r"arn:aws:(sqs|sns):[^:]*:[^:]*:(.+)$", resource)
    if named and named.group(2) in by_name:
        logical_id = by_name[named.group(2)]
        written = f"!Ref {logical_id}" if named.group(1) == "sns" else f"!GetAtt {logical_id}.Arn"
    parameter = re.match(r"arn:aws:ssm:[^:]*:[^:]*:parameter/(.*)$", resource)
    if parameter:
        path = parameter.group(1).replace(f"{stack}/", "${AWS::StackName}/", 1)
        written = (
            "!Sub arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/" + path
        )
    return f"- Effect: Allow\n  Action: {request.action}\n  Resource: {written}"


@dataclass(frozen=True)
class Violation:
    call: Call
    request: Request
    decision: Decision
    stack: str
    needed: str

    def message(self) -> str:
        why = (
            f"its statement {self.decision.denied_by.source} denies it: "
            f"{self.decision.denied_by.written}"
            if self.decision.denied_by
            else "no statement of its role allows it"
        )
        return (
            f"{self.call.function} calls {self.call.describe()}, which AWS authorizes as "
            f"{self.request.action} on {self.request.resource}, and {why}. "
            f"In template.yaml its Policies would need:\n{self.needed}"
        )


class Checker:
    """Evaluates calls against their function's deployed role, keeping every request."""

    def __init__(self, roles: Roles | None = None) -> None:
        self._roles = roles
        self.calls: list[Call] = []
        self.violations: list[Violation] = []
        self.lock = threading.Lock()

    @property
    def roles(self) -> Roles:
        if self._roles is None:
            self._roles = Roles()
        return self._roles

    def check(self, call: Call) -> list[Violation]:
        found = []
        resources = self.roles.resources
        for request in requests_of(call):
            stack = stack_of(request, resources)
            statements = self.roles.statements(call.function, stack, call.region)
            decision = evaluate(statements, request)
            if not decision.allowed:
                needed = needed_statement(request, stack, resources)
                found.append(Violation(call, request, decision, stack, needed))
        with self.lock:
            self.calls.append(call)
            self.violations.extend(found)
        return found

    def unused(self, platform: Iterable[Call] = ()) -> dict[str, list[str]]:
        """Per function, the (action, resource) pairs its inline Allow statements grant that
        no recorded call (nor its event sources) used; logs actions are the runtime's."""
        used: dict[tuple[str, str], set[tuple[str, str]]] = {}
        for call in [*self.calls, *platform]:
            for request in requests_of(call):
                stack = stack_of(request, self.roles.resources)
                for statement in evaluate(
                    self.roles.statements(call.function, stack, call.region), request
                ).allowed_by:
                    for action in statement.actions:
                        if _glob(action, request.action, ignore_case=True):
                            for resource in statement.resources:
                                if _glob(resource, request.resource):
                                    used.setdefault((call.function, statement.source), set()).add(
                                        (action, resource)
                                    )
        report: dict[str, list[str]] = {}
        exercised = {call.function for call in self.calls}
        for function in sorted(exercised):
            for statement in self.roles.statements(function):
                if statement.effect != "Allow" or statement.source.startswith("managed "):
                    continue
                for action in statement.actions:
                    if action in RUNTIME_ACTIONS:
                        continue
                    for resource in statement.resources:
                        if (action, resource) not in used.get((function, statement.source), set()):
                            report.setdefault(function, []).append(f"{action} on {resource}")
        return report


def platform_calls(template: dict[str, Any] | None = None) -> list[Call]:
    """What Lambda itself does with each function's role for its event sources: read the
    subscribed streams and queues, and send failed batches to the on-failure queue."""
    template = template or load_template()
    calls = []
    for function, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            properties = event.get("Properties", {})
            if event["Type"] == "DynamoDB":
                table = properties["Stream"]["Fn::GetAtt"][0]
                stream = _table_arn("us-east-1", f"{DEFAULT_STACK}-{table}".lower())
                stream += "/stream/2026-01-01T00:00:00.000"
                for operation in ("DescribeStream", "GetRecords", "GetShardIterator"):
                    calls.append(
                        Call(function, "dynamodbstreams", operation, {"StreamArn": stream})
                    )
                calls.append(Call(function, "dynamodbstreams", "ListStreams", {}))
            if event["Type"] == "SQS":
                queue = properties["Queue"]["Fn::GetAtt"][0]
                url = f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{DEFAULT_STACK}-{queue}"
                for operation in ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes"):
                    calls.append(Call(function, "sqs", operation, {"QueueUrl": url.lower()}))
            destination = properties.get("DestinationConfig", {}).get("OnFailure", {})
            calls += _on_failure_calls(function, destination)
        # The asynchronous invocations' on-failure destination.
        config = resource["Properties"].get("EventInvokeConfig", {})
        calls += _on_failure_calls(
            function, config.get("DestinationConfig", {}).get("OnFailure", {})
        )
    return calls


def _on_failure_calls(function: str, destination: dict[str, Any]) -> list[Call]:
    if destination.get("Type") == "SQS":
        queue = destination["Destination"]["Fn::GetAtt"][0]
        url = f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{DEFAULT_STACK}-{queue}"
        return [Call(function, "sqs", "SendMessage", {"QueueUrl": url.lower()})]
    if destination.get("Type") == "SNS":
        topic = destination["Destination"]["Ref"]
        arn = f"arn:aws:sns:us-east-1:{ACCOUNT}:{DEFAULT_STACK}-{topic}".lower()
        return [Call(function, "sns", "Publish", {"TopicArn": arn})]
    if destination.get("Type") == "Lambda":
        target = destination["Destination"]["Fn::GetAtt"][0]
        name = f"{DEFAULT_STACK}-{target}".lower()
        arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
        return [Call(function, "lambda", "Invoke", {"FunctionName": arn})]
    return []


# -- recording the functions' calls -----------------------------------------------------


@functools.cache
def _handler_files() -> dict[str, str]:
    """functions/<dir>/app.py -> the function's logical id."""
    template = load_template()
    return {
        str((PROJECT_ROOT / resource["Properties"]["CodeUri"] / "app.py").resolve()): logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def calling_function() -> str | None:
    """The function whose handler module is on the current stack (its import or a call)."""
    files = _handler_files()
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.endswith("app.py"):
            found = files.get(str(Path(filename).resolve()))
            if found:
                return found
        frame = frame.f_back
    return None


class Recorder:
    """Hooks botocore: a client made while a function's handler module is on the stack
    (at its import, or lazily in a call) belongs to that function, and every call through
    it (presigned URLs included) is checked by ``checker``, on whatever thread it runs.
    The client's own event hook sees the call before anything else does (a test's fault
    injection included), and changes nothing."""

    def __init__(self, checker: Checker) -> None:
        self.checker = checker

    def install(self) -> None:
        import boto3
        import botocore.handlers

        entry = ("creating-client-class", self._client_class)
        if entry not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append(entry)
        session = getattr(boto3, "DEFAULT_SESSION", None)
        if session is not None:
            session.events.register("creating-client-class", self._client_class)

    def _client_class(self, base_classes: list[type], **_: Any) -> None:
        function = calling_function()
        if function is None:
            return
        checker = self.checker

        class FunctionClient:
            """Mixed into the client's class: its calls are checked as ``function``'s."""

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                meta = self.meta  # type: ignore[attr-defined]
                service = meta.service_model.service_name
                region = meta.region_name or "us-east-1"

                def record(params: dict[str, Any], model: Any, context: Any, **_: Any) -> None:
                    presign = bool((context or {}).get("is_presign_request"))
                    kept = _essentials(params)
                    checker.check(Call(function, service, model.name, kept, region, presign))

                meta.events.register("provide-client-params", record)

        base_classes.insert(0, FunctionClient)


_NAMING = (
    "TableName", "IndexName", "StreamArn", "Bucket", "Key", "CopySource", "TopicArn",
    "TargetArn", "QueueUrl", "QueueName", "Name", "Names", "Path", "Overwrite", "UserPoolId",
    "FunctionName", "GroupName",
)  # fmt: skip


def _essentials(params: dict[str, Any]) -> dict[str, Any]:
    """What names a call's resources, without its payload (bodies, items): the checker
    keeps every call of a run."""
    kept = {key: params[key] for key in _NAMING if key in params}
    if "RequestItems" in params:
        kept["RequestItems"] = dict.fromkeys(params["RequestItems"])
    if "TransactItems" in params:
        kept["TransactItems"] = [
            {kind: {"TableName": item.get("TableName")} for kind, item in entry.items()}
            for entry in params["TransactItems"]
        ]
    if "Delete" in params:
        kept["Delete"] = {"Objects": [{"Key": o["Key"]} for o in params["Delete"]["Objects"]]}
    if isinstance(params.get("Target"), dict) and "RoleArn" in params["Target"]:
        kept["Target"] = {"RoleArn": params["Target"]["RoleArn"]}
    return kept
