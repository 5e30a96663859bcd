"""The project's own build files: quiet installs and quiet SAM calls."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_sam_call_of_the_makefile_runs_without_telemetry() -> None:
    """GIVEN the Makefile
    THEN it exports SAM_CLI_TELEMETRY=0 to every recipe, so no sam call (lint, build,
    validate) prints SAM's telemetry notice or sends telemetry."""
    makefile = (ROOT / "Makefile").read_text()

    assert re.search(r"^export SAM_CLI_TELEMETRY := 0$", makefile, re.MULTILINE)
    assert "/sam " in makefile


def test_pyproject_declares_what_setuptools_would_otherwise_warn_about() -> None:
    """GIVEN pyproject.toml
    THEN the license is an SPDX string (a table is deprecated), and packages are found
    under both source folders, so vstarcam_tools.camera.testdata and every subpackage is a
    declared package (each undeclared one was a screenful of warnings at install), but
    for the developer-only tools, left out of the install on purpose."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())

    assert project["project"]["license"] == "MIT"
    assert project["build-system"]["requires"] == ["setuptools>=77"]
    find = project["tool"]["setuptools"]["packages"]["find"]
    assert find["where"] == ["layers/shared", "tools"]
    folders = {
        ".".join(path.relative_to(ROOT / where).parts)
        for where in find["where"]
        for path in (ROOT / where).rglob("*")
        if path.is_dir() and path.name != "__pycache__" and any(path.iterdir())
    }

    def matches(folder: str, patterns: list[str]) -> bool:
        return any(re.fullmatch(pattern.replace("*", ".*"), folder) for pattern in patterns)

    assert "vstarcam_tools.camera.testdata" in folders
    assert find["exclude"] == ["vstarcam_tools.dev", "vstarcam_tools.dev.*"]
    assert all(
        matches(folder, find["include"]) or matches(folder, find["exclude"]) for folder in folders
    )
    assert project["tool"]["setuptools"]["package-data"] == {
        "vstarcam_tools.camera.testdata": ["*.jpg", "*.mp4"],
        "vstarcam_tools.cost": ["inputs.json"],
    }
