"""Media links: the email's one-click way to an alarm's picture or video.

The bucket stays private. Each stored alarm gets a random link token (128
bits) and an expiry; the notification email carries
``<api>/alarms/<alarm id>/picture?token=<token>``. Opening it asks the media
function, which checks the token against the alarm record and answers with a
redirect to a presigned S3 URL that lives five minutes. Anyone holding the
link can open it until it expires, like a shared-photo link; ``MediaLinkDays=0``
turns links off.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
import urllib.parse
from dataclasses import dataclass
from typing import Any, Literal

import boto3
from botocore.config import Config

from vstarcam_push.models.alarm import Alarm, DerivedMedia, MediaLink
from vstarcam_push.models.errors import PushError
from vstarcam_push.models.media import StoredMedia

# "thumbnail": a web push notification's image (the small one media processing made, or
# the picture until it has).
MediaName = Literal["picture", "video", "thumbnail"]
MEDIA_NAMES: tuple[MediaName, ...] = ("picture", "video", "thumbnail")
# Long enough to open after the redirect, short enough that a copied S3 URL is soon useless.
PRESIGNED_SECONDS = 300
_ALARM_ID = re.compile(r"[A-Z0-9]{4,32}-[0-9a-f]{20}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")


def new_link(now: int, days: int, alarm_expires_at: int) -> MediaLink | None:
    """A fresh token, valid ``days`` days but never past the alarm's own retention."""
    if days <= 0:
        return None
    return MediaLink(secrets.token_urlsafe(16), min(now + days * 86_400, alarm_expires_at))


def link_url(api_url: str, alarm_id: str, media: MediaName, token: str) -> str:
    query = urllib.parse.urlencode({"token": token})
    return f"{api_url.rstrip('/')}/alarms/{alarm_id}/{media}?{query}"


class LinkNotFound(PushError):
    """One answer for every failure, so a guess learns nothing about what exists."""

    status = 404

    def __init__(self, reason: str) -> None:
        super().__init__("no such alarm media, or its link has expired", reason=reason)


@dataclass(frozen=True)
class LinkRequest:
    alarm_id: str
    media: MediaName
    token: str


def parse_link_request(path_parameters: dict[str, str], query: dict[str, str]) -> LinkRequest:
    """The link's alarm id, media and token; a malformed one is refused before any AWS call."""
    alarm_id, media = path_parameters.get("alarmId", ""), path_parameters.get("media", "")
    token = query.get("token", "")
    if media not in MEDIA_NAMES:
        raise LinkNotFound("link_media_invalid")
    if not _ALARM_ID.fullmatch(alarm_id):
        raise LinkNotFound("link_alarm_invalid")
    if not _TOKEN.fullmatch(token):
        raise LinkNotFound("link_token_invalid")
    return LinkRequest(alarm_id, media, token)  # type: ignore[arg-type]


def linked_media(
    alarm: Alarm | None, media: MediaName, token: str, now: int
) -> StoredMedia | DerivedMedia:
    """The alarm's picture or video, if ``token`` is its link token and not expired."""
    if alarm is None or alarm.link is None:
        raise LinkNotFound("link_unknown")
    # Constant time: the comparison must not tell how much of a guessed token was right.
    if not hmac.compare_digest(alarm.link.token.encode(), token.encode()):
        raise LinkNotFound("link_token_wrong")
    # DynamoDB's TTL deletes up to days late: the times decide, not the item's presence.
    if now >= alarm.link.expires_at or now >= alarm.expires_at:
        raise LinkNotFound("link_expired")
    stored: StoredMedia | DerivedMedia | None = alarm.picture if media == "picture" else alarm.video
    if media == "thumbnail":
        stored = alarm.thumbnail or alarm.picture
    if stored is None:
        raise LinkNotFound("link_no_video")
    return stored


def presigning_client(region: str) -> Any:
    """An S3 client whose presigned URLs name the bucket's regional host.

    boto3 presigns with the global ``<bucket>.s3.amazonaws.com`` host, which
    S3 answers with a redirect for buckets outside us-east-1 in their first
    hours; the SigV4 signature covers the host, so that redirect would break
    the link. With ``AWS_ENDPOINT_URL`` (the local stack) the endpoint is kept.
    """
    if os.environ.get("AWS_ENDPOINT_URL"):
        return boto3.client("s3", region_name=region, config=Config(signature_version="s3v4"))
    return boto3.client(
        "s3",
        region_name=region,
        endpoint_url=f"https://s3.{region}.amazonaws.com",
        config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}),
    )


def presigned_url(
    s3: Any,
    bucket: str,
    alarm_id: str,
    stored: StoredMedia | DerivedMedia,
    *,
    part: str = "",
    download: bool = False,
    cache_control: str = "private, no-store",
) -> str:
    """A GET of one alarm medium that works for ``PRESIGNED_SECONDS``.

    The browser shows it (or, with ``download``, saves it) under a name that says which
    alarm it was: ``<alarm id>.<ext>``, or ``<alarm id>-<part>.<ext>`` for another part
    than the picture (``video``, ``thumbnail``, ``playableVideo``). By default S3's
    answer says itself that no shared cache (a proxy, a CDN) keeps it.
    """
    extension = stored.key.rsplit(".", 1)[-1]
    name = f"{alarm_id}-{part}" if part else alarm_id
    disposition = "attachment" if download else "inline"
    return s3.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": bucket,
            "Key": stored.key,
            "ResponseContentType": stored.content_type,
            "ResponseCacheControl": cache_control,
            "ResponseContentDisposition": f'{disposition}; filename="{name}.{extension}"',
        },
        ExpiresIn=PRESIGNED_SECONDS,
    )


def redirect(location: str) -> dict[str, Any]:
    """An HTTP API (payload v2) 302 that no cache keeps and no referrer carries on."""
    return {
        "statusCode": 302,
        "headers": {
            "location": location,
            "cache-control": "no-store",
            "referrer-policy": "no-referrer",
        },
        "body": "",
    }
