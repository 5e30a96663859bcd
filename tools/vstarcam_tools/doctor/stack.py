"""The stack check: found, complete, every output present, deployed from this CLI's template."""

from __future__ import annotations

from typing import Any

from vstarcam_tools.doctor.context import DoctorContext
from vstarcam_tools.doctor.results import CheckResult, failed, ok, warning
from vstarcam_tools.outputs import REQUIRED_OUTPUTS, StackNotFound, StackOutputs
from vstarcam_tools.template import load_template

CHECK = "stack"
DEPLOY = "sam build && sam deploy (see the README's 'Deploy to AWS')"
# The outputs the doctor reads on top of the ones every command needs.
DOCTOR_OUTPUTS = ("NotifyDeadLetterQueueUrl",)
_COMPLETE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
_ROLLED_BACK = {"UPDATE_ROLLBACK_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"}


def cli_template_version() -> str:
    """The TemplateVersion output of the template this CLI comes with."""
    return str(load_template()["Outputs"]["TemplateVersion"]["Value"])


def version_tuple(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        return ()


def check_stack(context: DoctorContext) -> CheckResult:
    """Reads the stack into ``context`` (description, parameters, outputs) and judges it."""
    cloudformation = context.client("cloudformation")
    try:
        stacks = cloudformation.describe_stacks(StackName=context.stack_name)["Stacks"]
    except cloudformation.exceptions.ClientError as error:
        if "does not exist" not in str(error):
            raise
        stacks = []
    if not stacks:
        return failed(
            CHECK,
            f"no stack named {context.stack_name!r} in {context.region}",
            f"deploy it ({DEPLOY}), or pass --stack NAME / --region REGION; for the local "
            "stack set AWS_ENDPOINT_URL to the URL 'make run' prints",
        )
    description: dict[str, Any] = stacks[0]
    context.description = description
    context.parameters = {
        p["ParameterKey"]: p.get("ParameterValue", "") for p in description.get("Parameters", [])
    }
    outputs = {o["OutputKey"]: o["OutputValue"] for o in description.get("Outputs", [])}
    status = str(description.get("StackStatus", ""))
    if status not in _COMPLETE | _ROLLED_BACK:
        in_progress = status.endswith("_IN_PROGRESS")
        return failed(
            CHECK,
            f"stack {context.stack_name} is {status}",
            "wait for it to finish, then run doctor again"
            if in_progress
            else f"see why in the CloudFormation console's Events tab, fix it and redeploy "
            f"({DEPLOY})",
        )
    missing = [n for n in (*REQUIRED_OUTPUTS, *DOCTOR_OUTPUTS) if n not in outputs]
    if missing:
        return failed(
            CHECK,
            f"stack {context.stack_name} has no {', '.join(missing)} output: it is not a "
            "vstarcam-push stack, or one deployed from a much older template",
            f"pass the right --stack NAME, or redeploy ({DEPLOY})",
        )
    try:
        context.outputs = StackOutputs.from_dict(outputs)
    except (StackNotFound, ValueError) as error:
        return failed(CHECK, f"stack outputs are unreadable: {error}", f"redeploy ({DEPLOY})")
    mine, deployed = cli_template_version(), outputs.get("TemplateVersion")
    where = f"{status} in {context.region}"
    if status in _ROLLED_BACK:
        return warning(
            CHECK,
            f"{where}: the last update failed and was rolled back, so the stack runs the "
            "template before it",
            f"see why in the CloudFormation console's Events tab, then redeploy ({DEPLOY})",
        )
    if deployed is None or version_tuple(deployed) < version_tuple(mine):
        return warning(
            CHECK,
            f"{where}: deployed from template {deployed or 'before 0.2.0'}, older than this "
            f"CLI's {mine}",
            f"redeploy from this checkout ({DEPLOY}) so the stack has what this CLI checks",
        )
    if version_tuple(deployed) > version_tuple(mine):
        return warning(
            CHECK,
            f"{where}: deployed from template {deployed}, newer than this CLI's {mine}",
            "update this checkout (git pull) and run 'make test' or 'make run' once to "
            "reinstall the CLI",
        )
    return ok(CHECK, f"{where}, every output present, template {deployed} (this CLI's)")
