"""Media links, without AWS: tokens, expiry, the checks, the redirect and the presigning host."""

from __future__ import annotations

import urllib.parse
from dataclasses import replace

import pytest
from vstarcam_push.media.links import (
    PRESIGNED_SECONDS,
    LinkNotFound,
    link_url,
    linked_media,
    new_link,
    parse_link_request,
    presigned_url,
    presigning_client,
    redirect,
)
from vstarcam_push.models.alarm import Alarm, DerivedMedia, MediaLink, MediaResult
from vstarcam_push.models.alarm_types import AlarmType
from vstarcam_push.models.media import StoredMedia

NOW = 1_795_701_791
DAY = 86_400
ALARM_ID = "VE0005622QHOW-ea46bc3bce0605056e70"
TOKEN = "q3V9x0Zc2m8JtYHfK1w7Ag"
PICTURE = StoredMedia("alarms/VE0005622QHOW/2026/11/26/140311-ea46.jpg", "image/jpeg", 9, "0" * 64)
VIDEO = StoredMedia("alarms/VE0005622QHOW/2026/11/26/140311-ea46.mp4", "video/mp4", 9, "1" * 64)


LINK = MediaLink(TOKEN, NOW + 7 * DAY)


def alarm(link: MediaLink | None = LINK, video: bool = False) -> Alarm:
    return Alarm(
        alarm_id=ALARM_ID,
        vuid="VE0005622QHOW",
        alarm_type=AlarmType(0x12),
        received_at_ms=NOW * 1000,
        picture=PICTURE,
        video=VIDEO if video else None,
        expires_at=NOW + 30 * DAY,
        link=link,
    )


def test_a_new_link_is_a_fresh_128_bit_url_safe_token() -> None:
    links = {new_link(NOW, 7, NOW + 30 * DAY) for _ in range(50)}

    assert len({link.token for link in links if link}) == 50
    for link in links:
        assert link is not None and link.expires_at == NOW + 7 * DAY
        assert parse_link_request({"alarmId": ALARM_ID, "media": "picture"}, {"token": link.token})


def test_a_link_expires_with_the_alarm_at_the_latest_and_0_days_means_none() -> None:
    capped = new_link(NOW, 7, alarm_expires_at=NOW + 3 * DAY)

    assert capped is not None and capped.expires_at == NOW + 3 * DAY
    assert new_link(NOW, 0, NOW + 30 * DAY) is None


def test_the_link_url_is_the_route_with_the_token_in_the_query() -> None:
    url = link_url("https://abc.execute-api.eu-west-1.amazonaws.com/", ALARM_ID, "video", TOKEN)

    assert url == (
        f"https://abc.execute-api.eu-west-1.amazonaws.com/alarms/{ALARM_ID}/video?token={TOKEN}"
    )


@pytest.mark.parametrize(
    ("path", "query", "reason"),
    [
        ({"alarmId": ALARM_ID, "media": "playable"}, {"token": TOKEN}, "link_media_invalid"),
        ({"alarmId": "../../etc", "media": "picture"}, {"token": TOKEN}, "link_alarm_invalid"),
        ({"alarmId": ALARM_ID.lower(), "media": "picture"}, {"token": TOKEN}, "link_alarm_invalid"),
        ({"alarmId": ALARM_ID, "media": "picture"}, {}, "link_token_invalid"),
        ({"alarmId": ALARM_ID, "media": "picture"}, {"token": TOKEN + "x"}, "link_token_invalid"),
        ({"alarmId": ALARM_ID, "media": "picture"}, {"token": "é" * 22}, "link_token_invalid"),
        ({}, {}, "link_media_invalid"),
    ],
)
def test_malformed_requests_are_refused_with_one_message(
    path: dict[str, str], query: dict[str, str], reason: str
) -> None:
    with pytest.raises(LinkNotFound) as refused:
        parse_link_request(path, query)

    assert (refused.value.status, refused.value.reason) == (404, reason)
    assert refused.value.message == "no such alarm media, or its link has expired"


def test_the_right_token_opens_the_picture_or_the_video() -> None:
    assert linked_media(alarm(), "picture", TOKEN, NOW) == PICTURE
    assert linked_media(alarm(video=True), "video", TOKEN, NOW) == VIDEO


def test_the_thumbnail_link_opens_the_thumbnail_or_until_it_is_made_the_picture() -> None:
    """A web push notification's image: the small thumbnail media processing makes; an alarm
    pushed before it was made shows the picture."""
    assert linked_media(alarm(), "thumbnail", TOKEN, NOW) == PICTURE
    thumbnail = DerivedMedia("alarms/t.jpg", "image/jpeg", 9_000)
    done = replace(alarm(), media=MediaResult("done", thumbnail=thumbnail))
    assert linked_media(done, "thumbnail", TOKEN, NOW) == thumbnail


@pytest.mark.parametrize(
    ("stored", "media", "token", "now", "reason"),
    [
        (None, "picture", TOKEN, NOW, "link_unknown"),
        (alarm(link=None), "picture", TOKEN, NOW, "link_unknown"),
        (alarm(), "picture", TOKEN[:-1] + "B", NOW, "link_token_wrong"),
        (alarm(), "picture", TOKEN, NOW + 7 * DAY, "link_expired"),
        (alarm(MediaLink(TOKEN, NOW + 99 * DAY)), "picture", TOKEN, NOW + 30 * DAY, "link_expired"),
        (alarm(), "video", TOKEN, NOW, "link_no_video"),
    ],
    ids=["no-alarm", "no-link", "wrong-token", "link-expired", "alarm-expired", "no-video"],
)
def test_every_other_case_is_not_found(
    stored: Alarm | None, media: str, token: str, now: int, reason: str
) -> None:
    with pytest.raises(LinkNotFound) as refused:
        linked_media(stored, media, token, now)  # type: ignore[arg-type]

    assert refused.value.reason == reason


def test_the_redirect_is_kept_by_no_cache_and_sends_no_referrer() -> None:
    assert redirect("https://bucket.s3.eu-west-1.amazonaws.com/k?X-Amz-Signature=s") == {
        "statusCode": 302,
        "headers": {
            "location": "https://bucket.s3.eu-west-1.amazonaws.com/k?X-Amz-Signature=s",
            "cache-control": "no-store",
            "referrer-policy": "no-referrer",
        },
        "body": "",
    }


@pytest.mark.parametrize("region", ["eu-west-1", "us-east-1", "ap-southeast-2"])
def test_presigned_urls_name_the_buckets_regional_host(
    monkeypatch: pytest.MonkeyPatch, region: str
) -> None:
    """A redirect from the global host during a new bucket's first hours would change the
    host the SigV4 signature covers: the regional host never redirects."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    url = presigned_url(presigning_client(region), "media-bucket", ALARM_ID, PICTURE)

    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    assert parts.netloc == f"media-bucket.s3.{region}.amazonaws.com"
    assert parts.path == f"/{PICTURE.key}"
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Expires"] == str(PRESIGNED_SECONDS)
    assert query["response-content-disposition"] == f'inline; filename="{ALARM_ID}.jpg"'
    # S3's own answer forbids shared caches from keeping the picture.
    assert query["response-cache-control"] == "private, no-store"


def test_with_an_endpoint_url_the_presigned_url_stays_on_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The local stack: the link must lead to its moto server, not to AWS."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    url = presigned_url(presigning_client("us-east-1"), "media-bucket", ALARM_ID, PICTURE)

    assert url.startswith(f"http://127.0.0.1:4566/media-bucket/{PICTURE.key}?")
