"""This checkout's (or installed package's) version, as `vstarcam-push --version` prints it.

Written once, in pyproject.toml: a checkout reads it there (so an edit shows at once, with
no reinstall); an installed package has no pyproject.toml and reads its own metadata.
A release copies it into the template's TemplateVersion (``vstarcam_tools.dev.release``).
"""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from pathlib import Path

from vstarcam_tools.template import PROJECT_ROOT

PYPROJECT = PROJECT_ROOT / "pyproject.toml"


def project_version(pyproject: Path = PYPROJECT) -> str:
    if pyproject.is_file():
        with pyproject.open("rb") as file:
            return str(tomllib.load(file)["project"]["version"])
    try:
        return installed_version("vstarcam-push")
    except PackageNotFoundError:
        return "unknown"
