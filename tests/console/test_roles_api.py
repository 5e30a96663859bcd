"""The console API's roles and sites beyond the matrix: another site's ids answer as ids
that never were, pages of a viewer's alarms, cameras without a site, the Users routes'
refusals, and the audit trail of console and CLI changes together."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.console_users import ConsoleUsers
from vstarcam_push.models.access import ADMIN, VIEWER, Access
from vstarcam_tools.cli.main import main
from vstarcam_tools.outputs import publish_outputs
from vstarcam_tools.template import Stack

from tests.conftest import REGION, TEST_SECRET
from tests.console.conftest import Console, Reply

SMITH, JONES, LOOSE = "VE0000001SMTH", "VE0000002JONS", "VE0000003LOOS"
GHOST = "VE0000009GHST"  # never registered
NOW_MS = int(time.time() * 1000)


def claims(user: str, *groups: str) -> dict[str, str]:
    """As API Gateway hands them over: a list claim as bracketed text."""
    return {"sub": f"sub-{user}", "username": user, "cognito:groups": f"[{' '.join(groups)}]"}


ANN = claims("ann@example.com", VIEWER, "site:Smith%20house")
BOB = claims("bob@example.com", VIEWER, "site:Jones%20shop")
ALL = claims("all@example.com", VIEWER, "all-sites")
ADMIN_CLAIMS = claims("admin@example.com", ADMIN)


@pytest.fixture
def fleet(console: Console) -> dict[str, str]:
    """Cameras in Smith house, Jones shop and no site, each with an alarm."""
    registry = CameraRegistry(console.dynamodb, console.cameras_table)
    for vuid, site in ((SMITH, "Smith house"), (JONES, "Jones shop"), (LOOSE, "")):
        registry.register(vuid, vuid[-4:], 180, NOW_MS // 1000, TEST_SECRET)
        if site:
            registry.set_site(vuid, site)
    return {
        vuid: console.store_alarm(vuid, NOW_MS - 60_000 + i)
        for i, vuid in enumerate([SMITH, JONES, LOOSE])
    }


def ghost_alarm(alarm_id: str) -> str:
    """An alarm id of the same shape that names nothing stored."""
    return alarm_id[:-4] + ("0000" if not alarm_id.endswith("0000") else "1111")


def same_but_id(reply: Reply, other: Reply, alarm_id: str, other_id: str) -> bool:
    return reply.status == other.status and json.dumps(reply.body) == json.dumps(
        other.body
    ).replace(other_id, alarm_id)


def test_another_sites_alarm_answers_as_one_that_never_was(
    console: Console, fleet: dict[str, str]
) -> None:
    """GIVEN Bob, a viewer of Jones shop
    WHEN he asks for Smith house's alarm, and for an id nothing has
    THEN both answers are the same 404 but for the id: ids cannot be probed; marking it
    reviewed says "missing" for both, and changes nothing."""
    theirs, ghost = fleet[SMITH], ghost_alarm(fleet[SMITH])
    other = console.call("GET /api/alarms/{alarmId}", path={"alarmId": theirs}, claims=BOB)
    nothing = console.call("GET /api/alarms/{alarmId}", path={"alarmId": ghost}, claims=BOB)
    assert other.status == 404
    assert same_but_id(other, nothing, theirs, ghost)
    review = console.call("POST /api/alarms/review", body={"alarmIds": [theirs, ghost]}, claims=BOB)
    assert review.body == {"updated": [], "missing": [theirs, ghost], "reviewed": True}
    assert console.alarm(theirs).reviewed_at is None


def test_another_sites_camera_lists_as_a_camera_that_never_was(
    console: Console, fleet: dict[str, str]
) -> None:
    theirs = console.call("GET /api/alarms", query={"camera": SMITH}, claims=BOB)
    ghost = console.call("GET /api/alarms", query={"camera": GHOST}, claims=BOB)
    assert (
        (theirs.status, theirs.body)
        == (ghost.status, ghost.body)
        == (
            200,
            {"alarms": [], "next": None},
        )
    )
    own = console.call("GET /api/alarms", query={"camera": JONES}, claims=BOB)
    assert [a["alarmId"] for a in own.body["alarms"]] == [fleet[JONES]]


def test_a_camera_without_a_site_is_seen_by_users_of_every_site_only(
    console: Console, fleet: dict[str, str]
) -> None:
    for who, sees in ((ANN, False), (BOB, False), (ALL, True), (ADMIN_CLAIMS, True)):
        listed = console.call("GET /api/cameras", claims=who).body["cameras"]
        assert (LOOSE in [c["vuid"] for c in listed]) is sees
        alarm = console.call(
            "GET /api/alarms/{alarmId}", path={"alarmId": fleet[LOOSE]}, claims=who
        )
        assert alarm.status == (200 if sees else 404)


def test_a_removed_cameras_alarms_are_seen_by_users_of_every_site_only(
    console: Console, fleet: dict[str, str]
) -> None:
    """Its site went with it: to a viewer of some sites its alarms are no longer theirs."""
    assert console.call("DELETE /api/cameras/{vuid}", path={"vuid": SMITH}).status == 200
    ann = console.call("GET /api/alarms/{alarmId}", path={"alarmId": fleet[SMITH]}, claims=ANN)
    assert ann.status == 404
    everyone = console.call("GET /api/alarms/{alarmId}", path={"alarmId": fleet[SMITH]}, claims=ALL)
    assert everyone.status == 200


def test_a_viewer_pages_through_their_sites_alarms_only(console: Console) -> None:
    """GIVEN alarms of two sites interleaved in time
    WHEN Ann pages through the fleet's alarms two at a time
    THEN she gets exactly her site's, newest first, every one once."""
    registry = CameraRegistry(console.dynamodb, console.cameras_table)
    for vuid, site in ((SMITH, "Smith house"), (JONES, "Jones shop")):
        registry.register(vuid, "", 180, NOW_MS // 1000, TEST_SECRET)
        registry.set_site(vuid, site)
    mine = []
    for i in range(7):
        vuid = SMITH if i % 2 == 0 else JONES
        alarm_id = console.store_alarm(vuid, NOW_MS - 3_600_000 + i * 1000)
        if vuid == SMITH:
            mine.append(alarm_id)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = console.call("GET /api/alarms", query=query, claims=ANN)
        assert page.status == 200, page.body
        seen += [a["alarmId"] for a in page.body["alarms"]]
        cursor = page.body["next"]
        if cursor is None:
            break
    assert seen == list(reversed(mine))


def test_counts_are_of_the_viewers_cameras(console: Console, fleet: dict[str, str]) -> None:
    counts = console.call("GET /api/cameras", claims=ANN).body["counts"]
    assert counts["total"] == 1
    assert console.call("GET /api/cameras", claims=ADMIN_CLAIMS).body["counts"]["total"] == 3


def test_moving_a_camera_to_a_site_moves_who_sees_it(
    console: Console, fleet: dict[str, str]
) -> None:
    moved = console.call(
        "PATCH /api/cameras/{vuid}", path={"vuid": LOOSE}, body={"site": "Smith house"}
    )
    assert moved.status == 200 and moved.body["site"] == "Smith house"
    listed = console.call("GET /api/cameras", claims=ANN).body["cameras"]
    assert [(c["vuid"], c["site"]) for c in listed] == [
        (SMITH, "Smith house"),
        (LOOSE, "Smith house"),
    ]
    bad = console.call("PATCH /api/cameras/{vuid}", path={"vuid": LOOSE}, body={"site": "a/b"})
    assert bad.status == 400 and "site 'a/b'" in bad.body["message"]
    entries = console.call("GET /api/audit").body["entries"]
    assert (entries[0]["action"], entries[0]["target"], entries[0]["details"]) == (
        "camera.site",
        LOOSE,
        {"site": "Smith house"},
    )


@pytest.fixture
def users(console: Console) -> ConsoleUsers:
    found = ConsoleUsers(
        boto3.client("cognito-idp", region_name=REGION),
        console.stack.physical_name("ConsoleUserPool"),
    )
    found.add("admin@example.com", Access("admin@example.com", ADMIN))
    found.add("carol@example.com", Access("carol@example.com", VIEWER, all_sites=True))
    return found


ADD, CHANGE, REMOVE = (
    "POST /api/users",
    "PATCH /api/users/{username}",
    "DELETE /api/users/{username}",
)
OWN = "you cannot change or remove your own account here"


def invite(**fields: Any) -> dict[str, Any]:
    return {"body": {"email": "x@example.com", **fields}}


def on(user: str, **body: Any) -> dict[str, Any]:
    return {"path": {"username": user}, **({"body": body} if body else {})}


@pytest.mark.parametrize(
    ("route", "kwargs", "status", "message"),
    [
        (ADD, invite(role="owner"), 400, "role must be one of admin, viewer"),
        (ADD, invite(role="viewer"), 400, "a viewer needs their sites"),
        (ADD, invite(role="admin", sites=["A"]), 400, "an admin sees every site"),
        (ADD, invite(role="admin", email="not-an-email"), 400, "email must be an email address"),
        (ADD, invite(role="viewer", sites=["a/b"]), 400, "site 'a/b'"),
        (ADD, invite(role="admin", email="carol@example.com"), 409, "carol@example.com already"),
        (ADD, invite(role="admin", password="x"), 400, "unknown field 'password'"),
        (CHANGE, on("nobody%40example.com", role="admin"), 404, "nobody@example.com does not"),
        (CHANGE, on("admin%40example.com", role="viewer", allSites=True), 409, OWN),
        (REMOVE, on("ADMIN@example.com"), 409, OWN),
        (REMOVE, on("nobody@example.com"), 404, "does not exist"),
    ],
)
def test_the_users_routes_refuse_what_does_not_fit(
    console: Console,
    users: ConsoleUsers,
    route: str,
    kwargs: dict[str, Any],
    status: int,
    message: str,
) -> None:
    reply = console.call(route, claims=ADMIN_CLAIMS, **kwargs)
    assert reply.status == status and message in reply.body["message"], reply.body


def test_an_admin_invites_changes_and_removes_a_viewer(
    console: Console, users: ConsoleUsers
) -> None:
    added = console.call(
        "POST /api/users",
        body={"email": "ann@example.com", "role": "viewer", "sites": ["Smith house"]},
        claims=ADMIN_CLAIMS,
    )
    assert added.status == 201
    assert users.access_of("ann@example.com") == Access(
        "ann@example.com", VIEWER, frozenset({"Smith house"})
    )
    listed = console.call("GET /api/users", claims=ADMIN_CLAIMS).body["users"]
    ann = next(u for u in listed if u["username"] == "ann@example.com")
    assert ann["status"] == "FORCE_CHANGE_PASSWORD" and ann["sites"] == ["Smith house"]
    changed = console.call(
        "PATCH /api/users/{username}",
        path={"username": "ann%40example.com"},
        body={"allSites": True},
        claims=ADMIN_CLAIMS,
    )
    assert changed.body == {
        "username": "ann@example.com",
        "role": "viewer",
        "sites": None,
        "allSites": True,
    }
    assert (
        console.call(
            "DELETE /api/users/{username}",
            path={"username": "ann%40example.com"},
            claims=ADMIN_CLAIMS,
        ).status
        == 200
    )
    entries = console.call("GET /api/audit", claims=ADMIN_CLAIMS).body["entries"]
    assert [(e["action"], e["user"], e["source"], e["origin"]) for e in entries] == [
        ("user.removed", "admin@example.com", "console", "203.0.113.7"),
        ("user.changed", "admin@example.com", "console", "203.0.113.7"),
        ("user.added", "admin@example.com", "console", "203.0.113.7"),
    ]
    assert entries[1]["details"] == {
        "role": "viewer",
        "sites": "all",
        "was": {"role": "viewer", "sites": ["Smith house"]},
    }


def test_the_audit_trail_holds_a_console_delete_and_a_cli_rotate_key_by_their_users(
    console: Console, stack: Stack, fleet: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN an admin who deletes an alarm in the console, and an operator who rotates a
    camera's key with the CLI
    THEN the one trail names each change with its own user and where it came from, both
    in the console's audit view and in 'vstarcam-push audit'."""
    deleted = console.call(
        "DELETE /api/alarms/{alarmId}", path={"alarmId": fleet[JONES]}, claims=ADMIN_CLAIMS
    )
    assert deleted.status == 200
    publish_outputs(
        boto3.client("cloudformation", region_name=REGION), "vstarcam-push", stack.outputs()
    )
    assert main(["cameras", "rotate-key", SMITH]) == 0
    capsys.readouterr()
    assert main(["audit", "--json"]) == 0
    trail = [
        (e["action"], e["target"], e["user"], e["source"])
        for e in json.loads(capsys.readouterr().out)
    ]
    expected = [
        ("camera.key-rotated", SMITH, "arn:aws:sts::123456789012:user/moto", "cli"),
        ("alarms.deleted", fleet[JONES], "admin@example.com", "console"),
    ]
    assert trail == expected
    seen = console.call("GET /api/audit", claims=ADMIN_CLAIMS).body["entries"]
    assert [(e["action"], e["target"], e["user"], e["source"]) for e in seen] == expected
    only = console.call("GET /api/audit", query={"user": "admin@example.com"}).body["entries"]
    assert [e["action"] for e in only] == ["alarms.deleted"]
