"""docs/architecture.md's layer list and module table are what the code says."""

from __future__ import annotations

from vstarcam_tools.dev import architecture


def test_the_module_table_and_layer_list_match_the_code() -> None:
    """GIVEN docs/architecture.md WHEN its generated parts are made anew from the code
    THEN nothing changes: no module named that does not exist, none missing, each line
    the module's own docstring (run `python -m vstarcam_tools.dev.architecture` to refresh it)."""
    current = architecture.DOC.read_text(encoding="utf-8")
    assert architecture.render(current) == current


def test_every_layer_module_is_in_the_table() -> None:
    """The table names each module of the layer exactly once."""
    table = architecture.module_table()
    for name, _ in architecture.modules(architecture.LAYER, "vstarcam_push"):
        assert table.count(f"| `{name}` |") == 1, name


def test_no_subpackage_imports_one_above_it() -> None:
    """models <- dal <- runtime <- media <- ingest <- delivery <- notify <- admin <- console:
    an import that runs up the order is a layering mistake."""
    assert architecture.upward_imports() == []


def test_every_subpackage_of_the_layer_is_in_the_order() -> None:
    subpackages = {
        path.parent.name
        for path in architecture.LAYER.glob("*/__init__.py")
        if path.parent.name != "__pycache__"
    }
    assert subpackages == set(architecture.LAYER_ORDER)
