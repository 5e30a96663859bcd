"""The built artifact: `sam build` with the dev environment's Python and make only (no
python3.13 on PATH, no container) makes what Lambda's python3.13 on arm64 runs.

One build per test session (the module's fixture, about 7 s): every shared object in it is
aarch64, and every package a function imports at cold start is in its bundle, its layers
or the runtime."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from vstarcam_tools.template import PROJECT_ROOT, TEMPLATE_PATH, load_template

TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
FUNCTIONS = [
    logical_id
    for logical_id, resource in RESOURCES.items()
    if resource["Type"] == "AWS::Serverless::Function"
]
SAM = Path(sys.executable).parent / "sam"
ELF_MACHINE_AARCH64 = 183
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
SHARED_LAYER_BUDGET = 50_000_000
# What the python3.13 runtime itself offers every function (boto3 and what it needs).
RUNTIME_PACKAGES = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3"}
)


def props(logical_id: str) -> dict[str, Any]:
    return RESOURCES[logical_id]["Properties"]


def path_without_python313() -> str:
    """PATH as a user with Python 3.11 or 3.12 has it: this venv first (its python3 runs
    the layers' pip), and no directory holding a python3.13 (pyenv's shims included)."""
    entries = [str(Path(sys.executable).parent)] + [
        entry
        for entry in os.environ.get("PATH", "").split(os.pathsep)
        if entry and not (Path(entry) / "python3.13").exists()
    ]
    path = os.pathsep.join(entries)
    assert shutil.which("python3.13", path=path) is None
    return path


@dataclass(frozen=True)
class Build:
    directory: Path
    output: str


@pytest.fixture(scope="module")
def sam_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Build]:
    """`sam build` of the whole template, as `make build` runs it, without python3.13."""
    work = tmp_path_factory.mktemp("sam-build")
    environment = {
        **os.environ,
        "PATH": path_without_python313(),
        "SAM_CLI_TELEMETRY": "0",
        # What `make build` passes: the layers' Makefiles run this venv's pip.
        "PIP": f"{sys.executable} -m pip",
    }
    ran = subprocess.run(
        [
            str(SAM),
            "build",
            "--template-file",
            str(TEMPLATE_PATH),
            "--base-dir",
            str(PROJECT_ROOT),
            "--build-dir",
            str(work / "build"),
        ],
        cwd=work,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = ran.stdout + ran.stderr
    assert ran.returncode == 0, output
    yield Build(work / "build", output)


def tree_size(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


def elf_machine(header: bytes) -> int | None:
    """The e_machine field of an ELF header (its first 20 bytes); None if it is not ELF."""
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    byte_order = "<" if header[5] == 1 else ">"
    return int(struct.unpack(f"{byte_order}H", header[18:20])[0])


def test_elf_machine_reads_the_header() -> None:
    aarch64 = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HH", 3, 183)
    x86_64 = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HH", 3, 62)
    big_endian = b"\x7fELF\x02\x02\x01" + bytes(9) + struct.pack(">HH", 3, 183)
    machines = [elf_machine(data) for data in (aarch64, x86_64, big_endian, b"#!/bin/sh\n" * 3)]
    assert machines == [183, 62, 183, None]


def test_every_resource_builds_with_make_and_no_interpreter_check() -> None:
    """GIVEN the template
    THEN both layers and every function are built by a Makefile (SAM's python3.13 build
    checks for a python3.13 interpreter and warns of each missing requirements.txt), and
    each function's target exists in functions/Makefile."""
    for layer in ("SharedLayer", "MediaLayer"):
        assert RESOURCES[layer]["Metadata"] == {
            "BuildMethod": "makefile",
            "BuildArchitecture": "arm64",
        }
        assert (PROJECT_ROOT / props(layer)["ContentUri"] / "Makefile").is_file()
        text = (PROJECT_ROOT / props(layer)["ContentUri"] / "Makefile").read_text()
        assert f"build-{layer}:" in text
        for flag in ("--platform manylinux2014_aarch64", "--python-version 3.13"):
            assert flag in text, (layer, flag)
        assert "--only-binary=:all:" in text and "--implementation cp" in text
    for function in FUNCTIONS:
        assert RESOURCES[function]["Metadata"] == {
            "BuildMethod": "makefile",
            "ContextPath": "functions",
        }, function
    assert re.search(r"^build-%:", (PROJECT_ROOT / "functions" / "Makefile").read_text(), re.M)


