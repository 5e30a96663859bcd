"""The tools depend the right way: the CLI imports the tooling (camera, cost, doctor, local),
never the reverse; nothing installed imports the developer-only tools; the cost model
needs nothing beyond the standard library and its own package."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "vstarcam_tools"


def module_name(path: Path) -> str:
    parts = path.relative_to(TOOLS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


MODULES = {module_name(path): imports(path) for path in sorted(TOOLS.rglob("*.py"))}


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


@pytest.mark.parametrize("package", ["camera", "cost", "doctor", "local", "dev"])
def test_no_tool_imports_the_cli(package: str) -> None:
    """``python -m vstarcam_tools.local`` (a ``__main__``) may start the CLI's command."""
    for module, imported in MODULES.items():
        if within(module, f"vstarcam_tools.{package}") and not module.endswith("__main__"):
            assert not any(within(name, "vstarcam_tools.cli") for name in imported), module


def test_nothing_installed_imports_the_developer_only_tools() -> None:
    for module, imported in MODULES.items():
        if not within(module, "vstarcam_tools.dev"):
            assert not any(within(name, "vstarcam_tools.dev") for name in imported), module


def test_the_cost_model_needs_only_the_standard_library() -> None:
    for module, imported in MODULES.items():
        if within(module, "vstarcam_tools.cost"):
            for name in imported:
                top = name.partition(".")[0]
                assert top in sys.stdlib_module_names or within(name, "vstarcam_tools.cost"), (
                    module,
                    name,
                )
