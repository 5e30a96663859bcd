"""The local stack's CloudFormation stack, as the CLI and ``doctor`` read it: ``DescribeStacks``.

The CLI finds the tables, bucket and URLs in the stack's outputs (``vstarcam_tools.outputs``),
so the local stack has to be a CloudFormation stack too. moto can hold one, but its
CloudFormation imports most of moto with it (EC2's region and instance tables among them):
a second of CPU at every start, most of the time the stack took to start. So
:class:`StackOutputsRoute`, in front of moto, answers ``DescribeStacks`` of the local stack
itself, in CloudFormation's own shape (query protocol, XML: what botocore parses), with the
outputs and parameters the stack would have published. Any other CloudFormation request
(another stack, ``ListStacks``, a template...) first publishes the same stack in moto, once,
then goes to moto: what a tool sees is the same stack either way.
"""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

_NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
# The query protocol's API version of CloudFormation (no other service the stack emulates
# has it), and its SigV4 signing name.
_VERSION = "2010-05-15"
_SCOPE = "/cloudformation/aws4_request"
# A CloudFormation request is a small form; anything larger is not read here.
_MAX_FORM = 64 * 1024


@dataclass
class PublishedStack:
    """The stack ``DescribeStacks`` describes."""

    name: str
    region: str
    account: str
    outputs: dict[str, str]
    parameters: dict[str, str]
    stack_id: str = ""
    created: str = field(
        default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    )

    def __post_init__(self) -> None:
        if not self.stack_id:
            self.stack_id = (
                f"arn:aws:cloudformation:{self.region}:{self.account}:stack/"
                f"{self.name}/{uuid.uuid4()}"
            )

    def describe(self) -> bytes:
        def members(pairs: dict[str, str], key: str, value: str) -> str:
            return "".join(
                f"<member><{key}>{escape(k)}</{key}><{value}>{escape(v)}</{value}></member>"
                for k, v in pairs.items()
            )

        stack = (
            f"<StackId>{escape(self.stack_id)}</StackId>"
            f"<StackName>{escape(self.name)}</StackName>"
            f"<Parameters>{members(self.parameters, 'ParameterKey', 'ParameterValue')}"
            "</Parameters>"
            f"<CreationTime>{self.created}</CreationTime>"
            "<StackStatus>CREATE_COMPLETE</StackStatus>"
            "<DisableRollback>false</DisableRollback>"
            "<NotificationARNs></NotificationARNs>"
            f"<Outputs>{members(self.outputs, 'OutputKey', 'OutputValue')}</Outputs>"
            "<Tags></Tags>"
            "<EnableTerminationProtection>false</EnableTerminationProtection>"
        )
        return (
            f'<DescribeStacksResponse xmlns="{_NAMESPACE}"><DescribeStacksResult><Stacks>'
            f"<member>{stack}</member></Stacks></DescribeStacksResult>"
            f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
            "</DescribeStacksResponse>"
        ).encode()


class StackOutputsRoute:
    """WSGI: ``DescribeStacks`` of the published stack answered here; every other request
    goes to ``app`` (moto), a CloudFormation one after the stack is published in moto too
    (``publish_in_moto``, once)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.stack: PublishedStack | None = None
        self._publish_in_moto: Callable[[PublishedStack], None] | None = None
        self._published = False
        self._lock = threading.Lock()

    def publish(
        self, stack: PublishedStack, publish_in_moto: Callable[[PublishedStack], None]
    ) -> None:
        """From now on ``DescribeStacks`` describes ``stack``."""
        self._publish_in_moto = publish_in_moto
        self.stack = stack

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        form = self._cloudformation_form(environ)
        if form is None or self.stack is None:
            return self.app(environ, start_response)
        asked = form.get("StackName", [""])[0]
        if form.get("Action", [""])[0] == "DescribeStacks" and asked in (
            "",
            self.stack.name,
            self.stack.stack_id,
        ):
            body = self.stack.describe()
            start_response(
                "200 OK",
                [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))],
            )
            return [body]
        self._in_moto()
        return self.app(environ, start_response)

    def _in_moto(self) -> None:
        # Marked before publishing: publishing is itself a CloudFormation request to moto,
        # through this route, on another of the server's threads.
        with self._lock:
            if self._published or self.stack is None or self._publish_in_moto is None:
                return
            self._published = True
        self._publish_in_moto(self.stack)

    @staticmethod
    def _cloudformation_form(environ: dict[str, Any]) -> dict[str, list[str]] | None:
        """A CloudFormation request's form (read, and put back for moto); None for any other."""
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO", "/") != "/":
            return None
        if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if not 0 < length <= _MAX_FORM:
            return None
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        form = parse_qs(body.decode("utf-8", "replace"))
        signed_for = _SCOPE in environ.get("HTTP_AUTHORIZATION", "")
        if not signed_for and form.get("Version", [""])[0] != _VERSION:
            return None
        return form
