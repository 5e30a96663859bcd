"""The local stack's ``DescribeStacks``, answered without moto's CloudFormation: botocore reads
it as CloudFormation's own answer, only a CloudFormation form is read, and any other
CloudFormation request finds the same stack published in moto (once)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import botocore.session
from botocore.parsers import create_parser
from vstarcam_tools.local.stack_outputs import PublishedStack, StackOutputsRoute
from werkzeug.test import Client
from werkzeug.wrappers import Response

STACK = PublishedStack(
    name="vstarcam-push",
    region="us-east-1",
    account="123456789012",
    outputs={"HeartbeatUrl": "http://127.0.0.1:3000/heartbeat", "Odd": "a<b & 'c'"},
    parameters={"RetentionDays": "30", "NotificationEmail": ""},
)
SIGNED = "AWS4-HMAC-SHA256 Credential=testing/20261207/us-east-1/{}/aws4_request, Sig=0"


def described(body: bytes) -> dict[str, Any]:
    """``body`` as botocore parses a DescribeStacks answer."""
    model = botocore.session.get_session().get_service_model("cloudformation")
    operation = model.operation_model("DescribeStacks")
    return create_parser("query").parse(
        {"status_code": 200, "headers": {}, "body": body}, operation.output_shape
    )


def test_botocore_reads_the_stack_with_its_outputs_and_parameters() -> None:
    (stack,) = described(STACK.describe())["Stacks"]
    assert stack["StackName"] == "vstarcam-push"
    assert stack["StackId"].startswith(
        "arn:aws:cloudformation:us-east-1:123456789012:stack/vstarcam-push/"
    )
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]} == STACK.outputs
    assert {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack["Parameters"]} == (
        STACK.parameters
    )


class Moto:
    """The app behind the route: what reached it, with the form it got."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.seen.append(environ["wsgi.input"].read(length))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"moto"]


def route() -> tuple[Client, Moto, list[str]]:
    moto, published = Moto(), []
    app = StackOutputsRoute(moto)
    app.publish(STACK, lambda stack: published.append(stack.name))
    return Client(app, Response), moto, published


def post(client: Client, service: str, **form: str) -> Any:
    return client.post(
        "/",
        data=urlencode(form),
        content_type="application/x-www-form-urlencoded; charset=utf-8",
        headers={"Authorization": SIGNED.format(service)},
    )


def test_describe_stacks_of_the_stack_by_name_id_or_none_is_answered_here() -> None:
    client, moto, published = route()
    for name in ("vstarcam-push", STACK.stack_id, None):
        form = {"Action": "DescribeStacks", "Version": "2010-05-15"}
        answer = post(client, "cloudformation", **form, **({"StackName": name} if name else {}))
        assert answer.status_code == 200
        assert described(answer.data)["Stacks"][0]["StackId"] == STACK.stack_id
    assert moto.seen == [] and published == []


def test_other_cloudformation_requests_find_the_stack_published_in_moto_once() -> None:
    client, moto, published = route()
    post(client, "cloudformation", Action="DescribeStacks", StackName="other", Version="2010-05-15")
    post(client, "cloudformation", Action="ListStacks", Version="2010-05-15")
    assert published == ["vstarcam-push"]
    # moto gets the form as it was sent.
    assert moto.seen == [
        b"Action=DescribeStacks&StackName=other&Version=2010-05-15",
        b"Action=ListStacks&Version=2010-05-15",
    ]


def test_other_services_pass_untouched_and_publish_nothing() -> None:
    client, moto, published = route()
    post(client, "sns", Action="DescribeStacks", Version="2010-03-31", StackName="vstarcam-push")
    upload = client.put("/bucket/key", data=b"x" * 10, content_type="image/jpeg")
    assert upload.data == b"moto"
    assert len(moto.seen) == 2 and published == []
