"""Estimate the shared layer's mutation score from a seeded uniform sample of its mutants.

Run by ``make mutate-sample`` inside ``.mutate/`` (the copy ``make mutate`` makes). The
whole layer has thousands of mutants, a day of machine time here; a uniform random sample
of N of them gives the score within a stated margin in a fraction of that:

1. generate every mutant (mutmut 3.7's own generation step, as ``mutmut run`` does it);
2. list every mutant name, sort them, and draw N with ``random.Random(SEED)`` (the same
   layer, N and seed draw the same mutants);
3. ``mutmut run --max-children C NAME...`` runs exactly those;
4. print killed / survived / timeout / no tests, per module and in all, with the score
   and its 95 % Wilson interval, and the surviving names (``mutmut show NAME``).

``--report-only`` prints step 4 again from mutmut's stored results, e.g. after re-running
a survivor with ``mutmut run NAME`` once a test kills it. ``--module M`` reports every
mutant of module M that has a result (for a module run in full with ``make mutate``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

MUTANTS = Path("mutants")
# mutmut's exit codes (mutmut.__main__.status_by_exit_code), folded into what the score
# needs. A timeout counts as killed: the mutant made the tests hang or loop.
STATUS_BY_EXIT_CODE = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    -11: "segfault",
    -9: "segfault",
}
COLUMNS = ("killed", "timeout", "survived", "no tests", "other")


def generate_mutants(max_children: int) -> None:
    """mutmut 3.7's generation step (the first block of ``mutmut run``), without a run."""
    os.environ["MUTANT_UNDER_TEST"] = "mutant_generation"
    import mutmut.__main__ as mutmut_main
    from mutmut.configuration import Config

    Config.ensure_loaded()
    MUTANTS.mkdir(exist_ok=True)
    mutmut_main.copy_src_dir()
    mutmut_main.copy_also_copy_files()
    mutmut_main.setup_source_paths()
    mutmut_main.store_lines_covered_by_tests()
    mutmut_main.create_mutants(max_children)


def stored_results() -> dict[str, int | None]:
    """Every generated mutant's name and its stored exit code (None: not run yet)."""
    results: dict[str, int | None] = {}
    for meta in sorted(MUTANTS.glob("src/**/*.py.meta")):
        results.update(json.loads(meta.read_text())["exit_code_by_key"])
    if not results:
        sys.exit("no mutants found under .mutate/mutants: run from .mutate/, generate first")
    return results


def draw(names: list[str], size: int, seed: int) -> list[str]:
    """N names drawn uniformly without replacement; sorted input makes it reproducible."""
    return sorted(random.Random(seed).sample(sorted(names), min(size, len(names))))


def status_of(exit_code: int | None) -> str:
    if exit_code is None:
        return "not run"
    status = STATUS_BY_EXIT_CODE.get(exit_code, "other")
    return status if status in COLUMNS else "other"


def module_of(name: str) -> str:
    """``vstarcam_push.dal.cameras.x_f__mutmut_3`` -> ``dal.cameras``; methods likewise."""
    parts = name.partition("__mutmut_")[0].split(".")
    return ".".join(parts[1:-1])


def wilson(killed: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion: sound for small N and for p near 1."""
    if total == 0:
        return 0.0, 1.0
    p = killed / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def report(names: list[str], results: dict[str, int | None]) -> int:
    per_module: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: list[str] = []
    not_run = 0
    for name in names:
        status = status_of(results.get(name))
        if status == "not run":
            not_run += 1
            continue
        per_module[module_of(name)][status] += 1
        if status in ("survived", "no tests", "other"):
            survivors.append(f"{status}: {name}")
    print(f"| module | mutants | {' | '.join(COLUMNS)} | score |")
    print("|---|---|" + "---|" * len(COLUMNS) + "---|")
    total: Counter[str] = Counter()
    for module in sorted(per_module):
        counts = per_module[module]
        total.update(counts)
        print(row(module, counts))
    print(row("**all**", total))
    run = sum(total.values())
    caught = total["killed"] + total["timeout"]
    low, high = wilson(caught, run)
    print()
    if run:
        print(
            f"score {caught}/{run} = {caught / run:.1%}, "
            f"95 % Wilson interval {low:.1%} to {high:.1%}"
        )
    if not_run:
        print(f"{not_run} of the {len(names)} mutants have no result yet")
    for line in survivors:
        print(line)
    return 0 if run else 1


def row(module: str, counts: Counter[str]) -> str:
    run = sum(counts.values())
    caught = counts["killed"] + counts["timeout"]
    score = f"{caught / run:.0%}" if run else "-"
    return f"| {module} | {run} | " + " | ".join(str(counts[c]) for c in COLUMNS) + f" | {score} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=120, help="mutants to draw (N)")
    parser.add_argument("--seed", type=int, default=9, help="random seed of the draw")
    parser.add_argument("--max-children", type=int, default=2, help="mutants run at once")
    parser.add_argument("--list", action="store_true", help="print the drawn names, run none")
    parser.add_argument(
        "--report-only", action="store_true", help="report stored results, run nothing"
    )
    parser.add_argument("--module", help="report every run mutant of this module instead")
    options = parser.parse_args()

    if options.module:
        results = stored_results()
        ran = [n for n in results if module_of(n) == options.module and results[n] is not None]
        return report(sorted(ran), results)
    if not options.report_only:
        generate_mutants(options.max_children)
    everything = stored_results()
    sample = draw(list(everything), options.size, options.seed)
    print(f"drew {len(sample)} of {len(everything)} mutants with seed {options.seed}")
    if options.list:
        print("\n".join(sample))
        return 0
    if not options.report_only:
        # mutmut re-runs mutants named on its command line even when a result is stored.
        mutmut = Path(sys.executable).with_name("mutmut")
        command = [str(mutmut), "run", "--max-children", str(options.max_children), *sample]
        subprocess.run(command, check=False)
    return report(sample, stored_results())


if __name__ == "__main__":
    sys.exit(main())
