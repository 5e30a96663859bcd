"""`template.yaml` as CloudFormation receives it from `sam deploy`, made offline.

``sam deploy`` uploads the built code, points ``CodeUri``/``ContentUri`` at it and hands
the template to CloudFormation's SAM transform, the same ``samtranslator`` the SAM CLI
ships. Run here with the code locations faked and no AWS session, it gives the plain
CloudFormation resources AWS creates: each function's role with its inline statements,
the statements SAM adds for its events, and the managed policies SAM attaches (their
ARNs from the translator's bundled map, as in a real deploy).

The tests use it for what a deploy would do to a user's account: which resources an
update would replace (tests/test_stack_updates.py) and what each function's role allows
(tests/test_permissions.py).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from vstarcam_tools.template import TEMPLATE_PATH, load_template


class _NoManagedPolicyLookup:
    """SAM asks IAM for a managed policy's ARN only when its bundled map lacks the name:
    offline, that is an error (no managed policy of this template is missing from it)."""

    def load(self) -> dict[str, str]:
        raise RuntimeError("a managed policy is not in samtranslator's bundled map")


def translate(
    template: dict[str, Any] | None = None,
    parameters: dict[str, str] | None = None,
    region: str = "us-east-1",
) -> dict[str, Any]:
    """The CloudFormation template ``sam deploy`` would submit (no AWS call)."""
    source = copy.deepcopy(template if template is not None else load_template())
    for resource in source.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str):
                properties[key] = f"s3://sam-deploy-artifacts/{properties[key]}"
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=region))
    translated = translator.translate(
        source,
        parameter_values=dict(parameters or {}),
        get_managed_policy_map=_NoManagedPolicyLookup().load,
    )
    # Its usage metrics go nowhere (a dummy publisher); published, it does not warn.
    translator.metrics.publish()
    return translated


def translate_file(path: Path = TEMPLATE_PATH, **kwargs: Any) -> dict[str, Any]:
    return translate(load_template(path), **kwargs)
