"""Reading ``template.yaml``: the single source of truth for resources, functions and outputs.

The tests, the local stack and the benchmarks all build their AWS resources
(in moto) from the template's own definitions through this module, so they
cannot drift from what ``sam deploy`` creates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = PROJECT_ROOT / "template.yaml"

_SHORT_FORMS = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: f"Fn::{name}"
        for name in (
            "Sub", "GetAtt", "If", "Split", "Join", "Select", "Not", "Equals",
            "And", "Or", "FindInMap", "Base64", "GetAZs", "ImportValue",
        )
    },
}  # fmt: skip


class _CfnLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML with CloudFormation's short intrinsic tags (``!Ref``, ``!Sub``...).

    libyaml's parser where PyYAML has it (its wheels do): the same documents, parsed about
    eight times faster than the pure-Python one, which every test stack and local stack
    start paid for."""


def _construct_intrinsic(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    key = _SHORT_FORMS[suffix]
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if key == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {key: value}


_CfnLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as stream:
        return yaml.load(stream, Loader=_CfnLoader)


@dataclass(frozen=True)
class FunctionSpec:
    """One ``AWS::Serverless::Function`` with Globals applied and intrinsics resolved."""

    logical_id: str
    name: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    memory_mb: int
    timeout_s: int
    events: dict[str, dict[str, Any]]
    # LoggingConfig: LogFormat, SystemLogLevel, ApplicationLogLevel (resolved).
    logging: dict[str, str] = field(default_factory=dict)
    # ReservedConcurrentExecutions: at most this many invocations at once (None: not reserved).
    reserved_concurrency: int | None = None

    @property
    def module_file(self) -> Path:
        return self.code_dir / (self.handler.rsplit(".", 1)[0].replace(".", "/") + ".py")

    @property
    def function_name(self) -> str:
        return self.handler.rsplit(".", 1)[1]


@dataclass
class Stack:
    """The template resolved for one stack: parameters, physical names, ARNs.

    ``Ref`` of a resource resolves to a stable physical name
    (``<stack>-<logicalid>``, lower case so buckets are valid too); attributes
    (``Arn``, ``StreamArn``) come from ``attributes``, filled in as resources
    are created.
    """

    name: str = "vstarcam-push"
    region: str = "us-east-1"
    account: str = "123456789012"
    overrides: dict[str, str] = field(default_factory=dict)
    template: dict[str, Any] = field(default_factory=load_template)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        declared = self.template.get("Parameters", {})
        unknown = set(self.overrides) - set(declared)
        if unknown:
            raise ValueError(f"unknown template parameter(s): {', '.join(sorted(unknown))}")
        self.parameters = {
            name: str(self.overrides.get(name, spec.get("Default", "")))
            for name, spec in declared.items()
        }
        for name, value in self.parameters.items():
            _check_parameter(name, value, declared[name])

    # -- resources -----------------------------------------------------------
    def resources(self, type_: str | None = None) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.template["Resources"].items()
            if (type_ is None or resource["Type"] == type_)
            and self.condition(resource.get("Condition"))
        }

    def properties(self, logical_id: str) -> dict[str, Any]:
        return self.resolve(self.template["Resources"][logical_id].get("Properties", {}))

    def physical_name(self, logical_id: str) -> str:
        if logical_id in self.refs:
            return self.refs[logical_id]
        return f"{self.name}-{logical_id}".lower()

    def condition(self, name: str | None) -> bool:
        if name is None:
            return True
        return bool(self.resolve(self.template["Conditions"][name]))

    def functions(self) -> dict[str, FunctionSpec]:
        globals_ = self.template.get("Globals", {}).get("Function", {})
        specs = {}
        for logical_id in self.resources("AWS::Serverless::Function"):
            props = self.template["Resources"][logical_id]["Properties"]
            environment = {
                **globals_.get("Environment", {}).get("Variables", {}),
                **props.get("Environment", {}).get("Variables", {}),
            }
            logging_config = {
                key: str(value)
                for key, value in self.resolve(
                    {**globals_.get("LoggingConfig", {}), **props.get("LoggingConfig", {})}
                ).items()
            }
            if logging_config.get("LogFormat") == "JSON":
                # What Lambda sets from LoggingConfig; Powertools' Logger obeys the level.
                environment["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
                environment["AWS_LAMBDA_LOG_LEVEL"] = logging_config.get(
                    "ApplicationLogLevel", "INFO"
                )
            specs[logical_id] = FunctionSpec(
                logical_id=logical_id,
                name=self.physical_name(logical_id),
                code_dir=PROJECT_ROOT / props["CodeUri"],
                handler=props["Handler"],
                environment={k: str(v) for k, v in self.resolve(environment).items()},
                memory_mb=int(props.get("MemorySize", globals_.get("MemorySize", 128))),
                timeout_s=int(props.get("Timeout", globals_.get("Timeout", 3))),
                events=self.resolve(props.get("Events", {})),
                logging=logging_config,
                reserved_concurrency=_reserved(
                    self.resolve(props.get("ReservedConcurrentExecutions"))
                ),
            )
        return specs

    def outputs(self) -> dict[str, str]:
        return {
            name: str(self.resolve(output["Value"]))
            for name, output in self.template.get("Outputs", {}).items()
            if self.condition(output.get("Condition"))
        }

    # -- intrinsics ----------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value if item != _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self._ref(argument)
            if key == "Fn::GetAtt":
                logical_id, attribute = argument
                return self.get_att(logical_id, attribute)
            if key == "Fn::Sub":
                return self._sub(argument)
            if key == "Fn::If":
                name, if_true, if_false = argument
                return self.resolve(if_true if self.condition(name) else if_false)
            if key == "Fn::Split":
                delimiter, text = argument
                return str(self.resolve(text)).split(delimiter)
            if key == "Fn::Join":
                delimiter, items = argument
                return delimiter.join(str(item) for item in self.resolve(items))
            if key == "Fn::Select":
                index, items = argument
                return self.resolve(items)[int(index)]
            if key == "Fn::Equals":
                left, right = (self.resolve(item) for item in argument)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.resolve(argument[0])
            if key == "Fn::And":
                return all(self.resolve(item) for item in argument)
            if key == "Fn::Or":
                return any(self.resolve(item) for item in argument)
            if key == "Condition":
                return self.condition(argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item != _NO_VALUE}

    def _ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::StackName": self.name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": _NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.physical_name(name)

    def get_att(self, logical_id: str, attribute: str) -> str:
        if (logical_id, attribute) in self.attributes:
            return self.attributes[(logical_id, attribute)]
        if attribute == "Arn":
            return self._default_arn(logical_id)
        if attribute == "FunctionUrl":
            # A Lambda function URL's shape (CameraEndpoint=FunctionUrl); the local stack
            # points it at its own server (local/runner.py).
            host = self.physical_name(logical_id).replace("-", "")[:32]
            return f"https://{host}.lambda-url.{self.region}.on.aws/"
        raise KeyError(f"{logical_id}.{attribute} is not known yet (create the resource first)")

    def _default_arn(self, logical_id: str) -> str:
        type_ = self.template["Resources"][logical_id]["Type"]
        name = self.physical_name(logical_id)
        service = {
            "AWS::DynamoDB::Table": f"dynamodb:{self.region}:{self.account}:table/{name}",
            "AWS::S3::Bucket": f"s3:::{name}",
            "AWS::SQS::Queue": f"sqs:{self.region}:{self.account}:{name}",
            "AWS::SNS::Topic": f"sns:{self.region}:{self.account}:{name}",
            "AWS::Logs::LogGroup": f"logs:{self.region}:{self.account}:log-group:{name}",
            "AWS::IAM::Role": f"iam::{self.account}:role/{name}",
        }.get(type_, f"lambda:{self.region}:{self.account}:function:{name}")
        return f"arn:aws:{service}"

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = argument
            variables = {key: self.resolve(item) for key, item in variables.items()}
        else:
            text, variables = argument, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return self.get_att(logical_id, attribute)
            return str(self._ref(name))

        return re.sub(r"\$\{([^}!]+)\}", replace, text)


_NO_VALUE = "__AWS::NoValue__"


def _reserved(value: Any) -> int | None:
    """A function's resolved ReservedConcurrentExecutions (absent or AWS::NoValue: None)."""
    return None if value in (None, _NO_VALUE) else int(value)


def _check_parameter(name: str, value: str, spec: dict[str, Any]) -> None:
    """The checks CloudFormation makes on a parameter value, so local runs refuse what AWS would."""
    allowed = spec.get("AllowedValues")
    if allowed is not None and value not in [str(item) for item in allowed]:
        raise ValueError(f"{name}={value!r}: allowed values are {', '.join(map(str, allowed))}")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(pattern, value):
        raise ValueError(f"{name}={value!r}: {spec.get('ConstraintDescription', pattern)}")
    if spec.get("Type") == "Number":
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"{name}={value!r} must be a number") from None
        if "MinValue" in spec and number < float(spec["MinValue"]):
            raise ValueError(f"{name}={value} is below its minimum {spec['MinValue']}")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            raise ValueError(f"{name}={value} is above its maximum {spec['MaxValue']}")


def parse_parameter_overrides(items: list[str]) -> dict[str, str]:
    """``sam deploy``'s syntax: ``Key=Value`` or ``ParameterKey=K,ParameterValue=V``."""
    overrides: dict[str, str] = {}
    for item in items:
        for token in _split_overrides(item):
            match = re.fullmatch(r"ParameterKey=([^,]+),ParameterValue=(.*)", token)
            if match:
                overrides[match.group(1)] = match.group(2)
            elif "=" in token:
                key, value = token.split("=", 1)
                overrides[key] = value.strip("\"'")
            else:
                raise ValueError(f"parameter override {token!r} is not Key=Value")
    return overrides


def _split_overrides(item: str) -> list[str]:
    import shlex

    return shlex.split(item)
