"""Lambda function URLs (``CameraEndpoint=FunctionUrl``), as the local stack plays them.

A function URL sends its function the HTTP API's payload 2.0 with three differences the
handlers see: ``routeKey`` is ``$default`` (no route matched anything: every method and
path reaches the function), there are no ``pathParameters`` (the push key is read from
``rawPath``, ``HttpRequest.camera_key``), and ``requestContext`` names the URL's own host
(``<url-id>.lambda-url.<region>.on.aws``) and no stage of an API.
"""

from __future__ import annotations

import copy
from typing import Any

from vstarcam_tools.template import Stack


def function_url_targets(stack: Stack) -> set[str]:
    """The logical ids of the functions the stack gives a function URL (none by default)."""
    targets = set()
    for logical_id in stack.resources("AWS::Lambda::Url"):
        target = stack.template["Resources"][logical_id]["Properties"]["TargetFunctionArn"]
        # !GetAtt Function.Arn or !Ref Function
        name = target.get("Fn::GetAtt", [target.get("Ref")])[0]
        targets.add(str(name))
    return targets


def function_url_event(api_event: dict[str, Any], url_id: str, region: str) -> dict[str, Any]:
    """The event a function URL sends for the request that ``api_event`` describes."""
    event = copy.deepcopy(api_event)
    event["routeKey"] = "$default"
    event.pop("pathParameters", None)
    context = event["requestContext"]
    domain = f"{url_id}.lambda-url.{region}.on.aws"
    context.update(
        {"routeKey": "$default", "stage": "$default", "apiId": url_id, "domainPrefix": url_id}
    )
    context["domainName"] = domain
    event["headers"]["host"] = domain
    context.pop("authorizer", None)
    return event
