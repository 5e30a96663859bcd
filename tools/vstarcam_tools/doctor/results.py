"""What a check says: ``ok``, ``warning``, ``failed`` or ``skipped``, one line, and the fix.

``skipped`` is for a check whose subject is not in this stack (a feature the
stack was deployed without, the local stack's plain HTTP) or that ``--skip-push``
leaves out: it says so instead of pretending to be ``ok``, and it does not
make the command fail.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any, Literal, TextIO

Status = Literal["ok", "warning", "failed", "skipped"]


@dataclass(frozen=True)
class CheckResult:
    check: str
    status: Status
    detail: str
    fix: str = ""

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"check": self.check, "status": self.status}
        document["detail"] = self.detail
        if self.fix:
            document["fix"] = self.fix
        return document


def ok(check: str, detail: str) -> CheckResult:
    return CheckResult(check, "ok", detail)


def warning(check: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(check, "warning", detail, fix)


def failed(check: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(check, "failed", detail, fix)


def skipped(check: str, detail: str) -> CheckResult:
    return CheckResult(check, "skipped", detail)


class Reporter:
    """Prints each result as its check finishes, and progress while a slow one runs.

    Human output goes to ``out``; with ``json_output`` the results are kept for one
    JSON array at the end and progress goes to ``progress`` (stderr) only.
    """

    def __init__(
        self, json_output: bool = False, out: TextIO | None = None, progress: TextIO | None = None
    ) -> None:
        self.json_output = json_output
        self.out = out or sys.stdout
        self.progress_stream = progress or sys.stderr
        self.results: list[CheckResult] = []

    def progress(self, text: str) -> None:
        stream = self.progress_stream if self.json_output else self.out
        print(f"  ...      {text}", file=stream, flush=True)

    def add(self, result: CheckResult) -> CheckResult:
        self.results.append(result)
        if self.json_output:
            print(f"  {result.status:<8} {result.check}", file=self.progress_stream, flush=True)
        else:
            print(f"  {result.status:<8} {result.check}: {result.detail}", file=self.out)
            if result.fix:
                print(f"  {'':<8} fix: {result.fix}", file=self.out)
            self.out.flush()
        return result

    def finish(self) -> None:
        if self.json_output:
            print(json.dumps([r.to_json() for r in self.results], indent=2), file=self.out)
            return
        counts = {s: sum(r.status == s for r in self.results) for s in ("failed", "warning")}
        print(
            f"\n{len(self.results)} checks: {counts['failed']} failed, "
            f"{counts['warning']} warnings",
            file=self.out,
            flush=True,
        )

    @property
    def failed(self) -> bool:
        return any(result.status == "failed" for result in self.results)
