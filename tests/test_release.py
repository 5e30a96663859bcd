"""A release: the version is written once (pyproject.toml), shown by `vstarcam-push --version`,
recorded in the stack (TemplateVersion) and in CHANGELOG.md, and set by one command."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest
from vstarcam_tools.cli.main import main
from vstarcam_tools.dev.release import CHANGELOG, PYPROJECT, TEMPLATE, set_version
from vstarcam_tools.template import load_template
from vstarcam_tools.version import project_version


def test_the_stack_and_the_changelog_carry_the_projects_version() -> None:
    version = project_version()
    assert load_template()["Outputs"]["TemplateVersion"]["Value"] == version
    headings = [line for line in CHANGELOG.read_text().splitlines() if line.startswith("## ")]
    assert headings[0] == "## Unreleased" or headings[0].startswith(f"## {version} - ")
    assert any(h == f"## {version}" or h.startswith(f"## {version} - ") for h in headings)


def test_the_cli_prints_its_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"vstarcam-push {project_version()}\n"


@pytest.fixture
def checkout(tmp_path: Path) -> dict[str, Path]:
    files = {"pyproject": PYPROJECT, "template": TEMPLATE, "changelog": CHANGELOG}
    copies = {name: tmp_path / path.name for name, path in files.items()}
    for name, path in files.items():
        shutil.copy(path, copies[name])
    copies["changelog"].write_text(
        "# Changelog\n\n## Unreleased\n\n- a fix\n\n## 0.2.0\n\n- the first\n"
    )
    return copies


def test_a_release_sets_the_version_everywhere_and_dates_the_changelog(
    checkout: dict[str, Path],
) -> None:
    set_version("0.3.0", today=datetime.date(2026, 12, 6), **checkout)

    assert project_version(checkout["pyproject"]) == "0.3.0"
    outputs = load_template(checkout["template"])["Outputs"]
    assert outputs["TemplateVersion"]["Value"] == "0.3.0"
    assert outputs["RetentionDays"] == load_template()["Outputs"]["RetentionDays"]
    assert checkout["changelog"].read_text() == (
        "# Changelog\n\n## Unreleased\n\n## 0.3.0 - 2026-12-06\n\n- a fix\n\n"
        "## 0.2.0\n\n- the first\n"
    )


@pytest.mark.parametrize(
    ("version", "reason"),
    [("0.2.0", "not newer than 0.2.0"), ("1.0", "not MAJOR.MINOR.PATCH"), ("v0.3.0", "not MAJOR")],
)
def test_a_release_refuses_a_version_that_is_not_a_newer_one(
    checkout: dict[str, Path], version: str, reason: str
) -> None:
    before = {name: path.read_text() for name, path in checkout.items()}
    with pytest.raises(ValueError, match=reason):
        set_version(version, **checkout)
    assert {name: path.read_text() for name, path in checkout.items()} == before


def test_a_release_needs_something_in_the_changelog(checkout: dict[str, Path]) -> None:
    checkout["changelog"].write_text("# Changelog\n\n## Unreleased\n\n## 0.2.0\n\n- the first\n")
    with pytest.raises(ValueError, match="nothing under '## Unreleased'"):
        set_version("0.3.0", **checkout)
