"""ConsoleFunction: the page and its versioned files, with the security headers on every
response, long-lived caching for versioned files, no inline script, gzip, and 404s; the
installable app's manifest, icons and service worker."""

from __future__ import annotations

import base64
import gzip
import html
import io
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
        get(page_function, "GET /sw.js"),
        get(page_function, "GET /console/{version}/{file}", version=version, file="icon-192.png"),
        get(page_function, "GET /console/{version}/{file}", version=version, file="main.js"),
        get(page_function, "GET /console/{version}/{file}", version="old", file="main.js"),
        get(page_function, "GET /console/{version}/{file}", version=version, file="app.py"),
    ]
    for response in responses:
        headers = response["headers"]
        csp = headers["content-security-policy"]
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
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
    assert directives["script-src"] == "'self'"
    # The installable app: its manifest and service worker from this origin only.
    assert directives["manifest-src"] == "'self'"
    assert directives["worker-src"] == "'self'"


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
    text = [p for p in WEB.iterdir() if p.suffix != ".png"]
    total = sum(p.stat().st_size for p in text)
    gzipped = sum(len(gzip.compress(p.read_bytes(), 9)) for p in text)
    # Snooze's card state, controls and dialog (snooze.js, 4.6 kB) took it past 80 kB; the
    # day view (day.js, its strips, marks and month picker) past 100 kB; web push (notify.js,
    # the worker's notifications and actions) past 120 kB.
    assert total < 140_000, total
    # 15 kB for the first console; the installable app (worker, offline view, tiles, the
    # unreviewed poll), phone layout and the Users page brought it to 27 kB, snooze to
    # 29.3 kB, the day view to about 35.7 kB, web push (the "Notify this device" page, the
    # worker's notifications and actions) to about 44 kB (issue 19).
    assert gzipped < 46_000, gzipped
    # The home-screen icons: drawn flat, 32 colours; the notification badge, one shape.
    assert sum(p.stat().st_size for p in WEB.glob("*.png")) < 10_000


def test_every_script_module_imported_exists() -> None:
    names = {p.name for p in WEB.glob("*.js")}
    for script in WEB.glob("*.js"):
        for imported in re.findall(r"from '\./([^']+)'", script.read_text()):
            assert imported in names, (script.name, imported)
    assert Path(WEB / "main.js").exists()


# -- the installable app ---------------------------------------------------------------


def test_the_page_links_the_manifest_the_theme_colour_and_the_touch_icon(
    page_function: ModuleType,
) -> None:
    page = body_of(get(page_function, "GET /"))
    version = page_function.VERSION
    assert f'<link rel="manifest" href="/console/{version}/manifest.webmanifest">' in page
    assert '<meta name="theme-color" content="#1f5f8b">' in page
    assert f'<link rel="apple-touch-icon" href="/console/{version}/icon-192.png">' in page


def test_the_manifest_makes_the_console_installable(page_function: ModuleType) -> None:
    """What Chromium's installability check asks of a manifest (the browser test asks
    Chromium itself): a name, icons of 192 and 512 px, a start URL, a standalone display."""
    response = get(
        page_function,
        "GET /console/{version}/{file}",
        version=page_function.VERSION,
        file="manifest.webmanifest",
    )
    assert response["headers"]["content-type"] == "application/manifest+json"
    manifest = json.loads(body_of(response))
    assert manifest["name"] == "VStarcam push" and manifest["short_name"]
    assert (manifest["start_url"], manifest["scope"], manifest["id"]) == ("/", "/", "/")
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#1f5f8b"  # style.css's --accent
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        # Relative to the manifest: this version's files.
        assert icon["src"] in page_function.FILES and icon["type"] == "image/png"


def test_the_icons_are_pngs_of_their_size_as_the_script_draws_them(
    page_function: ModuleType,
) -> None:
    from PIL import Image
    from vstarcam_tools.dev.app_icons import SIZES, icon_png

    for size in SIZES:
        response = get(
            page_function,
            "GET /console/{version}/{file}",
            {"accept-encoding": "gzip"},
            version=page_function.VERSION,
            file=f"icon-{size}.png",
        )
        # Already compressed: sent as they are (base64 through API Gateway), never gzipped.
        assert response["isBase64Encoded"] and "content-encoding" not in response["headers"]
        assert response["headers"]["content-type"] == "image/png"
        served = Image.open(io.BytesIO(base64.b64decode(response["body"])))
        assert served.size == (size, size)
        drawn = Image.open(io.BytesIO(icon_png(size)))
        assert served.convert("RGB").tobytes() == drawn.convert("RGB").tobytes(), size


