"""The console API's snooze routes beyond the access matrix: what is stored and shown, a
site's snooze on its cameras, what the audit trail records, and every bad request's 400."""

from __future__ import annotations

import time
from typing import Any

import pytest
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.models.camera import SNOOZE_UNTIL_ON
from vstarcam_push.models.snooze import snooze_until

from tests.conftest import TEST_SECRET
from tests.console.conftest import Console
from tests.console.test_roles_api import ADMIN_CLAIMS, ANN, BOB, GHOST, JONES, LOOSE, SMITH

SMITH2 = "VE0000004SMTH"
NOW = 1_795_700_000  # 2026-11-26 13:33:20 UTC


@pytest.fixture
def fleet(console: Console) -> CameraRegistry:
    """Two cameras in Smith house, one in Jones shop, one in no site; the API's clock fixed."""
    registry = CameraRegistry(console.dynamodb, console.cameras_table)
    for vuid, site in ((SMITH, "Smith house"), (SMITH2, "Smith house"), (JONES, "Jones shop")):
        registry.register(vuid, vuid[-4:], 180, NOW, TEST_SECRET)
        registry.set_site(vuid, site)
    registry.register(LOOSE, "Loose", 180, NOW, TEST_SECRET)
    console.module.api._clock = lambda: float(NOW)
    return registry


def listed(console: Console, claims: dict[str, str] = ADMIN_CLAIMS) -> dict[str, Any]:
    cameras = console.call("GET /api/cameras", claims=claims).body["cameras"]
    return {c["vuid"]: (c["snoozedUntil"], c["siteSnoozedUntil"]) for c in cameras}


