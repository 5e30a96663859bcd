"""The package's optional extras: declared in pyproject.toml, pinned for make, named by
the CLI when a command needs a missing one."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from vstarcam_tools.extras import EXTRA_OF_MODULE, missing_extra

from tests.unit.conftest import _no_network  # noqa: F401  (no socket is opened)

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS: dict[str, list[str]] = PROJECT["optional-dependencies"]


def name_of(requirement: str) -> str:
    """``moto[server]>=5.2`` -> ``moto``, normalized as pip compares names."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
    assert name, requirement
    return re.sub(r"[-_.]+", "-", name.group()).lower()


def pinned(path: Path) -> set[str]:
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return {name_of(line) for line in lines if line and not line.startswith("-")}


def libraries(extra: str) -> set[str]:
    """The distributions an extra brings, with those of the extras it includes."""
    names: set[str] = set()
    for requirement in EXTRAS[extra]:
        if name_of(requirement) == PROJECT["name"]:
            for included in re.findall(r"\[([^\]]+)\]", requirement)[0].split(","):
                names |= libraries(included.strip())
        else:
            names.add(name_of(requirement))
    return names


def test_a_deploy_only_install_has_neither_moto_nor_pillow_nor_pyav() -> None:
    base = {name_of(requirement) for requirement in PROJECT["dependencies"]}

    assert not base & {"moto", "pillow", "av", "werkzeug", "pyjwt", "matplotlib"}
    assert {"pillow", "av"} <= libraries("media")
    assert {"moto", "werkzeug", "pyjwt", "pillow", "av"} <= libraries("local")
    assert libraries("local") <= libraries("dev")


def test_every_library_of_the_package_is_pinned_for_make() -> None:
    """GIVEN the base dependencies and every extra
    THEN requirements-dev.txt (what make installs first) and constraints.txt pin each one,
    so `pip install -e '.[dev]'` after them adds nothing unpinned."""
    wanted = {name_of(requirement) for requirement in PROJECT["dependencies"]}
    for extra in EXTRAS:
        wanted |= libraries(extra)

    assert wanted - pinned(ROOT / "requirements-dev.txt") == set()
    assert wanted - pinned(ROOT / "constraints.txt") == set()


def test_each_library_the_cli_names_comes_with_the_extra_it_names() -> None:
    distributions = packages_distributions()
    for module, extra in EXTRA_OF_MODULE.items():
        assert extra in EXTRAS, module
        if module in ("flask", "flask_cors"):
            # moto's server: brought by moto[server], not listed by name.
            assert "moto[server]" in " ".join(EXTRAS[extra]), module
            continue
        provided = {name_of(name) for name in distributions[module]}
        assert provided & libraries(extra), (module, extra)


@pytest.mark.parametrize(
    ("module", "extra"), [("moto", "local"), ("werkzeug.serving", "local"), ("PIL", "media")]
)
def test_a_missing_library_of_an_extra_is_one_line_naming_the_extra(
    module: str, extra: str
) -> None:
    line = missing_extra(ModuleNotFoundError(f"No module named {module!r}", name=module))

    assert line is not None and "\n" not in line
    assert f"[{extra}] extra" in line
    assert f"pip install 'vstarcam-push[{extra}]'" in line


def test_any_other_missing_module_is_not_blamed_on_an_extra() -> None:
    assert missing_extra(ModuleNotFoundError("No module named 'boto3'", name="boto3")) is None
    assert missing_extra(ModuleNotFoundError("no name")) is None