@pytest.mark.slow
def test_sam_build_bundles_the_shared_layer_and_thin_functions(
    sam_build: Build, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN no python3.13 on PATH
    WHEN `sam build` runs
    THEN it prints no interpreter or requirements.txt warning; the shared layer holds
    vstarcam_push (no bytecode) and exactly the pinned libraries' versions, but not boto3
    (the runtime has it); and each function is only its handler."""
    assert "requirements.txt file not found" not in sam_build.output
    assert "Binary validation failed" not in sam_build.output
    layer = sam_build.directory / "SharedLayer" / "python"
    source = PROJECT_ROOT / "layers" / "shared" / "vstarcam_push"
    modules = {p.relative_to(source).as_posix() for p in source.rglob("*.py")}
    package = layer / "vstarcam_push"
    built = {p.relative_to(package).as_posix() for p in package.rglob("*.py")}
    assert built == modules
    assert not [p for p in sam_build.directory.rglob("__pycache__")]
    assert (layer / "aws_lambda_powertools").is_dir()
    assert not (layer / "boto3").exists() and not (layer / "botocore").exists()
    installed = {
        match.group(1).lower().replace("_", "-"): match.group(2)
        for p in layer.glob("*.dist-info")
        if (match := re.fullmatch(r"(.+)-([^-]+)\.dist-info", p.name))
    }
    requirements = (PROJECT_ROOT / "layers" / "shared" / "requirements.txt").read_text()
    for line in requirements.splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            assert installed.get(name.lower().replace("_", "-")) == version, (line, installed)
    web = {p.name for p in (PROJECT_ROOT / "functions" / "console" / "web").iterdir()}
    for function in FUNCTIONS:
        files = {p.name for p in (sam_build.directory / function).rglob("*") if p.is_file()}
        # The console's page function carries the page's files too (functions/console/web).
        assert files == ({"app.py"} | (web if function == "ConsoleFunction" else set())), (
            function,
            files,
        )
    size = tree_size(sam_build.directory / "SharedLayer")
    with capsys.disabled():
        print(f"\nbuilt SharedLayer: {size / 1_000_000:.1f} MB unzipped")
    assert size < SHARED_LAYER_BUDGET


@pytest.mark.slow
def test_every_shared_object_in_the_build_is_aarch64(
    sam_build: Build, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN the build made on this (x86-64) machine
    THEN every ELF file in it, whatever its name, is for aarch64 (e_machine 183): the media
    layer's Pillow, PyAV and FFmpeg libraries, and anything a shared-layer wheel brings."""
    machines = {}
    for file in sam_build.directory.rglob("*"):
        if file.is_file() and not file.is_symlink():
            with file.open("rb") as stream:
                machine = elf_machine(stream.read(20))
            if machine is not None:
                machines[file.relative_to(sam_build.directory).as_posix()] = machine
    media = [name for name in machines if name.startswith("MediaLayer/")]
    assert len(media) >= 20, sorted(machines)
    wrong = {name: machine for name, machine in machines.items() if machine != ELF_MACHINE_AARCH64}
    assert not wrong, wrong
    with capsys.disabled():
        print(f"\nbuild: {len(machines)} shared objects, all aarch64")


@pytest.mark.slow
def test_the_media_layer_holds_pillow_and_av_under_lambdas_size_limit(
    sam_build: Build, capsys: pytest.CaptureFixture[str]
) -> None:
    """THEN the media layer holds PIL and av, and with the shared layer it stays under
    Lambda's 250 MB unzipped."""
    layer = sam_build.directory / "MediaLayer" / "python"
    assert (layer / "PIL" / "Image.py").is_file()
    assert (layer / "av" / "__init__.py").is_file()
    size = tree_size(sam_build.directory / "MediaLayer")
    with capsys.disabled():
        print(
            f"\nbuilt MediaLayer: {size / 1_000_000:.1f} MB unzipped; Lambda's limit "
            f"(function + layers): {LAMBDA_UNZIPPED_LIMIT / 2**20:.0f} MB"
        )
    assert size + SHARED_LAYER_BUDGET < LAMBDA_UNZIPPED_LIMIT


# -- what each function imports at cold start -------------------------------------------

# Imports the handler as Lambda's init does, in a fresh interpreter, where a top-level
# import succeeds only for the standard library, the runtime's packages and what the
# build put in the function's bundle or its layers (the modules themselves load from this
# venv: the built ones are aarch64). botocore and urllib3 probe for optional packages the
# runtime lacks (awscrt, pyOpenSSL, brotli): refused here as they are missing there, and
# each refusal is recorded with the top-level package that asked.
_IMPORTS = """
import importlib.util, json, sys
from pathlib import Path
roots = [Path(root) for root in json.loads(sys.argv[2])]
allowed = set(json.loads(sys.argv[3])) | set(sys.stdlib_module_names)
refused = {}

def provided(root, name):
    return (root / name).is_dir() or (root / (name + '.py')).is_file() or any(
        root.glob(name + '.*.so'))

class LambdaImports:
    def find_spec(self, name, path=None, target=None):
        if path is not None or name in allowed or name in sys.builtin_module_names:
            return None
        if any(provided(root, name) for root in roots):
            return None
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename.startswith('<frozen'):
            frame = frame.f_back
        importer = frame.f_globals.get('__name__', '?') if frame is not None else '?'
        refused[name] = importer.split('.')[0]
        raise ModuleNotFoundError(f"No module named {name!r} on Lambda", name=name)

before = set(sys.modules)
sys.meta_path.insert(0, LambdaImports())
spec = importlib.util.spec_from_file_location('app', sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules['app'] = module
spec.loader.exec_module(module)
top = {name.split('.')[0] for name in set(sys.modules) - before} - {'app'}
top -= set(sys.stdlib_module_names) | set(sys.builtin_module_names)
print(json.dumps({'loaded': sorted(top), 'refused': refused}))
"""
# The project's own code: none of its imports may be missing on Lambda, optional or not.
OWN_CODE = frozenset({"app", "vstarcam_push"})


def import_roots(build: Path, function: str) -> list[Path]:
    """Where Lambda finds a function's imports: its bundle and its layers' python/."""
    layers = TEMPLATE["Globals"]["Function"]["Layers"] + props(function).get("Layers", [])
    return [build / function] + [build / layer["Ref"] / "python" for layer in layers]


@functools.cache
def cold_start_imports(build: Path) -> dict[str, dict[str, Any]]:
    """Each function's handler imported as on Lambda: ``loaded``, the top-level packages it
    loaded that are not the standard library's; ``refused``, each import absent on Lambda
    that something caught, with the package that asked."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "POWERTOOLS_METRICS_NAMESPACE": "VStarcamPush",
    }
    found = {}
    for function in FUNCTIONS:
        app = PROJECT_ROOT / props(function)["CodeUri"] / "app.py"
        roots = json.dumps([str(root) for root in import_roots(build, function)])
        ran = subprocess.run(
            [sys.executable, "-c", _IMPORTS, str(app), roots, json.dumps(sorted(RUNTIME_PACKAGES))],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        # A package the handler needs but the build lacks fails its import here.
        assert ran.returncode == 0, f"{function} does not import from its build:\n{ran.stderr}"
        found[function] = json.loads(ran.stdout.splitlines()[-1])
    return found


@pytest.mark.slow
def test_every_package_a_function_imports_at_cold_start_is_in_its_artifact(
    sam_build: Build,
) -> None:
    """GIVEN each handler imported where only the standard library, the python3.13
    runtime's packages (boto3 and its dependencies) and the function's built bundle and
    layers can be imported
    THEN every handler imports, and no import of the project's own code was refused (only
    libraries' probes for optional packages, e.g. botocore's for awscrt)."""
    imports = cold_start_imports(sam_build.directory)
    refused = {
        function: {name: by for name, by in found["refused"].items() if by in OWN_CODE}
        for function, found in imports.items()
    }
    assert not any(refused.values()), refused
    assert "aws_lambda_powertools" in imports["AlarmFunction"]["loaded"]
    assert "vstarcam_push" in imports["HeartbeatFunction"]["loaded"]


@pytest.mark.slow
def test_no_other_function_loads_pillow_or_av(sam_build: Build) -> None:
    """GIVEN each function's handler imported in a fresh interpreter, as Lambda's init does
    THEN only MediaProcessFunction has PIL or av in sys.modules: the request-path functions'
    cold start carries neither (nor could it: their layer does not ship them)."""
    media = {
        function: sorted({"PIL", "av"} & set(found["loaded"]))
        for function, found in cold_start_imports(sam_build.directory).items()
    }
    assert media.pop("MediaProcessFunction") == ["PIL", "av"]
    assert media and all(modules == [] for modules in media.values()), media
