"""What every web console response carries: the security headers and the JSON reply shape.

Both console functions (the page and its files, and the JSON API) answer
through here, so no console response goes out without its Content-Security-Policy.
No boto3 here: the page function imports this and nothing heavier.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit


def origin_of(url: str) -> str:
    """``https://host[:port]`` of a URL, or ``""`` for an empty or relative one."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(media_origin: str, auth_origin: str = "") -> str:
    """No inline script or style; pictures and videos only from here and the media bucket;
    API calls only to here and Cognito; never inside a frame."""
    media = " ".join(filter(None, ["'self'", media_origin]))
    connect = " ".join(filter(None, ["'self'", auth_origin]))
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {media}",
            f"media-src {media}",
            f"connect-src {connect}",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(csp: str) -> dict[str, str]:
    return {
        "content-security-policy": csp,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        # frame-ancestors for today's browsers, X-Frame-Options for older ones.
        "x-frame-options": "DENY",
        "strict-transport-security": "max-age=31536000",
    }


# The API's replies are data, never a document: nothing in them may load or run.
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def json_reply(status: int, document: Any) -> dict[str, Any]:
    """An API reply: JSON, never cached (it carries presigned URLs), with the headers."""
    return {
        "statusCode": status,
        "headers": {
            "content-type": "application/json; charset=UTF-8",
            "cache-control": "no-store",
            **security_headers(API_CSP),
        },
        "body": json.dumps(document, separators=(",", ":")),
    }


def error_reply(status: int, message: str) -> dict[str, Any]:
    """A refusal in the same ``{"code","message"}`` shape as the camera protocol's."""
    return json_reply(status, {"code": str(status), "message": message})
