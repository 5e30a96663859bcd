"""``python -m vstarcam_tools.dev.bench`` (``make bench``): run the benchmarks, print a table,
write ``benchmarks/results.json``. See docs/performance.md for what the numbers mean."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from vstarcam_tools.cost.model import summary
from vstarcam_tools.cost.prices import PRICE
from vstarcam_tools.dev.bench import cost_inputs, report
from vstarcam_tools.dev.bench.aws import MotoServer, isolate_from_real_aws
from vstarcam_tools.template import PROJECT_ROOT

SECTIONS = (
    "cold_start",
    "ingest",
    "units",
    "sweep",
    "throughput",
    "console",
    "media",
    "push_latency",
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m vstarcam_tools.dev.bench",
        description="Benchmarks of vstarcam-push (docs/performance.md).",
    )
    parser.add_argument(
        "--runs", type=int, default=15, help="cold starts per function and side (default 15)"
    )
    parser.add_argument(
        "--ingest-runs", type=int, default=25, help="timed ingests per size (default 25)"
    )
    parser.add_argument(
        "--throughput-seconds",
        type=float,
        default=30.0,
        help="how long the simulated cameras run against the local stack (default 30)",
    )
    parser.add_argument("--cameras", type=int, default=200, help="simulated cameras (default 200)")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SECTIONS,
        default=list(SECTIONS),
        help="run only these sections; the others keep their values from the output file",
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a goal is missed (for CI)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=cost_inputs.RESULTS,
        help="where to write the results (default benchmarks/results.json; only with it are "
        "the cost inputs and the cost chart written too)",
    )
    args = parser.parse_args(argv)
    if args.runs < 10:
        parser.error("--runs must be at least 10: the cold start is a median of 10 or more")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    isolate_from_real_aws()
    results: dict[str, Any] = {}
    if args.output.exists():
        results = json.loads(args.output.read_text())
    started = time.monotonic()

    if "cold_start" in args.only:
        from vstarcam_tools.dev.bench import coldstart

        print("cold start: fresh interpreters against a moto server ...", flush=True)
        with MotoServer() as server:
            results["cold_start"], results["aws_calls"], site = coldstart.run(server, args.runs)
        results["cold_start_site"] = site
    if "ingest" in args.only:
        from vstarcam_tools.dev.bench import ingest

        print("ingest: decode + parse + validate of 1 MB and 4 MB alarm pushes ...", flush=True)
        results["ingest"] = ingest.run(args.ingest_runs)
    if "units" in args.only:
        from vstarcam_tools.dev.bench import write_units

        print("write units: each request's items priced by DynamoDB's rules ...", flush=True)
        results["write_units"] = write_units.run()
    if "sweep" in args.only:
        from vstarcam_tools.dev.bench import sweep_designs

        print(
            "sweep: the parallel Scan of 10,000 cameras, and the designs compared ...", flush=True
        )
        results["sweep_designs"] = sweep_designs.run(PRICE)
    results.pop("sweeper_items_read", None)  # the byDeadline index's section, gone with it
    if "throughput" in args.only:
        from vstarcam_tools.dev.bench import throughput

        print(
            f"throughput: {args.cameras} simulated cameras against the local stack "
            f"for {args.throughput_seconds:.0f} s ...",
            flush=True,
        )
        results["local_throughput"] = throughput.run(args.cameras, args.throughput_seconds)

    if "media" in args.only:
        from vstarcam_tools.dev.bench import media

        print("media: thumbnails of 1080p and 8 MP pictures, remux of a 4 MB H.264 clip ...")
        results["media"] = media.run(results)

    if "push_latency" in args.only:
        from vstarcam_tools.dev.bench import push_latency

        print("push latency: 50 alarms, from the alarm's 200 to the webhook's request ...")
        results["push_latency"] = push_latency.run()

    if "console" in args.only:
        from vstarcam_tools.dev.bench import console

        print("console: transfer sizes of the page and of a page of 50 alarms ...", flush=True)
        results["console"] = console.run()

    # The cost model's inputs from what was just measured, shipped with the cost package,
    # and the chart in docs/: only from the results file they are checked against (another
    # --output may hold a few sections).
    inputs = cost_inputs.derive(results)
    results["cost_model"] = summary(inputs)
    if args.output.resolve() == cost_inputs.RESULTS.resolve():
        from vstarcam_tools.dev.bench import chart

        print(f"cost inputs: {cost_inputs.write(inputs).relative_to(PROJECT_ROOT)}", flush=True)
        print(f"cost chart: {chart.draw(inputs).relative_to(PROJECT_ROOT)}", flush=True)
    results["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print()
    print(report.table(results))
    print(f"\nwritten to {args.output} in {time.monotonic() - started:.0f} s")
    return 1 if args.check and not report.all_goals_met(results) else 0


if __name__ == "__main__":
    sys.exit(main())
