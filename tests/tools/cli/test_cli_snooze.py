"""``vstarcam-push cameras snooze``: a camera's or a site's notifications held, shown by
``cameras list``, recorded in the audit trail; the console's rules and words."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.models.camera import SNOOZE_UNTIL_ON
from vstarcam_push.models.snooze import snooze_until
from vstarcam_tools.cli import cameras as cameras_cli
from vstarcam_tools.outputs import StackOutputs

from tests.conftest import VUID
from tests.tools.cli.conftest import Result
from tests.tools.cli.test_cli_audit import MOTO_CALLER, trail

OTHER = "VE0000001TEST"


@pytest.fixture
def two_cameras(cli: Callable[..., Result], deployed: StackOutputs) -> None:
    cli("cameras", "add", VUID, "--name", "Gate", "--site", "Garden")
    cli("cameras", "add", OTHER, "--name", "Hall")


def test_snooze_a_camera_for_an_hour_then_off(
    cli: Callable[..., Result], two_cameras: None, registry: CameraRegistry
) -> None:
    before = int(time.time())
    result = cli("cameras", "snooze", VUID, "1h", "--time-zone", "Europe/Paris")
    after = int(time.time())

    assert result.code == 0, result.err
    first, second = result.out.splitlines()
    assert first.startswith(f"snoozed camera {VUID} until ")
    assert first.endswith(
        "(Europe/Paris): no notification on any channel; its alarms are still stored"
    )
    assert second == f"  'vstarcam-push cameras snooze {VUID} off' turns it back on"
    camera = registry.get(VUID)
    assert camera is not None and before + 3600 <= (camera.snoozed_until or 0) <= after + 3600

    off = cli("cameras", "snooze", VUID, "off")
    assert off.code == 0
    assert off.out.strip() == f"camera {VUID}: snooze off, its notifications are sent again"
    assert registry.get(VUID).snoozed_until is None  # type: ignore[union-attr]


def test_snooze_until_morning_uses_the_machines_time_zone(
    cli: Callable[..., Result],
    two_cameras: None,
    registry: CameraRegistry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    assert cameras_cli.machine_time_zone() == "America/New_York"
    now = int(time.time())
    assert cli("cameras", "snooze", VUID, "morning").code == 0
    until = registry.get(VUID).snoozed_until  # type: ignore[union-attr]
    assert until in {snooze_until("morning", t, "America/New_York") for t in (now, now + 1)}
    entry = trail(cli)[0]
    assert entry["action"] == "camera.snoozed"
    assert entry["details"]["timeZone"] == "America/New_York"


def test_a_machine_without_a_zone_name_reckons_in_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Not/AZone")
    monkeypatch.setattr(cameras_cli.os.path, "realpath", lambda path: "/etc/localtime")
    assert cameras_cli.machine_time_zone() == "UTC"


def test_snooze_a_site_until_turned_back_on_and_list_shows_it(
    cli: Callable[..., Result], two_cameras: None, registry: CameraRegistry
) -> None:
    result = cli("cameras", "snooze", "--site", "Garden", "on")

    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "snoozed site Garden until turned back on: no notification on any channel; "
        "its alarms are still stored",
        "  'vstarcam-push cameras snooze --site 'Garden' off' turns it back on",
        f"  cameras: {VUID}",
    ]
    assert registry.get(VUID).site_snoozed_until == SNOOZE_UNTIL_ON  # type: ignore[union-attr]
    lines = cli("cameras", "list").out.splitlines()
    assert lines[0].split()[-1] == "SNOOZED"
    (gate,) = [line for line in lines if line.startswith(VUID)]
    (hall,) = [line for line in lines if line.startswith(OTHER)]
    assert gate.endswith("until turned back on (site Garden)")
    assert hall.endswith(" -")
    listed = {c["vuid"]: c for c in json.loads(cli("cameras", "list", "--json").out)}
    assert listed[VUID]["siteSnoozedUntil"] == "on" and listed[VUID]["snoozedUntil"] is None
    assert listed[OTHER]["siteSnoozedUntil"] is None

    assert cli("cameras", "snooze", "--site", "Garden", "off").code == 0
    assert "SNOOZED" not in cli("cameras", "list").out
    assert [(e["action"], e["target"], e["user"], e["details"]) for e in trail(cli)][:2] == [
        ("site.snoozed", "Garden", MOTO_CALLER, {"choice": "off", "cameras": [VUID]}),
        (
            "site.snoozed",
            "Garden",
            MOTO_CALLER,
            {"choice": "on", "until": "turned back on", "cameras": [VUID]},
        ),
    ]


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (("cameras", "snooze", VUID, "2h"), "choice '2h': give 1h, 8h, morning, on"),
        (("cameras", "snooze", VUID), "give VUID and a choice"),
        (("cameras", "snooze", "--site", "Garden", VUID, "1h"), "with --site NAME, give only"),
        (("cameras", "snooze", "VE0000009GHST", "1h"), "camera VE0000009GHST is not registered"),
        (("cameras", "snooze", "--site", "Nobody", "1h"), "no camera is in site Nobody"),
        (("cameras", "snooze", "--site", "a/b", "1h"), "site 'a/b'"),
        (
            ("cameras", "snooze", VUID, "morning", "--time-zone", "Mars/Olympus"),
            "time zone 'Mars/Olympus' is not an IANA time zone",
        ),
    ],
)
def test_a_bad_snooze_is_refused_and_changes_nothing(
    cli: Callable[..., Result],
    two_cameras: None,
    registry: CameraRegistry,
    argv: tuple[str, ...],
    error: str,
) -> None:
    result = cli(*argv)
    assert result.code != 0 and error in result.err, result.err
    assert not registry.get(VUID).snoozed(int(time.time()))  # type: ignore[union-attr]
