"""Who may do what at every /api route: a matrix of routes and methods x {no token, no role,
a viewer of site A, a viewer of site B, a viewer of all sites, an admin}, each cell's
status and body asserted.

The requests go through the local stack's HTTP API (``local/http_api.py``: the template's
routes, the JWT authorizer's 401, the verified claims handed over as API Gateway hands
them, a list as ``"[a b]"`` text) to the console API function, in-process. Each cell's
AWS calls are recorded: a viewer's request never reads the push-key secret (no SSM call).
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.console_users import ConsoleUsers
from vstarcam_push.models.access import ADMIN, VIEWER, Access
from vstarcam_push.models.web_push import b64url, b64url_decode, device_id
from vstarcam_tools.events import LambdaContext
from vstarcam_tools.local.http_api import HttpApi, routes_of
from vstarcam_tools.local.workers import Invocation
from vstarcam_tools.template import Stack
from werkzeug.test import Client

from tests.conftest import REGION, TEST_SECRET, load_function
from tests.console.conftest import Console

A1, A2, B1, N1, D1, E1 = (
    "VE0000001AAAA",
    "VE0000002AAAA",
    "VE0000003BBBB",
    "VE0000004NNNN",
    "VE0000005DDDD",
    "VE0000006EEEE",
)
T0 = 1_790_000_000_000  # alarms' times, well inside the retention period of "now" below
NOW = T0 + 3_600_000
DAY = "2026-09-21"  # T0's UTC day


# The users' tokens' claims, as Cognito puts them in an access token.
def token(user: str, *groups: str) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": f"sub-{user}", "username": user, "client_id": "console"}
    if groups:
        claims["cognito:groups"] = list(groups)
    return claims


TOKENS: dict[str, dict[str, Any] | None] = {
    "no token": None,
    "no role": token("nora@example.com"),
    "viewer A": token("ann@example.com", VIEWER, "site:Site%20A"),
    "viewer B": token("bob@example.com", VIEWER, "site:Site%20B"),
    "viewer all": token("all@example.com", VIEWER, "all-sites"),
    "admin": token("admin@example.com", ADMIN),
}
VIEWERS = ("viewer A", "viewer B", "viewer all")

UNAUTHORIZED = (401, {"message": "Unauthorized"})
NO_ROLE = (
    403,
    {
        "code": "403",
        "message": "your account has no role in this console: ask an admin to give you one",
    },
)
ADMINS_ONLY = (403, {"code": "403", "message": "only an admin may do this"})

# A browser's push subscription (tests/push_fakes.py makes real ones; the keys here only
# need to be a P-256 point and 16 bytes).
_BROWSER_KEY = ec.generate_private_key(ec.SECP256R1()).public_key()
SUBSCRIPTION = {
    "endpoint": "https://fcm.googleapis.com/fcm/send/matrix-device",
    "keys": {
        "p256dh": b64url(_BROWSER_KEY.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)),
        "auth": b64url(b"0123456789abcdef"),
    },
}
DEVICE = device_id(SUBSCRIPTION["endpoint"])
NO_DEVICE = {"code": "404", "message": f"device {DEVICE} does not exist (removed?)"}


@dataclass
class World:
    console: Console
    client: Client
    alarms: dict[str, str]  # name -> alarm id
    calls: list[str]  # "service:Operation" of the current cell

    def request(
        self, user: str, method: str, path: str, body: Any = None
    ) -> tuple[int, Any, list[str]]:
        self.calls.clear()
        headers = {"Authorization": f"Bearer {user}"} if TOKENS[user] is not None else {}
        data = json.dumps(body) if body is not None else None
        if data is not None:
            headers["Content-Type"] = "application/json"
        response = self.client.open(path, method=method, headers=headers, data=data)
        return response.status_code, json.loads(response.get_data()), list(self.calls)


@pytest.fixture
def world(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    console = Console(
        module=load_function(stack, "ConsoleApiFunction", monkeypatch),
        stack=stack,
        dynamodb=dynamodb,
        s3=boto3.client("s3", region_name=REGION),
    )
    # A device's test push is handed to the delivery function (Lambda's asynchronous Invoke):
    # answered here with Lambda's 202, as moto runs no function.
    lambda_client = boto3.client("lambda", region_name=REGION)
    lambda_client.meta.events.register(
        "before-call.lambda.Invoke",
        lambda **_: (AWSResponse("https://lambda", 202, {}, None), {"StatusCode": 202}),
    )
    console.module.api.push._lambda = lambda_client
    # Each request a second after the one before: the audit trail's order is the requests'.
    ticks = itertools.count()
    console.module.api._clock = lambda: NOW / 1000 + next(ticks)
    # The secret the test cameras' keys were derived from (tests/conftest.register_camera).
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=f"/{stack.name}/push-key-secret",
        Value=base64.b64encode(TEST_SECRET).decode(),
        Type="SecureString",
    )
    registry = CameraRegistry(dynamodb, console.cameras_table)
    for vuid, name, site in (
        (A1, "Porch", "Site A"),
        (A2, "Hall", "Site A"),
        (B1, "Till", "Site B"),
        (N1, "Shed", ""),
        (D1, "Old", "Site B"),
    ):
        registry.register(vuid, name, 180, NOW // 1000, TEST_SECRET)
        if site:
            registry.set_site(vuid, site)
    alarms = {
        "XA": console.store_alarm(A1, T0 - 10_000),
        "XB": console.store_alarm(B1, T0 - 9_000),
        "A1": console.store_alarm(A1, T0),
        "A2": console.store_alarm(A2, T0 + 1_000),
        "B1": console.store_alarm(B1, T0 + 2_000),
        "N1": console.store_alarm(N1, T0 + 3_000),
    }
    users = ConsoleUsers(
        boto3.client("cognito-idp", region_name=REGION), stack.physical_name("ConsoleUserPool")
    )
    users.add("admin@example.com", Access("admin@example.com", ADMIN))
    for email in ("carol@example.com", "dave@example.com"):
        users.add(email, Access(email, VIEWER, frozenset({"Site A"})))

    calls: list[str] = []
    send = BaseClient._make_api_call

    def record(client: Any, operation: str, params: dict[str, Any]) -> Any:
        calls.append(f"{client.meta.service_model.endpoint_prefix}:{operation}")
        return send(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)

    def invoke(function: str, event: dict[str, Any]) -> Invocation:
        assert function == "ConsoleApiFunction"
        reply = console.module.lambda_handler(event, LambdaContext(aws_request_id="r"))
        return Invocation("r", reply, None, 1.0, False)

    def authorizer(header: str) -> dict[str, Any] | None:
        # The JWT check itself is tests/console/test_local_authorizer.py's: here a token
        # is the user's name.
        return TOKENS.get(header.removeprefix("Bearer "))

    api = HttpApi(
        routes_of(stack.functions()),
        invoke,
        api_id="local",
        account=stack.account,
        authorizers={"ConsoleAuthorizer": authorizer},
    )
    yield World(console, Client(api), alarms, calls)


# -- the matrix ---------------------------------------------------------------------------

Expect = dict[str, tuple[int, Any]]


def everyone(status: int, body: Any) -> Expect:
    return {user: (status, body) for user in ("viewer A", "viewer B", "viewer all", "admin")}


def admins(status: int, body: Any) -> Expect:
    return {**{viewer: ADMINS_ONLY for viewer in VIEWERS}, "admin": (status, body)}


def cameras(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "cameras": [(c["vuid"], c["site"]) for c in body["cameras"]],
        "counts": body["counts"]["total"],
        "next": body["next"],
    }


def snoozed(body: dict[str, Any]) -> Any:
    """A snooze's reply: what, how, until when (the clock ticks a second a request: the
    hours only), and the cameras it holds."""
    if "target" not in body:
        return body
    until = body["until"]
    if until is not None and until < 253_402_300_799:
        until = NOW // 1000 + round((until - NOW // 1000) / 3600) * 3600
    return (body["target"], body["choice"], until, *[c["vuid"] for c in body["cameras"]])


def ids(body: dict[str, Any]) -> list[str]:
    return [alarm["alarmId"] for alarm in body["alarms"]]


@dataclass(frozen=True)
class Cell:
    """One route, one request for every user; ``expect`` by user (the body as ``view``
    shows it), after the no-token and no-role cells' own answers."""

    route: str
    path: str
    expect: Callable[[World], Expect]
    body: Callable[[World], Any] | None = None
    view: Callable[[Any], Any] = lambda body: body