def test_the_notification_badge_is_a_white_shape_on_transparency(page_function: ModuleType) -> None:
    """Android draws a web push notification's badge from its alpha channel alone."""
    from PIL import Image
    from vstarcam_tools.dev.app_icons import BADGE, badge_png

    response = get(
        page_function,
        "GET /console/{version}/{file}",
        version=page_function.VERSION,
        file=f"badge-{BADGE}.png",
    )
    served = Image.open(io.BytesIO(base64.b64decode(response["body"]))).convert("LA")
    assert served.size == (BADGE, BADGE)
    assert served.tobytes() == Image.open(io.BytesIO(badge_png())).convert("LA").tobytes()
    alpha = served.getchannel("A")
    assert alpha.getextrema() == (0, 255)  # some of it clear, some of it the shape
    shape = [
        v
        for v, a in zip(served.getchannel("L").getdata(), alpha.getdata(), strict=True)
        if a == 255
    ]
    assert shape and min(shape) == 255  # white where it is drawn


def test_the_service_worker_is_at_the_root_names_this_version_and_is_revalidated(
    page_function: ModuleType,
) -> None:
    response = get(page_function, "GET /sw.js", {"accept-encoding": "gzip"})
    assert response["statusCode"] == 200
    assert response["headers"]["content-type"] == "text/javascript; charset=utf-8"
    # Browsers check a worker for updates on navigation; no-cache makes that check a 304.
    assert response["headers"]["cache-control"] == "no-cache"
    worker = body_of(response)
    assert f"const VERSION = '{page_function.VERSION}';" in worker
    (files,) = re.findall(r"const FILES = (\[[^\]]*\]);", worker)
    assert json.loads(files) == sorted(page_function.FILES)
    assert "sw.js" not in page_function.FILES and "index.html" not in page_function.FILES
    assert "__" not in worker.replace("__proto__", "")
    again = get(page_function, "GET /sw.js", {"if-none-match": response["headers"]["etag"]})
    assert again["statusCode"] == 304


def test_the_service_worker_may_fetch_only_here_and_the_buckets_thumbnails(
    page_function: ModuleType,
) -> None:
    """A worker is governed by its own script's policy: this origin and the media bucket."""
    headers = get(page_function, "GET /sw.js")["headers"]
    directives = dict(d.split(" ", 1) for d in headers["content-security-policy"].split("; "))
    bucket = "https://vstarcam-push-mediabucket.s3.us-east-1.amazonaws.com"
    assert directives == {
        "default-src": "'none'",
        "connect-src": f"'self' {bucket}",
        # A notification's picture, icon and badge (Chromium loads them under this policy).
        "img-src": f"'self' {bucket}",
        "frame-ancestors": "'none'",
    }
    worker = body_of(get(page_function, "GET /sw.js"))
    assert f"const MEDIA_ORIGIN = '{bucket}';" in worker


def test_the_service_worker_keeps_no_api_answer_and_no_token() -> None:
    """It answers only the page, this version's files and the bucket's images: the API
    (tokens in, presigned URLs out) and the sign-in service go past it untouched. The one
    API call it makes is a notification's action, with that action's token and no session."""
    worker = re.sub(r"//.*", "", (WEB / "sw.js").read_text())
    assert re.findall(r"api/[a-z/]+", worker) == ["api/push/action"]
    assert "Authorization" not in worker and "credentials: 'omit'" in worker
    assert "sessionStorage" not in worker and "cognito" not in worker.lower()
    assert "request.method !== 'GET'" in worker


def test_the_quiet_hours_note_says_what_still_gets_through() -> None:
    """A device's quiet hours hold everything but the urgent types (smoke and fire, the
    filters' default for a device): the form must not promise that nothing is pushed."""
    from vstarcam_push.models.alarm_types import ALARM_TYPE_NAMES
    from vstarcam_push.models.push_event import URGENT_TYPES

    page = (WEB / "index.html").read_text()
    note = re.search(r'<p class="counts">([^<]*)<span id="notify-zone">', page)
    assert note, "the quiet hours note is next to the device's time zone"
    text = note.group(1).lower()
    assert "nothing is pushed" not in text
    for hex_type in URGENT_TYPES:
        word = "fire" if "fire" in ALARM_TYPE_NAMES[int(hex_type, 16)].lower() else "smoke"
        assert word in text, (hex_type, text)
