"""AWS calls counted with botocore event hooks: which clients a function makes, which calls.

A ``CallLog`` attached to a boto3 session sees every client made from it and
every API call (once per call, not per retry), with the caller's parameters:
enough to count calls by kind and to replay them for the cold-start floor.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

DYNAMODB_WRITES = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)
DYNAMODB_READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
KINDS = ("dynamodb_write", "dynamodb_read", "s3", "sns")


# botocore's events name a service by its hyphenated service id, which is not always the
# name boto3.client() takes (the console API's Cognito client).
_CLIENT_NAMES = {"cognito-identity-provider": "cognito-idp", "dynamodb-streams": "dynamodbstreams"}


def client_name(service_id: str) -> str:
    return _CLIENT_NAMES.get(service_id, service_id)


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    params: dict[str, Any]
    # A presigned URL is computed, not sent: no AWS call, but the floor computes it too.
    presign: bool = False

    @property
    def kind(self) -> str:
        if self.service == "dynamodb":
            if self.operation in DYNAMODB_WRITES:
                return "dynamodb_write"
            if self.operation in DYNAMODB_READS:
                return "dynamodb_read"
        return self.service


@dataclass
class CallLog:
    clients: list[str] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    read_items: int = 0

    def attach(self, session: Any) -> None:
        """Hook a boto3 session: clients made from it afterwards report here."""
        events = session.events
        events.register("creating-client-class", self._client_created)
        events.register("provide-client-params", self._call_made)
        events.register("after-call.dynamodb", self._response_read)

    def clear(self) -> None:
        self.clients.clear()
        self.calls.clear()
        self.read_items = 0

    def counts(self) -> dict[str, int]:
        counted = dict.fromkeys(KINDS, 0)
        for call in self.calls:
            if not call.presign:
                counted[call.kind] = counted.get(call.kind, 0) + 1
        return counted

    def _client_created(self, event_name: str, **_: Any) -> None:
        self.clients.append(client_name(event_name.rsplit(".", 1)[-1]))

    def _call_made(
        self, event_name: str, params: dict[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        _, service, operation = event_name.split(".", 2)
        service = client_name(service)
        presign = bool(context.get("is_presign_request"))
        self.calls.append(Call(service, operation, copy.deepcopy(params), presign))

    def _response_read(self, event_name: str, parsed: dict[str, Any], **_: Any) -> None:
        """Items DynamoDB read for the caller: what a query or a get is billed on."""
        operation = event_name.rsplit(".", 1)[-1]
        if operation in ("Query", "Scan"):
            self.read_items += int(parsed.get("ScannedCount", 0))
        elif operation == "GetItem":
            self.read_items += 1 if parsed.get("Item") else 0
        elif operation == "BatchGetItem":
            self.read_items += sum(len(items) for items in parsed.get("Responses", {}).values())
