"""The web console's transfer sizes: what a browser downloads on first load, and for a
page of 50 alarms with their thumbnails; the app shell from the service worker's cache.

- the page and its files as ConsoleFunction sends them (gzip, as browsers ask), the
  service worker (``/sw.js``) and the app shell it keeps (the page and every file);
- later loads: the service worker answers the files from its cache (no request), the
  page and ``/sw.js`` are revalidated (two ``304`` answers, headers only); offline nothing;
- the JSON of a page of 50 alarms from ConsoleApiFunction (HTTP API does not
  compress it), against moto in this process;
- 50 thumbnails as media processing makes them from a 1920x1080 camera picture.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import os
import sys
from typing import Any

import boto3
from moto import mock_aws

from vstarcam_tools.camera.simulator import load_testdata
from vstarcam_tools.dev.bench.aws import DUMMY_ENVIRONMENT, environment
from vstarcam_tools.dev.bench.scenarios import CONSOLE_PAGE, _seed_console_alarms, now
from vstarcam_tools.events import LambdaContext, console_event
from vstarcam_tools.provision import create_resources
from vstarcam_tools.template import Stack


def _handler(stack: Stack, logical_id: str) -> Any:
    spec = stack.functions()[logical_id]
    with environment({**spec.environment, **DUMMY_ENVIRONMENT}):
        module_spec = importlib.util.spec_from_file_location(
            f"_bench_{logical_id}", spec.module_file
        )
        assert module_spec is not None and module_spec.loader is not None
        module = importlib.util.module_from_spec(module_spec)
        # Its dataclasses look their module up while they are made.
        sys.modules[module_spec.name] = module
        module_spec.loader.exec_module(module)
    return module


def _sent_bytes(response: dict[str, Any]) -> int:
    body = response.get("body") or ""
    return len(base64.b64decode(body)) if response.get("isBase64Encoded") else len(body.encode())


def _header_bytes(response: dict[str, Any]) -> int:
    """The response headers as HTTP/1.1 sends them, with the status line (a 304 is only this)."""
    lines = [f"HTTP/1.1 {response['statusCode']} X"] + [
        f"{name}: {value}" for name, value in response["headers"].items()
    ]
    return sum(len(line) + 2 for line in lines) + 2


def _thumbnail_bytes() -> int:
    from PIL import Image
    from vstarcam_push.media.convert import make_thumbnail

    scene = Image.open(io.BytesIO(load_testdata("motion.jpg"))).resize((1920, 1080))
    picture = io.BytesIO()
    scene.save(picture, "JPEG", quality=85)
    return len(make_thumbnail(picture.getvalue()).data)


def run() -> dict[str, Any]:
    region = os.environ.get("AWS_REGION", "us-east-1")
    with environment(DUMMY_ENVIRONMENT), mock_aws():
        stack = Stack(region=region)
        create_resources(stack, boto3.Session(region_name=region))
        moment = now()
        _seed_console_alarms(stack, boto3.client("dynamodb", region_name=region), moment)
        page = _handler(stack, "ConsoleFunction")
        context = LambdaContext(aws_request_id="bench")
        first = page.lambda_handler(console_event("GET /"), context)
        worker = page.lambda_handler(console_event("GET /sw.js"), context)
        again = console_event("GET /")
        again["headers"]["if-none-match"] = first["headers"]["etag"]
        revalidated = page.lambda_handler(again, context)
        files = [
            page.lambda_handler(
                console_event(
                    "GET /console/{version}/{file}", {"version": page.VERSION, "file": name}
                ),
                context,
            )
            for name in page.FILES
        ]
        api = _handler(stack, "ConsoleApiFunction")
        alarms = api.lambda_handler(
            console_event("GET /api/alarms", time_ms=moment * 1000), context
        )
        cameras = api.lambda_handler(console_event("GET /api/cameras"), context)
    page_bytes = _sent_bytes(first) + sum(_sent_bytes(r) for r in files)
    shell_bytes = page_bytes + _sent_bytes(worker)
    raw_bytes = len(page.PAGE.body) + sum(len(f.body) for f in page.FILES.values())
    thumbnail = _thumbnail_bytes()
    first_load = page_bytes + _sent_bytes(alarms) + _sent_bytes(cameras)
    return {
        "page_and_files_gzip_bytes": page_bytes,
        # The installable app: first load with the worker; later loads from its cache.
        "app_shell_first_load_bytes": shell_bytes,
        "service_worker_gzip_bytes": _sent_bytes(worker),
        "app_shell_from_cache_requests": 2,
        "app_shell_from_cache_body_bytes": 2 * _sent_bytes(revalidated),
        "app_shell_from_cache_headers_bytes": 2 * _header_bytes(revalidated),
        "page_and_files_raw_bytes": raw_bytes,
        "files": len(files) + 1,
        "alarms_page_json_bytes": _sent_bytes(alarms),
        "alarms_in_page": CONSOLE_PAGE,
        "cameras_json_bytes": _sent_bytes(cameras),
        "thumbnail_bytes_1080p": thumbnail,
        "first_load_bytes": first_load,
        "first_load_with_50_thumbnails_bytes": first_load + CONSOLE_PAGE * thumbnail,
    }
