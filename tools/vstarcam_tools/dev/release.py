"""The project's version: written once, in `pyproject.toml`, and copied by a release.

``vstarcam-push --version`` reads it there (``vstarcam_tools.version``). The stack
records it too (the template's ``TemplateVersion`` output, which ``doctor`` compares with
this checkout's), but CloudFormation cannot read pyproject.toml:
``python -m vstarcam_tools.dev.release X.Y.Z`` sets the version in both, gives the
changelog's "Unreleased" section that version and date, and records the stack resources
new since the last release (``tests/stack_identity.json``). A test fails when the two
copies differ. The README's "Releasing" says what comes next (test, commit, tag
``vX.Y.Z``).
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
from pathlib import Path

from vstarcam_tools.template import PROJECT_ROOT
from vstarcam_tools.version import project_version

PYPROJECT = PROJECT_ROOT / "pyproject.toml"
TEMPLATE = PROJECT_ROOT / "template.yaml"
CHANGELOG = PROJECT_ROOT / "CHANGELOG.md"
VERSION_PATTERN = re.compile(r"\d+\.\d+\.\d+")
UNRELEASED = "## Unreleased"


def _replace_once(text: str, pattern: str, replacement: str, where: Path) -> str:
    changed, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
    if count != 1:
        raise ValueError(f"{where.name}: no {pattern!r} to set the version in")
    return changed


def set_version(
    version: str,
    today: datetime.date | None = None,
    pyproject: Path = PYPROJECT,
    template: Path = TEMPLATE,
    changelog: Path = CHANGELOG,
) -> None:
    """Write ``version`` into pyproject.toml and the template's TemplateVersion, and turn
    the changelog's "Unreleased" section into that version's."""
    if not VERSION_PATTERN.fullmatch(version):
        raise ValueError(f"{version!r} is not MAJOR.MINOR.PATCH")
    current = project_version(pyproject)
    if tuple(map(int, version.split("."))) <= tuple(map(int, current.split("."))):
        raise ValueError(f"{version} is not newer than {current}")
    notes = changelog.read_text(encoding="utf-8")
    section = notes.split(UNRELEASED, 1)[1].split("\n## ", 1)[0] if UNRELEASED in notes else ""
    if not section.strip():
        raise ValueError(f"{changelog.name} has nothing under '{UNRELEASED}' to release")
    day = (today or datetime.date.today()).isoformat()
    pyproject.write_text(
        _replace_once(
            pyproject.read_text(encoding="utf-8"),
            r'^version = "[^"]*"',
            f'version = "{version}"',
            pyproject,
        ),
        encoding="utf-8",
    )
    template.write_text(
        _replace_once(
            template.read_text(encoding="utf-8"),
            r'(^  TemplateVersion:\n(?:    .*\n)*?    Value: )"[^"]*"',
            rf'\g<1>"{version}"',
            template,
        ),
        encoding="utf-8",
    )
    changelog.write_text(
        notes.replace(UNRELEASED, f"{UNRELEASED}\n\n## {version} - {day}", 1), encoding="utf-8"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vstarcam_tools.dev.release",
        description="Set the version of a release (README 'Releasing').",
    )
    parser.add_argument("version", help="the new version, MAJOR.MINOR.PATCH")
    args = parser.parse_args(argv)
    try:
        set_version(args.version)
    except ValueError as error:
        print(f"release: {error}", file=sys.stderr)
        return 1
    from vstarcam_tools.dev.stack_identity import record

    added = record()
    print(f"version {args.version} set in pyproject.toml, template.yaml and CHANGELOG.md")
    print(f"stack resources recorded: {', '.join(added) or 'none new'}")
    print(
        f"next: make test; git commit -am 'Release {args.version}'; "
        f"git tag -a v{args.version} -m 'vstarcam-push {args.version}'"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
