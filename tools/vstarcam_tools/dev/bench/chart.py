"""The cost chart of docs/performance.md, drawn by ``make bench`` from the cost model.

Three panels of cost per camera-month: the default stack stacked by service against
fleet size (1 to 100,000 cameras, heartbeat every 60 s) and against heartbeatTime (30 to
600 s, 1,000 cameras), and every choice (CameraEndpoint x CamerasCapacity) in total
against fleet size. Installers choose heartbeatTime from the second, the stack from the
third.
"""

from __future__ import annotations

from pathlib import Path

from vstarcam_tools.cost.inputs import Inputs
from vstarcam_tools.cost.model import curves
from vstarcam_tools.cost.prices import CHECKED
from vstarcam_tools.template import PROJECT_ROOT

CHART = PROJECT_ROOT / "docs" / "cost-per-camera.png"
# Services too small to see get one band together.
_SMALL = 0.002


def _services(rows: list[dict[str, float]]) -> list[str]:
    """The services big enough to show, largest first; one order (and color) for both panels."""
    names = sorted(rows[0], key=lambda name: -max(row[name] for row in rows))
    return [name for name in names if max(row[name] for row in rows) >= _SMALL]


def _series(rows: list[dict[str, float]], shown: list[str]) -> list[list[float]]:
    series = [[row[name] for row in rows] for name in shown]
    series.append([sum(v for name, v in row.items() if name not in shown) for row in rows])
    return series


def draw(inputs: Inputs, path: Path = CHART) -> Path:
    """Draw the chart to ``path`` (PNG) and return it."""
    import matplotlib

    matplotlib.use("Agg")  # no display: a file only
    import matplotlib.pyplot as plt

    data = curves(inputs)
    shown = _services(data["by_fleet_size"] + data["by_heartbeat_time"])
    labels = [*shown, "everything else"]
    colors = [plt.get_cmap("tab20")(n % 20) for n in range(len(labels))]
    figure, (by_fleet, by_heartbeat, by_choice) = plt.subplots(1, 3, figsize=(18, 5.2), dpi=110)
    for axis, xs, rows, xlabel in (
        (by_fleet, data["fleet_sizes"], data["by_fleet_size"], "cameras in the stack"),
        (
            by_heartbeat,
            data["heartbeat_times"],
            data["by_heartbeat_time"],
            "heartbeatTime (s), 1,000 cameras",
        ),
    ):
        axis.stackplot(xs, _series(rows, shown), labels=labels, colors=colors, alpha=0.9)
        axis.set_xlabel(xlabel)
        axis.set_ylabel("US$ per camera-month")
        axis.grid(True, which="both", alpha=0.3)
    by_fleet.set_xscale("log")
    by_fleet.set_ylim(0, 0.6)
    by_fleet.axhline(0.10, color="black", linestyle="--", linewidth=1)
    by_fleet.annotate("goal $0.10", (1_000, 0.105), fontsize=8)
    by_fleet.set_title("Cost per camera-month by fleet size (heartbeat every 60 s)")
    by_heartbeat.set_title("Cost per camera-month by heartbeatTime")
    by_heartbeat.set_ylim(bottom=0)
    for (choice, values), style in zip(
        data["by_choice"].items(), ("-", "--", "-.", ":"), strict=True
    ):
        default = choice == "HttpApi + OnDemand"
        by_choice.plot(
            data["fleet_sizes"],
            values,
            style,
            label=f"{choice}{' (default)' if default else ''}",
            linewidth=2.2 if default else 1.6,
        )
    by_choice.set_xscale("log")
    by_choice.set_yscale("log")
    by_choice.set_xlabel("cameras in the stack")
    by_choice.set_ylabel("US$ per camera-month (log)")
    by_choice.grid(True, which="both", alpha=0.3)
    by_choice.axhline(0.035, color="black", linestyle="--", linewidth=1)
    by_choice.annotate("goal $0.035 (FunctionUrl + Provisioned)", (1_000, 0.0365), fontsize=7)
    by_choice.set_title("Each choice, in total (CameraEndpoint + CamerasCapacity)")
    by_choice.legend(fontsize=8, loc="upper right")
    handles, labels = by_fleet.get_legend_handles_labels()
    figure.legend(handles[::-1], labels[::-1], loc="center right", fontsize=7, frameon=False)
    figure.text(
        0.01,
        0.01,
        f"Profile: 10 alarms a day with 300 KB pictures, 30-day retention, one email "
        f"subscriber, one push channel. us-east-1 list prices checked {CHECKED}, "
        "no free tiers. vstarcam-push cost prints any other profile.",
        fontsize=7,
    )
    figure.subplots_adjust(left=0.04, right=0.86, bottom=0.14, wspace=0.25)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path
