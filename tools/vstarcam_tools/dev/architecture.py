"""Regenerate docs/architecture.md's module table and layer diagram from the code.

``python -m vstarcam_tools.dev.architecture`` rewrites the text between the
``<!-- generated:... -->`` markers; ``--check`` exits 1 when the file differs from what
the code says (the test ``tests/test_architecture_doc.py`` runs the same comparison).
Each module's line is the first sentence of its docstring, so a module without a
docstring fails the check: the table can neither name a module that does not exist nor
miss one that does.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

from vstarcam_tools.template import PROJECT_ROOT as ROOT

DOC = ROOT / "docs" / "architecture.md"
LAYER = ROOT / "layers" / "shared" / "vstarcam_push"
TOOLS = ROOT / "tools" / "vstarcam_tools"
FUNCTIONS = ROOT / "functions"

# The layer's subpackages from the bottom up: each may import only those before it.
LAYER_ORDER = (
    "models",
    "dal",
    "runtime",
    "media",
    "ingest",
    "delivery",
    "notify",
    "admin",
    "console",
)
START = "<!-- generated:{name} (python -m vstarcam_tools.dev.architecture) -->"
END = "<!-- generated:{name}:end -->"


def summary(path: Path) -> str:
    """The first sentence of a module's docstring, on one line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree)
    if not doc:
        raise SystemExit(f"{path.relative_to(ROOT)} has no docstring: say what it is")
    paragraph = " ".join(doc.split("\n\n", 1)[0].split())
    sentence = re.split(r"(?<=[.])\s+(?=[A-Z`(])", paragraph, maxsplit=1)[0]
    return sentence.rstrip(".").replace("|", "\\|")


def modules(package: Path, prefix: str) -> list[tuple[str, Path]]:
    """(dotted name, path) of every module of a package, __init__ as the package itself."""
    found = []
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = path.relative_to(package).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.append((".".join((prefix, *parts)), path))
    return found


def module_table() -> str:
    rows = ["| module | what it is |", "|---|---|"]
    for name, path in modules(LAYER, "vstarcam_push"):
        rows.append(f"| `{name}` | {summary(path)} |")
    for app in sorted(FUNCTIONS.glob("*/app.py")):
        rows.append(f"| `functions/{app.parent.name}/app.py` | {summary(app)} |")
    for name, path in modules(TOOLS, "vstarcam_tools"):
        rows.append(f"| `{name}` | {summary(path)} |")
    return "\n".join(rows)


def imported_subpackages(path: Path) -> set[str]:
    """The layer subpackages a module imports (absolute imports of vstarcam_push.X...)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
            if node.module == "vstarcam_push":
                names = [f"vstarcam_push.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "vstarcam_push" and len(parts) > 1:
                found.add(parts[1])
    return found


def layer_imports() -> dict[str, set[str]]:
    """Subpackage -> the other subpackages its modules import."""
    edges: dict[str, set[str]] = {}
    for sub in LAYER_ORDER:
        uses: set[str] = set()
        for path in (LAYER / sub).rglob("*.py"):
            uses |= imported_subpackages(path)
        edges[sub] = uses - {sub}
    return edges


def layer_diagram() -> str:
    """The layer's subpackages, top floor first, each with what it imports."""
    edges = layer_imports()
    width = max(len(sub) for sub in LAYER_ORDER)
    lines = ["```", "functions/*/app.py, tools/  (the handlers and the operator's tools)", "    |"]
    for sub in reversed(LAYER_ORDER):
        uses = ", ".join(s for s in LAYER_ORDER if s in edges[sub]) or "(the standard library)"
        lines.append(f"{sub:<{width}}  --> {uses}")
    lines.append("```")
    return "\n".join(lines)


def upward_imports() -> list[str]:
    """Imports that run up the layer order (a lower subpackage importing a higher one)."""
    rank = {sub: i for i, sub in enumerate(LAYER_ORDER)}
    return [
        f"{sub} imports {other}"
        for sub, uses in layer_imports().items()
        for other in sorted(uses)
        if other in rank and rank[other] > rank[sub]
    ]


def render(text: str) -> str:
    for name, body in (("layers", layer_diagram()), ("modules", module_table())):
        start, end = START.format(name=name), END.format(name=name)
        if start not in text or end not in text:
            raise SystemExit(f"docs/architecture.md lacks the markers {start} ... {end}")
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{start}\n{body}\n{end}{tail}"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the doc is stale")
    args = parser.parse_args(argv)
    current = DOC.read_text(encoding="utf-8")
    wanted = render(current)
    if args.check:
        if current != wanted:
            print("docs/architecture.md is stale: run python -m vstarcam_tools.dev.architecture")
            return 1
        return 0
    DOC.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
