"""A deploy-only install (``pip install .``): the package's files as a wheel lays them out,
away from the checkout, with the extras' libraries (moto's server, Pillow, PyAV, PyJWT)
unimportable. Every module outside the extras' code imports, the CLI starts, ``cost``
prices a fleet, and the commands that need an extra say which in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
from vstarcam_tools.cost.inputs import shipped
from vstarcam_tools.cost.model import Profile, model

ROOT = Path(__file__).resolve().parents[2]
# The libraries of the extras ([local], [media]) and of the developer's tools.
BLOCKED = ("moto", "flask", "flask_cors", "werkzeug", "jwt", "PIL", "av", "matplotlib", "selenium")
# The code of the extras: it needs their libraries to import.
NEEDS_EXTRA = (
    "vstarcam_tools.local",  # [local]
    "vstarcam_tools.camera.mediagen",  # [media]
    "vstarcam_push.media.convert",  # [media]: the media layer
    "vstarcam_push.media.processing",  # [media]
)
PRELUDE = f"""
import importlib.abc, sys

class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {BLOCKED!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, Blocked())
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ``pip install .`` installs: the modules of the packages pyproject.toml finds
    (not vstarcam_tools.dev) and the package data it declares, nothing else."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    find, data = setuptools["packages"]["find"], setuptools["package-data"]
    target = tmp_path_factory.mktemp("site-packages")
    for where in find["where"]:
        for path in (ROOT / where).rglob("*"):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            package = ".".join(path.parent.relative_to(ROOT / where).parts)
            found = any(fnmatch(package, pattern) for pattern in find["include"])
            if not found or any(fnmatch(package, pattern) for pattern in find.get("exclude", [])):
                continue
            if path.suffix == ".py" or any(fnmatch(path.name, g) for g in data.get(package, [])):
                copy = target / path.relative_to(ROOT / where)
                copy.parent.mkdir(parents=True, exist_ok=True)
                copy.write_bytes(path.read_bytes())
    return target


def run_python(site: Path, code: str, cwd: Path) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter on the installed files; it prints one JSON."""
    environment = {
        **os.environ,
        "PYTHONPATH": str(site),
        # Nothing here may reach AWS: a closed port answers any call at once.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
    }
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + code],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_module_outside_the_extras_imports_without_their_libraries(
    site: Path, tmp_path: Path
) -> None:
    names = sorted(
        ".".join(path.relative_to(site).with_suffix("").parts).removesuffix(".__init__")
        for path in site.rglob("*.py")
    )
    base = [
        name
        for name in names
        if not name.endswith("__main__")
        and not any(name == code or name.startswith(code + ".") for code in NEEDS_EXTRA)
    ]
    result = run_python(
        site,
        f"""
import importlib, json, traceback
import vstarcam_tools
failed = {{}}
for name in {base!r}:
    try:
        importlib.import_module(name)
    except Exception:
        failed[name] = traceback.format_exc(limit=-3)
print(json.dumps({{"from": vstarcam_tools.__file__, "failed": failed}}))
""",
        tmp_path,
    )

    assert result["from"].startswith(str(site))
    assert result["failed"] == {}
    assert len(base) > 60 and "vstarcam_tools.cli.main" in base


def test_the_cli_runs_and_names_the_extra_a_command_needs(site: Path, tmp_path: Path) -> None:
    """GIVEN the installed files, the working directory outside any checkout
    THEN --help lists the commands, cost gives the model's numbers from the shipped
    inputs (no template.yaml, no benchmarks/ in reach), and local and alarms process each
    fail in one line that names the extra to install."""
    result = run_python(
        site,
        """
import contextlib, io, json
from vstarcam_tools.cli.main import main

def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return {"code": code, "out": out.getvalue(), "err": err.getvalue()}

print(json.dumps({
    "help": run("--help"),
    "cost": run("cost", "--cameras", "1000", "--json"),
    "local": run("local", "--port", "0", "--aws-port", "0"),
    "process": run("alarms", "process"),
}))
""",
        tmp_path,
    )

    assert result["help"]["code"] == 0 and "cameras" in result["help"]["out"]
    cost = result["cost"]
    assert cost["code"] == 0, cost["err"]
    assert json.loads(cost["out"])["total"] == model(shipped(), Profile(cameras=1000))["total"]
    for command, extra in (("local", "local"), ("process", "media")):
        outcome = result[command]
        assert outcome["code"] == 1, outcome
        assert outcome["err"].count("\n") == 1 and "Traceback" not in outcome["err"]
        assert f"needs the [{extra}] extra" in outcome["err"]
        assert f"pip install 'vstarcam-push[{extra}]'" in outcome["err"]
