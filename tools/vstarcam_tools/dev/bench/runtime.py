"""A Lambda-like import path for the cold-start children.

Lambda's python runtime offers boto3 and the layer's packages, nothing else.
The dev venv also holds awscrt and pyOpenSSL (from the SAM CLI), which
botocore imports when it finds them: they add about 150 ms to both sides
of the cold-start ratio and would flatter it. So the children run with
``python -S`` (no site-packages) on a path of the function's code, the
layer's package and a ``pip install --target`` of boto3 plus the layer's
requirements, pinned by constraints.txt.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from vstarcam_tools.template import PROJECT_ROOT

LAYER = PROJECT_ROOT / "layers" / "shared"
REQUIREMENTS = LAYER / "requirements.txt"
# MediaProcessFunction's own layer (Pillow, av); no other function imports them.
MEDIA_REQUIREMENTS = PROJECT_ROOT / "layers" / "media" / "requirements.txt"
CONSTRAINTS = PROJECT_ROOT / "constraints.txt"
SITE = Path(sys.prefix) / "lambda-runtime"


def _fingerprint() -> str:
    digest = hashlib.sha256(
        REQUIREMENTS.read_bytes() + MEDIA_REQUIREMENTS.read_bytes() + CONSTRAINTS.read_bytes()
    )
    return digest.hexdigest()[:16]


def lambda_site() -> Path:
    """The directory of boto3 + the layers' requirements, installed on first use."""
    stamp = SITE / ".fingerprint"
    if stamp.exists() and stamp.read_text() == _fingerprint():
        return SITE
    shutil.rmtree(SITE, ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
            str(SITE),
            "-c",
            str(CONSTRAINTS),
            "boto3",
            "-r",
            str(REQUIREMENTS),
            "-r",
            str(MEDIA_REQUIREMENTS),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=600,
    )
    stamp.write_text(_fingerprint())
    return SITE


def child_command() -> tuple[list[str], dict[str, str], str]:
    """The interpreter command for a cold child, its extra environment, and what it is.

    Without PyPI the dev venv is used instead, and the report says so.
    """
    try:
        site = lambda_site()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        print(
            f"bench: no Lambda-like site ({error}); cold starts use the dev venv", file=sys.stderr
        )
        return [sys.executable], {}, "dev venv (includes awscrt, pyOpenSSL)"
    return (
        [sys.executable, "-S"],
        {"PYTHONPATH": f"{LAYER}:{site}"},
        "boto3 + layer requirements only (python -S)",
    )
