"""Copied to .mutate/conftest.py by ``make mutate``: a shim between mutmut and pytest.

mutmut 3.7 (the newest that accepts SAM CLI's click 8.1) reads ``Item._nodeid``, which
pytest 9 no longer has; ``nodeid`` is the same value.
"""

from _pytest.nodes import Node

if not hasattr(Node, "_nodeid"):
    Node._nodeid = property(lambda self: self.nodeid)  # type: ignore[attr-defined]
