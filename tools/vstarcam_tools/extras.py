"""The package's optional extras, and the one line a command says when it needs a missing one.

A deploy-only install (``pip install vstarcam-push``; ``pip install .`` in a checkout)
has what an operator's commands need against a deployed stack: cameras, alarms, users,
notifications, the simulator, the doctor and the cost model. The extras of
pyproject.toml add:

- ``[media]``: Pillow and PyAV, the media layer's libraries, for ``alarms process``;
- ``[local]``: moto's server, Werkzeug and PyJWT, for ``vstarcam-push local`` (the local
  stack processes media too, so it brings ``[media]``);
- ``[dev]``: the tests, linters, SAM CLI and the benchmarks' libraries (requirements-dev.txt
  pins every one for ``make``).

The CLI's entry point (``vstarcam_tools.cli.main``) turns a failed import of one of these
libraries into ``missing_extra``'s line instead of a traceback.
"""

from __future__ import annotations

# The extra that brings each library a command imports, by its top-level module name;
# tests/tools/test_extras.py checks them against pyproject.toml.
EXTRA_OF_MODULE = {
    "moto": "local",
    # moto's server (moto[server]): imported by moto itself when the local stack starts it.
    "flask": "local",
    "flask_cors": "local",
    "werkzeug": "local",
    "jwt": "local",
    "PIL": "media",
    "av": "media",
}


def missing_extra(error: ModuleNotFoundError) -> str | None:
    """The line to print when ``error`` is a library of an extra that is not installed."""
    module = (error.name or "").partition(".")[0]
    extra = EXTRA_OF_MODULE.get(module)
    if extra is None:
        return None
    return (
        f"this command needs the [{extra}] extra ({module} is not installed): "
        f"pip install 'vstarcam-push[{extra}]' (in a checkout: pip install -e '.[{extra}]')"
    )
