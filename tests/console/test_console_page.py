"""ConsoleFunction: the page and its versioned files, with the security headers on every
response, long-lived caching for versioned files, no inline script, gzip, and 404s."""

from __future__ import annotations

import base64
import gzip
import html
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from vstarcam_tools.events import LambdaContext
from vstarcam_tools.template import PROJECT_ROOT, Stack

from tests.conftest import load_function

WEB = PROJECT_ROOT / "functions" / "console" / "web"


@pytest.fixture
def page_function(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return load_function(stack, "ConsoleFunction", monkeypatch)


def get(module: ModuleType, route: str, headers: dict[str, str] | None = None, **path: str):
    event: dict[str, Any] = {"routeKey": route, "headers": headers or {}}
    if path:
        event["pathParameters"] = path
    return module.lambda_handler(event, LambdaContext(aws_request_id="r"))


def body_of(response: dict[str, Any]) -> str:
    if response.get("isBase64Encoded"):
        return gzip.decompress(base64.b64decode(response["body"])).decode()
    return response["body"]


def test_every_response_carries_the_security_headers(page_function: ModuleType) -> None:
    version = page_function.VERSION
    responses = [
        get(page_function, "GET /"),
        get(page_function, "GET /console/{version}/{file}", version=version, file="main.js"),
        get(page_function, "GET /console/{version}/{file}", version="old", file="main.js"),
        get(page_function, "GET /console/{version}/{file}", version=version, file="app.py"),
    ]
    for response in responses:
        headers = response["headers"]
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


def test_media_come_only_from_here_and_the_buckets_regional_host(
    page_function: ModuleType,
) -> None:
    csp = get(page_function, "GET /")["headers"]["content-security-policy"]
    directives = dict(d.split(" ", 1) for d in csp.split("; "))
    bucket = "https://vstarcam-push-mediabucket.s3.us-east-1.amazonaws.com"
    assert directives["img-src"] == f"'self' {bucket}"
    assert directives["media-src"] == f"'self' {bucket}"
    # The sign-in goes to Cognito from the browser; nothing else may be called.
    assert directives["connect-src"] == "'self' https://cognito-idp.us-east-1.amazonaws.com"


def test_the_page_is_revalidated_and_names_this_versions_files(page_function: ModuleType) -> None:
    response = get(page_function, "GET /")
    assert response["statusCode"] == 200
    assert response["headers"]["cache-control"] == "no-cache"
    assert response["headers"]["content-type"] == "text/html; charset=utf-8"
    page = body_of(response)
    version = page_function.VERSION
    assert re.fullmatch(r"[0-9a-f]{12}", version)
    assert f'src="/console/{version}/main.js"' in page
    assert f'href="/console/{version}/style.css"' in page
    assert "__VERSION__" not in page and "__CONFIG__" not in page


def test_the_page_carries_the_sign_in_settings_in_a_meta_tag(
    page_function: ModuleType, stack: Stack
) -> None:
    page = body_of(get(page_function, "GET /"))
    (content,) = re.findall(r'<meta name="console-config" content="([^"]*)">', page)
    config = json.loads(html.unescape(content))
    assert config["cognitoEndpoint"] == "https://cognito-idp.us-east-1.amazonaws.com/"
    assert config["clientId"] and config["clientId"] == stack.refs["ConsoleUserPoolClient"]
    assert {"hex": "0x14", "name": "Doorbell button alarm"} in config["alarmTypes"]


def test_versioned_files_are_cached_for_a_year_and_gzipped_when_asked(
    page_function: ModuleType,
) -> None:
    version = page_function.VERSION
    plain = get(page_function, "GET /console/{version}/{file}", version=version, file="alarms.js")
    zipped = get(
        page_function,
        "GET /console/{version}/{file}",
        {"accept-encoding": "gzip, deflate, br"},
        version=version,
        file="alarms.js",
    )
    assert plain["headers"]["cache-control"] == "public, max-age=31536000, immutable"
    assert plain["headers"]["content-type"] == "text/javascript; charset=utf-8"
    assert plain["body"] == (WEB / "alarms.js").read_text()
    assert zipped["headers"]["content-encoding"] == "gzip" and zipped["isBase64Encoded"]
    assert body_of(zipped) == plain["body"]
    assert len(base64.b64decode(zipped["body"])) < len(plain["body"]) / 2


def test_an_unchanged_file_is_a_304(page_function: ModuleType) -> None:
    version = page_function.VERSION
    first = get(page_function, "GET /console/{version}/{file}", version=version, file="style.css")
    again = get(
        page_function,
        "GET /console/{version}/{file}",
        {"if-none-match": first["headers"]["etag"]},
        version=version,
        file="style.css",
    )
    assert again["statusCode"] == 304 and again["body"] == ""


@pytest.mark.parametrize(
    ("version", "file"),
    [("old", "main.js"), (None, "../app.py"), (None, "app.py"), (None, "index.html"), (None, "")],
)
def test_other_versions_and_other_files_are_404(
    page_function: ModuleType, version: str | None, file: str
) -> None:
    response = get(
        page_function,
        "GET /console/{version}/{file}",
        version=version or page_function.VERSION,
        file=file,
    )
    assert response["statusCode"] == 404
    assert response["headers"]["cache-control"] == "no-store"


def test_the_page_has_no_inline_script_or_style_and_the_scripts_no_eval() -> None:
    """What the CSP forbids is not there to break: the page works under its own policy."""
    page = (WEB / "index.html").read_text()
    assert re.findall(r"<script[^>]*>", page) == [
        '<script type="module" src="/console/__VERSION__/main.js">'
    ]
    assert "<style" not in page and " style=" not in page
    assert not re.search(r"\son[a-z]+=", page)
    for script in WEB.glob("*.js"):
        text = script.read_text()
        assert not re.search(r"\beval\(|\.innerHTML\b|new Function\(", text), script.name
        code = re.sub(r"//.*", "", text)  # the comments may name what the code never uses
        assert "localStorage" not in code and "document.cookie" not in code, script.name


def test_the_sign_in_form_is_one_a_password_manager_understands() -> None:
    page = (WEB / "index.html").read_text()
    assert 'autocomplete="username"' in page
    assert 'autocomplete="current-password"' in page
    assert 'autocomplete="new-password"' in page
    assert 'autocomplete="one-time-code"' in page
    # Every input has a label.
    inputs = re.findall(r'<input id="([^"]+)"', page)
    labels = set(re.findall(r'<label for="([^"]+)"', page))
    hidden = {"newpass-username"}
    assert set(inputs) - hidden - {"select-all"} <= labels


def test_the_page_and_its_scripts_stay_small() -> None:
    total = sum(p.stat().st_size for p in WEB.iterdir())
    gzipped = sum(len(gzip.compress(p.read_bytes(), 9)) for p in WEB.iterdir())
    assert total < 80_000, total
    assert gzipped < 25_000, gzipped


def test_every_script_module_imported_exists() -> None:
    names = {p.name for p in WEB.glob("*.js")}
    for script in WEB.glob("*.js"):
        for imported in re.findall(r"from '\./([^']+)'", script.read_text()):
            assert imported in names, (script.name, imported)
    assert Path(WEB / "main.js").exists()
