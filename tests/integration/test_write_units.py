"""A heartbeat's DynamoDB write units in each camera state (issue 13).

The bench's measurement, run as a test: the real handlers against moto, each item read
before and after, the write priced by DynamoDB's rules with the template's indexes. It
fails if an index starts to be written by an online camera's heartbeat (a key or
projected attribute that such a heartbeat changes) or if the camera item grows past 1 KB.
"""

from __future__ import annotations

import pytest
from vstarcam_tools.dev.bench import write_units


@pytest.fixture(scope="module")
def measured() -> dict:
    return write_units.run()


def test_a_heartbeat_of_an_online_camera_is_one_write_unit(measured: dict) -> None:
    """The 43,200 heartbeats of a camera-month: the item only, no index, at any item size."""
    states = measured["heartbeat"]["by_state"]
    assert set(states) == {"never seen", "online", "offline", "online, largest item"}
    for state in ("online", "online, largest item"):
        assert states[state]["by_table_or_index"] == {"table": 1}, state
    for state, row in states.items():
        assert row["item_bytes"] <= 1024, state
    assert measured["heartbeat"]["units"] == 1


def test_a_heartbeat_that_brings_a_camera_online_writes_one_unit_too(
    measured: dict,
) -> None:
    """Once per outage and at a camera's first heartbeat, its status changes: no index
    holds the status (the console scans the table), so that heartbeat is one unit too."""
    states = measured["heartbeat"]["by_state"]
    for state in ("never seen", "offline"):
        assert states[state]["by_table_or_index"] == {"table": 1}, state


def test_a_sweep_that_finds_nobody_past_due_writes_nothing(measured: dict) -> None:
    sweep = measured["sweep_1000_cameras"]
    assert sweep["write_units_none_past_due"] == 0
    assert sweep["write_units_per_camera_marked_offline"] == 1  # the item, no index
    # Half a unit per 4 KB read, in each of the Scan's pages.
    assert sweep["read_units"] == pytest.approx(sweep["bytes_read"] / 4096 * 0.5, abs=2.5)


def test_a_status_change_adds_one_write_unit_of_history_off_the_heartbeat_path(
    measured: dict,
) -> None:
    """The day view's history: the notify function's one item per change, no index."""
    history = measured["status_history_per_change"]
    assert history["by_table_or_index"] == {"table": 1}
    assert history["item_bytes"] <= 120
    assert measured["heartbeat"]["units"] == 1