def audit(console: Console) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The trail's entries (the API's clock stands still: sorted, not in time order)."""
    entries = console.call("GET /api/audit", query={"since": "0"}).body["entries"]
    return sorted(((e["user"], e["action"], e["target"], e["details"]) for e in entries), key=repr)


def test_a_viewer_snoozes_a_camera_of_their_site_and_the_card_shows_until_when(
    console: Console, fleet: CameraRegistry
) -> None:
    reply = console.call(
        "PUT /api/cameras/{vuid}/snooze",
        path={"vuid": SMITH},
        body={"choice": "morning", "timeZone": "Europe/Paris"},
        claims=ANN,
    )

    morning = snooze_until("morning", NOW, "Europe/Paris")
    assert reply.status == 200
    assert reply.body["target"] == SMITH and reply.body["until"] == morning
    (card,) = reply.body["cameras"]
    assert card["snoozedUntil"] == morning and card["siteSnoozedUntil"] is None
    assert listed(console, ANN) == {SMITH: (morning, None), SMITH2: (None, None)}
    assert fleet.get(SMITH).snoozed(NOW)  # type: ignore[union-attr]
    assert audit(console) == [
        (
            "ann@example.com",
            "camera.snoozed",
            SMITH,
            {"choice": "morning", "until": "2026-11-27T06:00:00Z", "timeZone": "Europe/Paris"},
        )
    ]


def test_another_sites_camera_answers_as_one_that_is_not_registered(
    console: Console, fleet: CameraRegistry
) -> None:
    """Bob (Jones shop) cannot snooze Smith house's camera nor a camera in no site, and
    cannot tell them from a vuid that was never registered."""
    body = {"choice": "1h"}
    route = "PUT /api/cameras/{vuid}/snooze"
    theirs = console.call(route, path={"vuid": SMITH}, body=body, claims=BOB)
    loose = console.call(route, path={"vuid": LOOSE}, body=body, claims=BOB)
    ghost = console.call(route, path={"vuid": GHOST}, body=body, claims=BOB)
    off = console.call("DELETE /api/cameras/{vuid}/snooze", path={"vuid": SMITH}, claims=BOB)

    for reply, vuid in ((theirs, SMITH), (loose, LOOSE), (ghost, GHOST), (off, SMITH)):
        assert reply.status == 404
        assert reply.body == {"code": "404", "message": f"camera {vuid} is not registered"}
    assert listed(console)[SMITH] == (None, None)
    assert audit(console) == []


def test_a_site_snooze_holds_each_of_its_cameras_and_one_can_be_turned_back_on(
    console: Console, fleet: CameraRegistry
) -> None:
    reply = console.call(
        "PUT /api/sites/{site}/snooze",
        path={"site": "Smith%20house"},
        body={"choice": "8h"},
        claims=ANN,
    )

    until = NOW + 8 * 3600
    assert reply.status == 200
    assert [c["vuid"] for c in reply.body["cameras"]] == [SMITH, SMITH2]
    assert listed(console) == {
        SMITH: (None, until),
        SMITH2: (None, until),
        JONES: (None, None),
        LOOSE: (None, None),
    }
    # Turning one camera back on clears its site's snooze on it only.
    console.call("DELETE /api/cameras/{vuid}/snooze", path={"vuid": SMITH}, claims=ANN)
    assert listed(console, ANN) == {SMITH: (None, None), SMITH2: (None, until)}
    # And the site back on, by another user (an admin), releases the rest.
    reply = console.call("DELETE /api/sites/{site}/snooze", path={"site": "Smith house"})
    assert reply.status == 200 and reply.body["until"] is None
    assert listed(console, ANN) == {SMITH: (None, None), SMITH2: (None, None)}
    assert audit(console) == sorted(
        [
            (
                "admin@example.com",
                "site.snoozed",
                "Smith house",
                {"choice": "off", "cameras": [SMITH, SMITH2]},
            ),
            ("ann@example.com", "camera.snoozed", SMITH, {"choice": "off"}),
            (
                "ann@example.com",
                "site.snoozed",
                "Smith house",
                {"choice": "8h", "until": "2026-11-26T21:33:20Z", "cameras": [SMITH, SMITH2]},
            ),
        ],
        key=repr,
    )


def test_another_site_or_an_empty_one_answers_404(console: Console, fleet: CameraRegistry) -> None:
    route = "PUT /api/sites/{site}/snooze"
    theirs = console.call(route, path={"site": "Smith house"}, body={"choice": "on"}, claims=BOB)
    empty = console.call(route, path={"site": "Nobody"}, body={"choice": "on"}, claims=BOB)
    assert theirs.status == empty.status == 404
    assert theirs.body == {"code": "404", "message": "no camera is in site Smith house"}
    assert empty.body == {"code": "404", "message": "no camera is in site Nobody"}
    assert listed(console)[SMITH] == (None, None)


def test_until_turned_back_on(console: Console, fleet: CameraRegistry) -> None:
    reply = console.call(
        "PUT /api/cameras/{vuid}/snooze", path={"vuid": JONES}, body={"choice": "on"}, claims=BOB
    )
    assert reply.status == 200 and reply.body["until"] == SNOOZE_UNTIL_ON
    assert audit(console)[0][3] == {"choice": "on", "until": "turned back on"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "send choice: 1h, 8h, morning or on (until turned back on)"),
        ({"choice": "2h"}, "choice must be one of 1h, 8h, morning, on, or off"),
        ({"choice": 1}, "choice must be one of 1h, 8h, morning, on, or off"),
        ({"choice": "off"}, "choice must be one of 1h, 8h, morning, on; DELETE turns a snooze off"),
        (
            {"choice": "morning"},
            "timeZone must be an IANA time zone, e.g. Europe/Paris (needed for morning)",
        ),
        (
            {"choice": "morning", "timeZone": "Mars/Olympus"},
            "time zone 'Mars/Olympus' is not an IANA time zone (e.g. Europe/Paris)",
        ),
        (
            {"choice": "1h", "timeZone": 3},
            "timeZone must be an IANA time zone, e.g. Europe/Paris (needed for morning)",
        ),
        ({"choice": "1h", "minutes": 5}, "unknown field 'minutes' (allowed: choice, timeZone)"),
        ("[]", "request body must be a JSON object"),
        ("1h", "request body is not JSON"),
    ],
)
def test_a_bad_snooze_is_a_400_that_says_what_is_wrong(
    console: Console, fleet: CameraRegistry, body: Any, message: str
) -> None:
    reply = console.call("PUT /api/cameras/{vuid}/snooze", path={"vuid": SMITH}, body=body)
    assert (reply.status, reply.body) == (400, {"code": "400", "message": message})
    site = console.call("PUT /api/sites/{site}/snooze", path={"site": "Smith house"}, body=body)
    assert (site.status, site.body) == (400, {"code": "400", "message": message})
    assert listed(console)[SMITH] == (None, None)


def test_a_bad_vuid_or_site_name_is_a_400(console: Console, fleet: CameraRegistry) -> None:
    vuid = console.call(
        "PUT /api/cameras/{vuid}/snooze", path={"vuid": "x!"}, body={"choice": "1h"}
    )
    site = console.call("PUT /api/sites/{site}/snooze", path={"site": "a/b"}, body={"choice": "1h"})
    assert vuid.status == site.status == 400
    assert "site 'a/b'" in site.body["message"]


def test_a_snoozed_camera_still_lists_its_alarms(console: Console, fleet: CameraRegistry) -> None:
    """Snooze holds notifications only: the grid shows the alarms as ever."""
    alarm = console.store_alarm(SMITH, int(time.time() * 1000) - 1000)
    console.call("PUT /api/cameras/{vuid}/snooze", path={"vuid": SMITH}, body={"choice": "on"})
    console.module.api._clock = time.time
    alarms = console.call("GET /api/alarms", claims=ANN).body["alarms"]
    assert [a["alarmId"] for a in alarms] == [alarm]
