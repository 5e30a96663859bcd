"""The offline sweep: online cameras whose heartbeats stopped become offline."""

from __future__ import annotations

from dataclasses import dataclass

from vstarcam_push.dal.camera_fleet import CameraFleet


@dataclass(frozen=True)
class SweepResult:
    past_due: int
    marked_offline: list[str]


def sweep_offline(fleet: CameraFleet, now: int) -> SweepResult:
    """Find the past-due cameras (a Scan); each is marked offline by a conditional update.

    A heartbeat (or an alarm) that lands between the Scan and the update moves
    the deadline, the condition fails, and the camera stays online.
    """
    due = fleet.past_due(now)
    return SweepResult(
        past_due=len(due),
        marked_offline=[vuid for vuid in due if fleet.mark_offline(vuid, now)],
    )
