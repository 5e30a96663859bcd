"""The alarm email's one-click links: stored alarm -> email with links -> the media function
answers a redirect to a short-lived presigned URL of exactly that alarm's picture or video."""

from __future__ import annotations

import re
import time
import urllib.parse

import pytest
from vstarcam_tools.events import link_event

from tests.conftest import JPEG, MP4, VUID, alarm_event, invoke, reply_of
from tests.integration.conftest import Aws, AwsSpy, Emf, LoadFunction, LogCapture, Pipeline, metric

REFUSAL = {"code": "404", "message": "no such alarm media, or its link has expired"}
LINK = re.compile(r"Open the (picture|video): (\S+)")
DAY = 86_400


def store_and_notify(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, video: bytes | None = None, **env: str
) -> dict[str, str]:
    """A registered camera's alarm, stored and notified; the email's links by media name."""
    aws.register()
    alarm = functions("AlarmFunction", **env)
    assert reply_of(invoke(alarm, alarm_event(video=video)))["code"] == "200"
    pipeline.flush()
    (message,) = aws.published()
    assert "token=" not in message.message["sms"]
    return dict(LINK.findall(message.message["email"]))


def open_link(functions: LoadFunction, url: str, time_ms: int | None = None) -> dict:
    return invoke(functions("MediaLinkFunction"), link_event(url, time_ms=time_ms))


def test_the_email_link_redirects_to_a_short_lived_url_of_the_stored_picture(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    """GIVEN an alarm stored and notified with the template's settings (links for 7 days)
    WHEN the email's picture link is opened
    THEN it is on the stack's API, and the reply is a 302 that no cache keeps, to a
    presigned GET of the picture on the bucket's regional host, valid for five minutes."""
    links = store_and_notify(aws, functions, pipeline)
    (record,) = aws.alarms()

    assert set(links) == {"picture"}
    api = aws.stack.outputs()["HeartbeatUrl"].removesuffix("/heartbeat")
    assert links["picture"].startswith(f"{api}/alarms/{record['alarmId']['S']}/picture?token=")
    response = open_link(functions, links["picture"])

    assert response["statusCode"] == 302
    assert response["headers"]["cache-control"] == "no-store"
    location = urllib.parse.urlsplit(response["headers"]["location"])
    query = dict(urllib.parse.parse_qsl(location.query))
    assert location.scheme == "https"
    assert location.netloc == f"{aws.bucket}.s3.us-east-1.amazonaws.com"
    assert location.path == "/" + record["pictureKey"]["S"]
    assert query["X-Amz-Expires"] == "300"
    assert query["response-content-type"] == "image/jpeg"
    assert aws.media(record["pictureKey"]["S"])[0] == JPEG


def test_an_alarm_with_video_gets_a_video_link_too(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    links = store_and_notify(aws, functions, pipeline, video=MP4)
    (record,) = aws.alarms()

    response = open_link(functions, links["video"])

    assert response["statusCode"] == 302
    location = urllib.parse.urlsplit(response["headers"]["location"])
    assert location.path == "/" + record["videoKey"]["S"]


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda url: url[:-4] + "AAAA", id="wrong-token"),
        pytest.param(lambda url: url.split("?")[0], id="no-token"),
        pytest.param(lambda url: url + "%00", id="malformed-token"),
        pytest.param(lambda url: url.replace("/picture?", "/video?"), id="no-video-stored"),
        pytest.param(lambda url: url.replace("/picture?", "/playable?"), id="unknown-media"),
        pytest.param(lambda url: re.sub(r"-[0-9a-f]{20}/", f"-{'0' * 20}/", url), id="no-alarm"),
        pytest.param(lambda url: re.sub(r"/alarms/[^/]+/", "/alarms/..%2Fx/", url), id="bad-id"),
    ],
)
def test_every_bad_link_gets_the_same_404_in_the_wire_shape(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, tamper
) -> None:
    """One answer for all: a guess learns nothing about which alarms or media exist."""
    links = store_and_notify(aws, functions, pipeline)

    response = open_link(functions, tamper(links["picture"]))

    assert response["statusCode"] == 404
    assert reply_of(response) == REFUSAL


def test_a_malformed_link_is_refused_before_any_aws_call(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, spy: AwsSpy
) -> None:
    links = store_and_notify(aws, functions, pipeline)
    media = functions("MediaLinkFunction")

    with spy.watching():
        invoke(media, link_event(links["picture"].split("?")[0] + "?token=short"))
        refused = spy.operations()
    with spy.watching():
        invoke(media, link_event(links["picture"]))
        opened = spy.operations()

    assert refused == []
    # One read; the presigned URL is computed locally, not fetched.
    assert opened == ["GetItem"]


def test_a_link_stops_working_after_media_link_days(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    links = store_and_notify(aws, functions, pipeline)
    (record,) = aws.alarms()
    received = int(record["receivedAtMs"]["N"]) // 1000

    assert int(record["linkExpiresAt"]["N"]) == received + 7 * DAY
    late_ms = (received + 7 * DAY) * 1000
    assert open_link(functions, links["picture"], time_ms=late_ms - 1000)["statusCode"] == 302
    assert reply_of(open_link(functions, links["picture"], time_ms=late_ms)) == REFUSAL


def test_a_link_never_outlives_the_alarm(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    """GIVEN RetentionDays 3 and MediaLinkDays 7 THEN the link ends with the alarm, at 3 days."""
    store_and_notify(aws, functions, pipeline, RETENTION_DAYS="3")
    (record,) = aws.alarms()

    assert record["linkExpiresAt"]["N"] == record["expiresAt"]["N"]


def test_media_link_days_0_sends_no_links(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    links = store_and_notify(aws, functions, pipeline, MEDIA_LINK_DAYS="0")
    (record,) = aws.alarms()

    assert links == {}
    assert "linkToken" not in record
    (message,) = aws.published()
    assert "vstarcam-push alarms get" in message.message["email"]  # still a way to the picture


def test_the_token_is_never_logged_and_opened_links_are_counted(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, logs: LogCapture, emf: Emf
) -> None:
    links = store_and_notify(aws, functions, pipeline)
    token = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(links["picture"]).query))["token"]
    media = functions("MediaLinkFunction")
    logs.attach("media")
    emf()

    invoke(media, link_event(links["picture"]))
    invoke(media, link_event(links["picture"].replace(token[-4:], "AAAA")))

    lines = logs.lines()
    assert lines and all(token not in str(line) for line in lines)
    assert [line["alarm_id"] for line in lines if "alarm_id" in line]
    blobs = emf()
    assert metric(blobs, "MediaLinksOpened") == 1
    assert metric(blobs, "Refusals", reason="link_token_wrong") == 1


def test_an_alarm_stored_before_links_existed_has_none(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline
) -> None:
    """GIVEN an alarm record without link attributes (stored by an older version)
    THEN it is notified without links and its media cannot be opened by link."""
    store_and_notify(aws, functions, pipeline)
    (record,) = aws.alarms()
    aws.dynamodb.update_item(
        TableName=aws.alarms_table,
        Key={"vuid": {"S": VUID}, "alarmId": record["alarmId"]},
        UpdateExpression="REMOVE linkToken, linkExpiresAt",
    )
    url = f"https://abc123.execute-api.us-east-1.amazonaws.com/alarms/{record['alarmId']['S']}"
    response = open_link(functions, f"{url}/picture?token={'A' * 22}", int(time.time() * 1000))

    assert reply_of(response) == REFUSAL