MATRIX = [
    # Reads first: what each user sees of the same fleet.
    Cell(
        "GET /api/cameras",
        "/api/cameras",
        lambda w: {
            "viewer A": (
                200,
                {"cameras": [(A1, "Site A"), (A2, "Site A")], "counts": 2, "next": None},
            ),
            "viewer B": (
                200,
                {"cameras": [(B1, "Site B"), (D1, "Site B")], "counts": 2, "next": None},
            ),
            **{
                user: (
                    200,
                    {
                        "cameras": [
                            (A1, "Site A"),
                            (A2, "Site A"),
                            (B1, "Site B"),
                            (N1, None),
                            (D1, "Site B"),
                        ],
                        "counts": 5,
                        "next": None,
                    },
                )
                for user in ("viewer all", "admin")
            },
        },
        view=cameras,
    ),
    Cell(
        "GET /api/alarms",
        "/api/alarms",
        lambda w: {
            "viewer A": (200, [w.alarms[n] for n in ("A2", "A1", "XA")]),
            "viewer B": (200, [w.alarms[n] for n in ("B1", "XB")]),
            **{
                user: (200, [w.alarms[n] for n in ("N1", "B1", "A2", "A1", "XB", "XA")])
                for user in ("viewer all", "admin")
            },
        },
        view=ids,
    ),
    # The badge's count and the poll's newest: each user's own alarms, never another site's.
    Cell(
        "GET /api/alarms/unreviewed",
        "/api/alarms/unreviewed",
        lambda w: {
            "viewer A": (200, (3, False, w.alarms["A2"])),
            "viewer B": (200, (2, False, w.alarms["B1"])),
            **{user: (200, (6, False, w.alarms["N1"])) for user in ("viewer all", "admin")},
        },
        view=lambda body: (
            (body["unreviewed"], body["more"], body["newest"]["alarmId"])
            if "unreviewed" in body
            else body
        ),
    ),
    # The day view: each user's own cameras' strips and alarms, and their unreviewed days.
    Cell(
        "GET /api/day",
        f"/api/day?date={DAY}&tz=UTC",
        lambda w: {
            "viewer A": (200, [(A2, [w.alarms["A2"]]), (A1, [w.alarms["XA"], w.alarms["A1"]])]),
            "viewer B": (200, [(D1, []), (B1, [w.alarms["XB"], w.alarms["B1"]])]),
            **{
                user: (
                    200,
                    [
                        (A2, [w.alarms["A2"]]),
                        (D1, []),
                        (A1, [w.alarms["XA"], w.alarms["A1"]]),
                        (N1, [w.alarms["N1"]]),
                        (B1, [w.alarms["XB"], w.alarms["B1"]]),
                    ],
                )
                for user in ("viewer all", "admin")
            },
        },
        view=lambda body: (
            [(c["vuid"], [a["alarmId"] for a in c["alarms"]]) for c in body["cameras"]]
            if "cameras" in body
            else body
        ),
    ),
    Cell(
        "GET /api/days",
        f"/api/days?from={DAY}&to={DAY}&tz=UTC",
        lambda w: {
            "viewer A": (200, [(DAY, 3)]),
            "viewer B": (200, [(DAY, 2)]),
            **{user: (200, [(DAY, 6)]) for user in ("viewer all", "admin")},
        },
        view=lambda body: (
            [(d["date"], d["unreviewed"]) for d in body["days"]] if "days" in body else body
        ),
    ),
    Cell(
        "GET /api/alarms/{alarmId}",
        "/api/alarms/{A1}",
        lambda w: {
            **everyone(200, (w.alarms["A1"], A1, "Porch", True)),
            "viewer B": (
                404,
                {
                    "code": "404",
                    "message": f"alarm {w.alarms['A1']} does not exist (deleted or expired)",
                },
            ),
        },
        view=lambda body: (
            (body["alarmId"], body["vuid"], body["cameraName"], body["pictureUrl"] is not None)
            if "alarmId" in body
            else body
        ),
    ),
    Cell(
        "GET /api/cameras/{vuid}/urls",
        f"/api/cameras/{A1}/urls",
        lambda w: admins(200, (A1, True, True)),
        view=lambda body: (
            (body["vuid"], "/heartbeat/" in body["heartbeatUrl"], "/alarm/" in body["alarmUrl"])
            if "vuid" in body
            else body
        ),
    ),
    Cell(
        "GET /api/users",
        "/api/users",
        lambda w: admins(
            200,
            {
                "users": [
                    ("admin@example.com", "admin", None),
                    ("carol@example.com", "viewer", ["Site A"]),
                    ("dave@example.com", "viewer", ["Site A"]),
                ],
                "sites": ["Site A", "Site B"],
                "me": "admin@example.com",
            },
        ),
        view=lambda body: (
            {
                **body,
                "users": [(u["username"], u["role"], u["sites"]) for u in body["users"]],
            }
            if "users" in body
            else body
        ),
    ),
    # Marking reviewed: every role, each on the alarms it sees; the rest are "missing".
    Cell(
        "POST /api/alarms/review",
        "/api/alarms/review",
        lambda w: {
            "viewer A": (
                200,
                {"updated": [w.alarms["A1"]], "missing": [w.alarms["B1"]], "reviewed": True},
            ),
            "viewer B": (
                200,
                {"updated": [w.alarms["B1"]], "missing": [w.alarms["A1"]], "reviewed": True},
            ),
            **{
                user: (
                    200,
                    {"updated": [w.alarms["A1"], w.alarms["B1"]], "missing": [], "reviewed": True},
                )
                for user in ("viewer all", "admin")
            },
        },
        body=lambda w: {"alarmIds": [w.alarms["A1"], w.alarms["B1"]]},
    ),
    # Snooze: every role, each on the cameras and sites it sees (another site's: 404).
    Cell(
        "PUT /api/cameras/{vuid}/snooze",
        f"/api/cameras/{A1}/snooze",
        lambda w: {
            **everyone(200, (A1, "8h", NOW // 1000 + 8 * 3600, A1)),
            "viewer B": (404, {"code": "404", "message": f"camera {A1} is not registered"}),
        },
        body=lambda w: {"choice": "8h", "timeZone": "Europe/Paris"},
        view=lambda body: snoozed(body),
    ),
    Cell(
        "DELETE /api/cameras/{vuid}/snooze",
        f"/api/cameras/{A1}/snooze",
        lambda w: {
            **everyone(200, (A1, "off", None, A1)),
            "viewer B": (404, {"code": "404", "message": f"camera {A1} is not registered"}),
        },
        view=lambda body: snoozed(body),
    ),
    Cell(
        "PUT /api/sites/{site}/snooze",
        "/api/sites/Site%20A/snooze",
        lambda w: {
            **everyone(200, ("Site A", "on", 253_402_300_799, A1, A2)),
            "viewer B": (404, {"code": "404", "message": "no camera is in site Site A"}),
        },
        body=lambda w: {"choice": "on"},
        view=lambda body: snoozed(body),
    ),
    Cell(
        "DELETE /api/sites/{site}/snooze",
        "/api/sites/Site%20A/snooze",
        lambda w: {
            **everyone(200, ("Site A", "off", None, A1, A2)),
            "viewer B": (404, {"code": "404", "message": "no camera is in site Site A"}),
        },
        view=lambda body: snoozed(body),
    ),
    # Changes: admins only (the admin's cell comes last and changes the fleet).
    Cell(
        "POST /api/cameras",
        "/api/cameras",
        lambda w: admins(201, (E1, "Gate", True, "Site A")),
        body=lambda w: {"vuid": E1, "name": "Gate", "site": "Site A"},
        view=lambda body: (
            (body["vuid"], body["name"], body["added"], body["site"]) if "vuid" in body else body
        ),
    ),
    Cell(
        "PATCH /api/cameras/{vuid}",
        f"/api/cameras/{A2}",
        lambda w: admins(200, (A2, "Hallway", False, "Site A")),
        body=lambda w: {"name": "Hallway"},
        view=lambda body: (
            (body["vuid"], body["name"], body["added"], body["site"]) if "vuid" in body else body
        ),
    ),
    Cell(
        "DELETE /api/cameras/{vuid}",
        f"/api/cameras/{D1}",
        lambda w: admins(200, {"message": f"removed camera {D1}"}),
    ),
    Cell(
        "DELETE /api/alarms/{alarmId}",
        "/api/alarms/{XA}",
        lambda w: admins(200, {"deleted": [w.alarms["XA"]]}),
    ),
    Cell(
        "POST /api/alarms/delete",
        "/api/alarms/delete",
        lambda w: admins(200, {"deleted": [w.alarms["XB"]], "missing": []}),
        body=lambda w: {"alarmIds": [w.alarms["XB"]]},
    ),
    Cell(
        "POST /api/users",
        "/api/users",
        lambda w: admins(
            201,
            {
                "username": "erin@example.com",
                "role": "viewer",
                "sites": ["Site B"],
                "allSites": False,
            },
        ),
        body=lambda w: {"email": "erin@example.com", "role": "viewer", "sites": ["Site B"]},
    ),
    Cell(
        "PATCH /api/users/{username}",
        "/api/users/carol%40example.com",
        lambda w: admins(
            200,
            {
                "username": "carol@example.com",
                "role": "viewer",
                "sites": ["Site B"],
                "allSites": False,
            },
        ),
        body=lambda w: {"sites": ["Site B"]},
    ),
    Cell(
        "DELETE /api/users/{username}",
        "/api/users/dave%40example.com",
        lambda w: admins(
            200, {"message": "removed console user dave@example.com, signed out everywhere first"}
        ),
    ),
    # Last: the audit trail holds every change the admin made above, in order.
    Cell(
        "GET /api/audit",
        "/api/audit",
        lambda w: admins(
            200,
            [
                ("user.removed", "dave@example.com"),
                ("user.changed", "carol@example.com"),
                ("user.added", "erin@example.com"),
                ("alarms.deleted", w.alarms["XB"]),
                ("alarms.deleted", w.alarms["XA"]),
                ("camera.removed", D1),
                ("camera.updated", A2),
                ("camera.registered", E1),
                # Each snooze cell's three users who may, newest first.
                *[("site.snoozed", "Site A")] * 6,
                *[("camera.snoozed", A1)] * 6,
            ],
        ),
        view=lambda body: (
            [(e["action"], e["target"]) for e in body["entries"]] if "entries" in body else body
        ),
    ),
    # Web push (after the audit cell: a viewer's device is a change too). Every user has
    # their own devices; the same browser subscribing again takes the device over, so each
    # user in turn owns DEVICE, and only its last owner (the admin) sees or changes it.
    Cell(
        "GET /api/push/key",
        "/api/push/key",
        lambda w: everyone(200, 65),
        view=lambda body: len(b64url_decode(body["publicKey"])),
    ),
    Cell(
        "POST /api/push/devices",
        "/api/push/devices",
        lambda w: {
            "viewer A": (201, (DEVICE, ["Site A"])),
            "viewer B": (201, (DEVICE, ["Site B"])),
            **{user: (201, (DEVICE, [])) for user in ("viewer all", "admin")},
        },
        body=lambda w: {"subscription": SUBSCRIPTION, "name": "Phone"},
        view=lambda body: (body["device"]["id"], body["device"]["filters"]["sites"]),
    ),
    Cell(
        "GET /api/push/devices",
        "/api/push/devices",
        lambda w: {**everyone(200, []), "admin": (200, [DEVICE])},
        view=lambda body: [device["id"] for device in body["devices"]],
    ),
    Cell(
        "PATCH /api/push/devices/{id}",
        f"/api/push/devices/{DEVICE}",
        lambda w: {**everyone(404, NO_DEVICE), "admin": (200, ("Kitchen tablet", ["alert"]))},
        body=lambda w: {"name": "Kitchen tablet", "filters": {"severities": ["alert"]}},
        view=lambda body: (body["device"]["name"], body["device"]["filters"]["severities"]),
    ),
    Cell(
        "POST /api/push/devices/{id}/test",
        f"/api/push/devices/{DEVICE}/test",
        lambda w: {**everyone(404, NO_DEVICE), "admin": (202, {"queued": True})},
    ),
    Cell(
        "DELETE /api/push/devices/{id}",
        f"/api/push/devices/{DEVICE}",
        lambda w: {**everyone(404, NO_DEVICE), "admin": (200, {"removed": DEVICE})},
    ),
    # No session at all: the token is the credential, whoever sends it (no 401 from the
    # authorizer, no role needed); a token that is none is refused before any AWS call.
    Cell(
        "POST /api/push/action",
        "/api/push/action",
        lambda w: {
            user: (401, {"code": "401", "message": "no action token, or not one"})
            for user in TOKENS
        },
        body=lambda w: {"token": "not-a-token"},
    ),
]


def test_the_matrix_covers_every_api_route_of_the_template(stack: Stack) -> None:
    """A route added to the template without its row here fails this test."""
    declared = {
        route.key for route in routes_of(stack.functions()) if route.path.startswith("/api/")
    }
    assert [cell.route for cell in MATRIX if cell.route not in declared] == []
    assert declared - {cell.route for cell in MATRIX} == set()
    assert len({cell.route for cell in MATRIX}) == len(MATRIX)


def test_every_route_answers_each_role_as_the_matrix_says(world: World) -> None:
    """GIVEN cameras in sites A and B and one in none, their alarms, and console users
    WHEN each user makes each route's request (the admin last)
    THEN every cell's status and body are the matrix's; no viewer's request reads the
    push-key secret (no SSM call at all); the admin's only where a key is issued or shown."""
    wrong: list[str] = []
    ssm_by_admin: list[str] = []
    for cell in MATRIX:
        path = cell.path.format(**world.alarms)
        body = cell.body(world) if cell.body else None
        method = cell.route.split()[0]
        expected = {"no token": UNAUTHORIZED, "no role": NO_ROLE, **cell.expect(world)}
        assert list(expected) == list(TOKENS) or set(expected) == set(TOKENS), cell.route
        for user in ("no token", "no role", *VIEWERS, "admin"):
            status, document, calls = world.request(user, method, path, body)
            want_status, want_body = expected[user]
            seen = cell.view(document) if status < 400 else document
            if (status, seen) != (want_status, want_body):
                wrong.append(
                    f"{cell.route} as {user}: {status} {seen!r} != {want_status} {want_body!r}"
                )
            ssm = [call for call in calls if call.startswith("ssm:")]
            if cell.route.split()[1].startswith("/api/push/"):
                # Web push reads its VAPID key and writes devices' subscriptions, never the
                # push-key secret (IAM allows it only those: test_console_template.py).
                ssm = []
            if user == "admin":
                ssm_by_admin += [cell.route] if ssm else []
            elif ssm:
                wrong.append(f"{cell.route} as {user} read SSM: {ssm}")
            refused = user in ("no token", "no role") or expected[user] == ADMINS_ONLY
            if refused and calls:  # refused before anything is read
                wrong.append(f"{cell.route} as {user} made AWS calls: {calls}")
    assert wrong == [], "\n".join(wrong)
    assert ssm_by_admin == [
        "GET /api/cameras/{vuid}/urls",
        "POST /api/cameras",
        "PATCH /api/cameras/{vuid}",
    ]
