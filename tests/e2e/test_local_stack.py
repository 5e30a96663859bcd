"""The local stack end to end: cameras' requests over real HTTP, results read back from moto.

GIVEN the local stack (``vstarcam-push local``) running on free ports with the
offline sweep every second, WHEN a camera (requests, curl) sends heartbeats and
alarm pushes, THEN the replies, what is stored in S3 and DynamoDB and what SNS
published are what the deployed stack would produce.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.dal.media import MediaStore
from vstarcam_push.models.push_keys import keyed_url
from vstarcam_push.runtime.http_event import MAX_REQUEST_BYTES
from vstarcam_tools.cli.main import main

from tests.conftest import PUSH_KEY
from tests.conftest import VENDOR_ALARM_TYPES as ALARM_TYPES
from tests.e2e.helpers import (
    HTTP_TIMEOUT_S,
    RETENTION_DAYS,
    jpeg,
    new_vuid,
    post_alarm,
    post_heartbeat,
    reply_of,
    stored_alarms,
)
from tests.e2e.localstack import LocalStackProcess, SnsInbox

pytestmark = pytest.mark.slow

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(2048)
NOTIFY_TIMEOUT_S = 30.0


# -- start-up --------------------------------------------------------------------------


def test_start_up_prints_the_camera_urls_and_the_aws_endpoint(local: LocalStackProcess) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/heartbeat", local.heartbeat_url)
    assert local.alarm_url == f"{local.base_url}/alarm"
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", local.endpoint)
    assert local.endpoint != local.base_url
    # The commands it prints run when pasted into a shell with the same PATH.
    command = local.wait_for_line(r"^  \S+ cameras add ")
    assert shutil.which(shlex.split(command)[0]), command


def test_outputs_are_published_where_the_cli_reads_a_deployed_stacks(
    local: LocalStackProcess,
) -> None:
    outputs = local.outputs
    assert outputs.heartbeat_url == local.heartbeat_url
    assert outputs.alarm_url == local.alarm_url
    assert outputs.cameras_table == "vstarcam-push-camerastable"
    assert outputs.media_bucket == "vstarcam-push-mediabucket"
    assert outputs.topic_arn.startswith("arn:aws:sns:us-east-1:")
    assert outputs.retention_days == RETENTION_DAYS
    assert outputs.raw["NotifyDeadLetterQueueUrl"].endswith("vstarcam-push-notifydeadletterqueue")


# -- heartbeat -------------------------------------------------------------------------


def test_heartbeat_of_a_registered_camera_marks_it_online(
    local: LocalStackProcess, register: Callable[..., str], registry: CameraRegistry
) -> None:
    vuid = register(name="Garage")
    before = int(time.time())

    assert reply_of(post_heartbeat(local.heartbeat_url, vuid), 200) == "Success"

    camera = registry.get(vuid)
    assert camera is not None and camera.status == "online"
    assert camera.last_seen is not None and camera.last_seen >= before - 1
    assert camera.online_until == camera.last_seen + 180


def test_heartbeat_accepts_a_lower_case_vuid(
    local: LocalStackProcess, register: Callable[..., str], registry: CameraRegistry
) -> None:
    vuid = register()

    assert reply_of(post_heartbeat(local.heartbeat_url, vuid.lower()), 200) == "Success"

    camera = registry.get(vuid)
    assert camera is not None and camera.status == "online"


def test_heartbeat_of_an_unknown_camera_is_refused(
    local: LocalStackProcess, registry: CameraRegistry
) -> None:
    vuid = new_vuid()

    message = reply_of(post_heartbeat(local.heartbeat_url, vuid), 403)

    assert f"camera {vuid} is not registered" in message
    assert "vstarcam-push cameras add" in message
    assert registry.get(vuid) is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b"vuid=VE0005622QHOW", "heartbeat body is not JSON", id="not-json"),
        pytest.param(b'["VE0005622QHOW"]', "must be a JSON object", id="not-an-object"),
        pytest.param(b'{"id": "VE0005622QHOW"}', "vuid is missing", id="vuid-missing"),
        pytest.param(b'{"vuid": ""}', "vuid is empty", id="vuid-empty"),
        pytest.param(b'{"vuid": "VE00/../56"}', "4 to 32 letters and digits", id="vuid-invalid"),
        pytest.param(b'{"vuid": 5622}', "vuid must be a string", id="vuid-not-a-string"),
    ],
)
def test_bad_heartbeat_is_refused_with_a_reason(
    local: LocalStackProcess, body: bytes, expected: str
) -> None:
    response = requests.post(
        keyed_url(local.heartbeat_url, PUSH_KEY),
        data=body,
        headers={"content-type": "application/json"},
        timeout=HTTP_TIMEOUT_S,
    )

    assert expected in reply_of(response, 400)


# -- alarm push ------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["decimal", "hex"])
@pytest.mark.parametrize("code", list(ALARM_TYPES), ids=[f"0x{c:02x}" for c in ALARM_TYPES])
def test_every_alarm_type_is_stored_with_its_name_and_picture(
    local: LocalStackProcess,
    register: Callable[..., str],
    alarms: AlarmStore,
    media: MediaStore,
    code: int,
    form: str,
) -> None:
    vuid = register()
    picture = jpeg(f"{code}-{form}")
    text = str(code) if form == "decimal" else f"0x{code:02x}"

    assert reply_of(post_alarm(local.alarm_url, vuid, text, picture), 200) == "Success"

    (alarm,) = stored_alarms(alarms, vuid)
    assert alarm.alarm_type.code == code
    assert alarm.alarm_type.name == ALARM_TYPES[code]
    assert alarm.picture.content_type == "image/jpeg"
    assert alarm.picture.key.startswith(f"alarms/{vuid}/") and alarm.picture.key.endswith(".jpg")
    assert media.get(alarm.picture.key) == picture


def test_unknown_alarm_type_is_stored_as_unknown(
    local: LocalStackProcess, register: Callable[..., str], alarms: AlarmStore
) -> None:
    vuid = register()

    assert reply_of(post_alarm(local.alarm_url, vuid, "153"), 200) == "Success"

    (alarm,) = stored_alarms(alarms, vuid)
    assert alarm.alarm_type.code == 0x99
    assert alarm.alarm_type.name == "unknown (0x99)"


def test_png_picture_is_stored_as_png_whatever_its_part_says(
    local: LocalStackProcess, register: Callable[..., str], alarms: AlarmStore, media: MediaStore
) -> None:
    vuid = register()

    response = post_alarm(local.alarm_url, vuid, picture=PNG, picture_type="image/jpeg")

    assert reply_of(response, 200) == "Success"
    (alarm,) = stored_alarms(alarms, vuid)
    assert alarm.picture.content_type == "image/png" and alarm.picture.key.endswith(".png")
    assert media.get(alarm.picture.key) == PNG


def test_alarm_with_video_stores_both(
    local: LocalStackProcess, register: Callable[..., str], alarms: AlarmStore, media: MediaStore
) -> None:
    vuid = register()
    picture = jpeg("video")

    assert reply_of(post_alarm(local.alarm_url, vuid, "41", picture, MP4), 200) == "Success"

    (alarm,) = stored_alarms(alarms, vuid)
    assert alarm.video is not None
    assert alarm.video.content_type == "video/mp4" and alarm.video.key.endswith(".mp4")
    assert alarm.video.size == len(MP4)
    assert media.get(alarm.video.key) == MP4
    assert media.get(alarm.picture.key) == picture


def test_alarm_record_expires_with_the_retention_given_as_parameter_override(
    local: LocalStackProcess, register: Callable[..., str], alarms: AlarmStore
) -> None:
    vuid = register()

    assert reply_of(post_alarm(local.alarm_url, vuid), 200) == "Success"

    (alarm,) = stored_alarms(alarms, vuid)
    assert alarm.expires_at == alarm.received_at_ms // 1000 + RETENTION_DAYS * 86_400


def test_alarm_is_notified_with_the_camera_name_type_and_picture(
    local: LocalStackProcess,
    register: Callable[..., str],
    alarms: AlarmStore,
    inbox: SnsInbox,
) -> None:
    vuid = register(name="Front door")

    assert reply_of(post_alarm(local.alarm_url, vuid, "0x6d"), 200) == "Success"

    notification = inbox.wait_for(vuid, "alarm", "0x6d", timeout_s=NOTIFY_TIMEOUT_S)
    (alarm,) = stored_alarms(alarms, vuid)
    assert notification.subject == f"Fire detection alarm: Front door ({vuid})"
    assert f"s3://{local.outputs.media_bucket}/{alarm.picture.key}" in notification.message
    assert alarm.alarm_id in notification.message
    local.wait_for_line(rf"SNS +alarm +{vuid} +Front door \({vuid}\): Fire detection alarm at")


def test_the_alarm_emails_links_open_the_picture_and_video_in_a_browser(
    local: LocalStackProcess, register: Callable[..., str], inbox: SnsInbox
) -> None:
    """GIVEN an alarm push with a picture and a video, and its email notification
    WHEN each "Open the ..." link is fetched as a browser does (following the redirect)
    THEN the exact bytes pushed come back with their content type; a forged token gets 404."""
    vuid = register(name="Porch")
    picture = jpeg()

    assert reply_of(post_alarm(local.alarm_url, vuid, picture=picture, video=MP4), 200)

    notification = inbox.wait_for(vuid, "alarm", timeout_s=NOTIFY_TIMEOUT_S)
    links = dict(re.findall(r"Open the (picture|video): (\S+)", notification.message))
    assert set(links) == {"picture", "video"}
    assert links["picture"].startswith(f"{local.base_url}/alarms/{vuid}-")
    for media, expected, content_type in (
        ("picture", picture, "image/jpeg"),
        ("video", MP4, "video/mp4"),
    ):
        opened = requests.get(links[media], timeout=HTTP_TIMEOUT_S)
        assert opened.status_code == 200, opened.text
        assert opened.history[0].status_code == 302
        assert opened.content == expected
        assert opened.headers["content-type"] == content_type
    forged = requests.get(links["picture"][:-4] + "AAAA", timeout=HTTP_TIMEOUT_S)
    assert (forged.status_code, forged.json()["code"]) == (404, "404")


def test_retried_alarm_is_stored_once_and_notified_once(
    local: LocalStackProcess,
    register: Callable[..., str],
    alarms: AlarmStore,
    media: MediaStore,
    inbox: SnsInbox,
) -> None:
    vuid = register()
    picture = jpeg("retried")

    first = post_alarm(local.alarm_url, vuid, "18", picture)
    retry = post_alarm(local.alarm_url, vuid, "18", picture)

    assert reply_of(first, 200) == reply_of(retry, 200) == "Success"
    (alarm,) = stored_alarms(alarms, vuid)
    assert media.get(alarm.picture.key) == picture
    objects = local.client("s3").list_objects_v2(
        Bucket=local.outputs.media_bucket, Prefix=f"alarms/{vuid}/"
    )
    assert objects["KeyCount"] == 1
    _wait_until_notifier_passed(local, vuid, inbox)
    assert len(inbox.of(vuid, "alarm")) == 2  # the retried alarm once, the barrier once


def test_alarm_inside_the_cooldown_is_stored_but_not_notified(
    local: LocalStackProcess, register: Callable[..., str], alarms: AlarmStore, inbox: SnsInbox
) -> None:
    vuid = register()

    assert reply_of(post_alarm(local.alarm_url, vuid, "18", jpeg("first")), 200) == "Success"
    assert reply_of(post_alarm(local.alarm_url, vuid, "0x12", jpeg("second")), 200) == "Success"

    assert len(stored_alarms(alarms, vuid)) == 2
    _wait_until_notifier_passed(local, vuid, inbox)
    motion = [n for n in inbox.of(vuid, "alarm") if n.alarm_type == "0x12"]
    assert len(motion) == 1


def _wait_until_notifier_passed(local: LocalStackProcess, vuid: str, inbox: SnsInbox) -> None:
    """Send a doorbell alarm and wait for its notification: the stream is processed in
    order, so every earlier alarm of the camera has been through the notifier by then."""
    assert reply_of(post_alarm(local.alarm_url, vuid, "20", jpeg("barrier")), 200) == "Success"
    inbox.wait_for(vuid, "alarm", "0x14", timeout_s=NOTIFY_TIMEOUT_S)


def test_alarm_of_an_unknown_camera_is_refused_and_nothing_is_stored(
    local: LocalStackProcess, alarms: AlarmStore
) -> None:
    vuid = new_vuid()

    message = reply_of(post_alarm(local.alarm_url, vuid), 403)

    assert f"camera {vuid} is not registered" in message
    _assert_nothing_stored(local, alarms, vuid)


def _multipart(
    parts: list[tuple[str, str | None, bytes]], boundary: str = "e2eBoundary42"
) -> bytes:
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        body += content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


_MULTIPART = "multipart/form-data; boundary=e2eBoundary42"


def _alarm_parts(
    vuid: str,
    alarm_type: bytes | None = b"18",
    picture: bytes | None = None,
    video: bytes | None = None,
    with_vuid: bool = True,
) -> list[tuple[str, str | None, bytes]]:
    parts: list[tuple[str, str | None, bytes]] = []
    if with_vuid:
        parts.append(("vuid", None, vuid.encode()))
    if alarm_type is not None:
        parts.append(("type", None, alarm_type))
    if picture is not None:
        parts.append(("picture", "alarm.jpg", picture))
    if video is not None:
        parts.append(("video", "alarm.mp4", video))
    return parts


BAD_ALARMS: dict[str, tuple[Callable[[str], tuple[str, bytes]], int, str]] = {
    "not-multipart": (
        lambda vuid: ("application/x-www-form-urlencoded", f"vuid={vuid}&type=18".encode()),
        415,
        "must be multipart/form-data",
    ),
    "no-boundary": (
        lambda vuid: ("multipart/form-data", _multipart(_alarm_parts(vuid, picture=jpeg()))),
        400,
        "no boundary",
    ),
    "truncated": (
        lambda vuid: (_MULTIPART, _multipart(_alarm_parts(vuid, picture=jpeg()))[:-40]),
        400,
        "truncated",
    ),
    "vuid-missing": (
        lambda vuid: (_MULTIPART, _multipart(_alarm_parts(vuid, picture=jpeg(), with_vuid=False))),
        400,
        "no vuid field",
    ),
    "type-missing": (
        lambda vuid: (_MULTIPART, _multipart(_alarm_parts(vuid, None, picture=jpeg()))),
        400,
        "no type field",
    ),
    "picture-missing": (
        lambda vuid: (_MULTIPART, _multipart(_alarm_parts(vuid))),
        400,
        "no picture file",
    ),
    "type-not-a-number": (
        lambda vuid: (_MULTIPART, _multipart(_alarm_parts(vuid, b"motion", picture=jpeg()))),
        400,
        "neither a decimal number",
    ),
    "picture-empty": (
        lambda vuid: (_MULTIPART, _multipart(_alarm_parts(vuid, picture=b""))),
        400,
        "alarm picture is empty",
    ),
    "picture-not-an-image": (
        lambda vuid: (_MULTIPART, _multipart(_alarm_parts(vuid, picture=b"GIF89a" + bytes(64)))),
        400,
        "not a JPEG or PNG",
    ),
    "video-empty": (
        lambda vuid: (_MULTIPART, _multipart(_alarm_parts(vuid, picture=jpeg(), video=b""))),
        400,
        "video part is empty",
    ),
}


@pytest.mark.parametrize("case", list(BAD_ALARMS))
def test_bad_alarm_push_is_refused_with_a_reason_and_nothing_is_stored(
    local: LocalStackProcess, register: Callable[..., str], alarms: AlarmStore, case: str
) -> None:
    vuid = register()
    build, status, expected = BAD_ALARMS[case]
    content_type, body = build(vuid)

    response = requests.post(
        keyed_url(local.alarm_url, PUSH_KEY),
        data=body,
        headers={"content-type": content_type},
        timeout=HTTP_TIMEOUT_S,
    )

    assert expected in reply_of(response, status)
    _assert_nothing_stored(local, alarms, vuid)


def _assert_nothing_stored(local: LocalStackProcess, alarms: AlarmStore, vuid: str) -> None:
    assert stored_alarms(alarms, vuid) == []
    objects = local.client("s3").list_objects_v2(
        Bucket=local.outputs.media_bucket, Prefix=f"alarms/{vuid}/"
    )
    assert objects["KeyCount"] == 0


# -- limits and routes ------------------------------------------------------------------


def test_alarm_over_the_lambda_event_limit_is_refused_413(
    local: LocalStackProcess, register: Callable[..., str], alarms: AlarmStore
) -> None:
    vuid = register()
    # Base64 makes 4.6 MB of multipart more than the 6 MB Lambda accepts.
    picture = jpeg() + bytes(int(4.6 * 1024 * 1024))

    response = post_alarm(local.alarm_url, vuid, picture=picture)

    assert "over the 6 MB limit" in reply_of(response, 413)
    _assert_nothing_stored(local, alarms, vuid)


def test_413_counts_the_whole_event_and_never_invokes_the_function(
    local: LocalStackProcess, register: Callable[..., str], registry: CameraRegistry
) -> None:
    """GIVEN a JSON heartbeat whose body alone is under 6 MB (the function itself would
    accept it) WHEN headers and request context make the event larger THEN it is 413."""
    vuid = register()
    document = {"vuid": vuid, "padding": ""}
    document["padding"] = "x" * (MAX_REQUEST_BYTES - len(json.dumps(document)) - 100)
    body = json.dumps(document).encode()
    assert len(body) < MAX_REQUEST_BYTES

    response = requests.post(
        keyed_url(local.heartbeat_url, PUSH_KEY),
        data=body,
        headers={"content-type": "application/json"},
        timeout=HTTP_TIMEOUT_S,
    )

    assert "over the 6 MB limit" in reply_of(response, 413)
    camera = registry.get(vuid)
    assert camera is not None and camera.last_seen is None
    local.wait_for_line(rf"POST /heartbeat/\{{key\}} +{vuid} +413 ")


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/nowhere"), ("GET", "/heartbeat"), ("POST", "/alarm/key/extra"), ("POST", "/")],
)
def test_request_outside_the_routes_is_not_found(
    local: LocalStackProcess, method: str, path: str
) -> None:
    response = requests.request(method, local.base_url + path, timeout=HTTP_TIMEOUT_S)

    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


def test_concurrent_requests_are_all_served(
    local: LocalStackProcess, register: Callable[..., str], registry: CameraRegistry
) -> None:
    vuids = [register() for _ in range(8)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda v: post_heartbeat(local.heartbeat_url, v), vuids))

    assert [r.status_code for r in responses] == [200] * 8
    assert all(registry.get(v).status == "online" for v in vuids)  # type: ignore[union-attr]


# -- offline and back online ----------------------------------------------------------------


def test_camera_is_reported_offline_after_its_threshold_and_back_online(
    local: LocalStackProcess,
    register: Callable[..., str],
    registry: CameraRegistry,
    inbox: SnsInbox,
) -> None:
    vuid = register(name="Shed", offline_after=2)
    assert reply_of(post_heartbeat(local.heartbeat_url, vuid), 200) == "Success"

    offline = inbox.wait_for(vuid, "offline", timeout_s=NOTIFY_TIMEOUT_S)

    assert offline.subject == f"Camera offline: Shed ({vuid})"
    assert "is offline: last seen at" in offline.message
    camera = registry.get(vuid)
    assert camera is not None and camera.status == "offline"
    # The first heartbeat of a new camera is no comeback.
    assert inbox.of(vuid, "online") == []

    assert reply_of(post_heartbeat(local.heartbeat_url, vuid), 200) == "Success"

    online = inbox.wait_for(vuid, "online", timeout_s=NOTIFY_TIMEOUT_S)
    assert online.subject == f"Camera back online: Shed ({vuid})"
    assert "is back online" in online.message
    local.wait_for_line(rf"SNS +offline +{vuid} +Shed \({vuid}\) is offline")
    local.wait_for_line(rf"SNS +online +{vuid} +Shed \({vuid}\) is back online")
    # The day view's history: the notify function kept both changes (the same code as
    # deployed, fed by the local stream emulation).
    dynamodb = local.client("dynamodb")
    (table,) = [
        name
        for name in dynamodb.list_tables()["TableNames"]
        if name.lower().endswith("statushistorytable")
    ]
    changes = dynamodb.query(
        TableName=table,
        KeyConditionExpression="vuid = :vuid",
        ExpressionAttributeValues={":vuid": {"S": vuid}},
    )["Items"]
    assert [change["status"]["S"] for change in changes] == ["offline", "online"]


# -- console ------------------------------------------------------------------------------


def test_each_request_is_logged_with_route_vuid_code_and_milliseconds(
    local: LocalStackProcess, register: Callable[..., str]
) -> None:
    vuid, stranger = register(), new_vuid()
    start = len(local.lines)

    post_heartbeat(local.heartbeat_url, vuid)
    post_alarm(local.alarm_url, stranger)

    # The route, never the path: the path carries the camera's push key.
    local.wait_for_line(rf"POST /heartbeat/\{{key\}} +{vuid} +200 +\d+ ms", start=start)
    local.wait_for_line(rf"POST /alarm/\{{key\}} +{stranger} +403 +\d+ ms", start=start)
    assert not any(PUSH_KEY in line for line in local.lines)


def test_function_logs_stay_off_the_console(local: LocalStackProcess) -> None:
    post_heartbeat(local.heartbeat_url, new_vuid())
    local.wait_for_line(r"POST /heartbeat/\{key\} +\w+ +403")

    assert not any('"level"' in line or "RequestId:" in line for line in local.lines)


# -- real clients ---------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_heartbeat_and_form_upload_are_accepted(
    local: LocalStackProcess,
    register: Callable[..., str],
    registry: CameraRegistry,
    alarms: AlarmStore,
    media: MediaStore,
    tmp_path: Path,
) -> None:
    vuid = register()
    picture = jpeg("curl")
    (tmp_path / "snapshot.jpg").write_bytes(picture)

    heartbeat = _curl(
        "-H", "Content-Type: application/json", "-d", json.dumps({"vuid": vuid}),
        keyed_url(local.heartbeat_url, PUSH_KEY),
    )  # fmt: skip
    alarm = _curl(
        "-F", f"vuid={vuid}", "-F", "type=0x26", "-F", f"picture=@{tmp_path / 'snapshot.jpg'}",
        keyed_url(local.alarm_url, PUSH_KEY),
    )  # fmt: skip

    assert heartbeat == alarm == {"code": "200", "message": "Success"}
    camera = registry.get(vuid)
    assert camera is not None and camera.status == "online"
    (stored,) = stored_alarms(alarms, vuid)
    assert stored.alarm_type.name == "Smoke alarm"
    assert media.get(stored.picture.key) == picture


def _curl(*arguments: str) -> dict[str, str]:
    result = subprocess.run(
        ["curl", "--silent", "--show-error", "--max-time", "60", *arguments],
        capture_output=True,
        timeout=HTTP_TIMEOUT_S + 10,
        check=True,
    )
    return json.loads(result.stdout)


def test_camera_added_with_the_cli_is_accepted(
    local: LocalStackProcess, registry: CameraRegistry
) -> None:
    vuid = new_vuid()
    result = subprocess.run(
        [sys.executable, "-m", "vstarcam_tools.cli", "cameras", "add", vuid, "--name", "Porch"],
        env=local.aws_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    urls = subprocess.run(
        [sys.executable, "-m", "vstarcam_tools.cli", "cameras", "urls", vuid, "--json"],
        env=local.aws_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert urls.returncode == 0, urls.stderr
    heartbeat_url = json.loads(urls.stdout)["heartbeatUrl"]
    # 'cameras add' printed the same URLs, once.
    assert heartbeat_url in result.stdout

    assert reply_of(post_heartbeat(heartbeat_url, vuid, key=None), 200) == "Success"
    camera = registry.get(vuid)
    assert camera is not None and camera.name == "Porch" and camera.status == "online"
    # Another key, or none, is refused like an unknown camera.
    assert "is not registered" in reply_of(post_heartbeat(local.heartbeat_url, vuid), 403)
    bare = post_heartbeat(local.heartbeat_url, vuid, key=None)
    assert "is not registered" in reply_of(bare, 403)


# -- what a web page in the operator's browser can reach ------------------------------------


def test_both_servers_refuse_a_request_for_another_host(local: LocalStackProcess) -> None:
    """GIVEN DNS rebinding (a page on evil.example re-pointed at 127.0.0.1)
    THEN its requests carry Host: evil.example, and the local API and moto refuse them."""
    api_port = urlsplit(local.base_url).port
    aws_port = urlsplit(local.endpoint).port
    api = requests.post(
        keyed_url(local.heartbeat_url, PUSH_KEY),
        json={"vuid": "VE0005622QHOW"},
        headers={"Host": f"evil.example:{api_port}"},
        timeout=HTTP_TIMEOUT_S,
    )
    moto = requests.post(
        local.endpoint,
        data="Action=ListTopics",
        headers={
            "Host": f"evil.example:{aws_port}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        timeout=HTTP_TIMEOUT_S,
    )

    assert api.status_code == moto.status_code == 403
    assert "evil.example" in api.json()["message"]


def test_moto_answers_no_other_sites_cors(local: LocalStackProcess) -> None:
    """GIVEN a page on another site WHEN its script asks moto for a cross-origin read
    THEN no CORS header comes back (MOTO_DISABLE_GLOBAL_CORS), so the browser withholds
    the tables and the bucket from it."""
    preflight = requests.options(
        f"{local.endpoint}/{local.outputs.media_bucket}",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"},
        timeout=HTTP_TIMEOUT_S,
    )
    scan = requests.post(
        local.endpoint,
        data="{}",
        headers={
            "Origin": "http://evil.example",
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Content-Type": "application/x-amz-json-1.0",
        },
        timeout=HTTP_TIMEOUT_S,
    )

    for response in (preflight, scan):
        assert "access-control-allow-origin" not in {k.lower() for k in response.headers}


def test_moto_refuses_what_a_web_page_can_send_without_reading(local: LocalStackProcess) -> None:
    """GIVEN a page that cannot read moto's answers WHEN it sends a form upload to the bucket,
    moto's reset, or an unsigned call THEN moto refuses each before acting (the browser
    version of this is tests/browser/test_local_emulator_guard.py)."""
    bucket = local.outputs.media_bucket
    upload = requests.post(
        f"{local.endpoint}/{bucket}",
        data={"key": "evil.html", "Content-Type": "text/html"},
        files={"file": ("evil.html", b"<script>alert(1)</script>", "text/html")},
        timeout=HTTP_TIMEOUT_S,
    )
    reset = requests.post(f"{local.endpoint}/moto-api/reset", timeout=HTTP_TIMEOUT_S)
    unsigned = requests.post(
        local.endpoint,
        data="{}",
        headers={
            "X-Amz-Target": "AmazonSSM.DescribeParameters",
            "Content-Type": "application/x-amz-json-1.1",
        },
        timeout=HTTP_TIMEOUT_S,
    )

    assert [r.status_code for r in (upload, reset, unsigned)] == [403, 403, 403]
    s3 = local.client("s3")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix="evil")
    assert local.client("dynamodb").list_tables()["TableNames"]  # not reset
    # The stack's own clients still work: the CLI's boto3 did just now; moto's own API
    # answers the stack's key only.
    assert local.moto_api("data.json").status_code == 200


def test_an_aws_client_pointed_at_the_camera_api_is_told_the_aws_endpoint(
    local: LocalStackProcess,
) -> None:
    """GIVEN AWS_ENDPOINT_URL set to the first port the banner shows (the camera API)
    WHEN the CLI runs THEN one line names the variable and the value to use."""
    result = subprocess.run(
        [sys.executable, "-m", "vstarcam_tools.cli", "cameras", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**local.aws_environment(), "AWS_ENDPOINT_URL": local.base_url},
    )

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"set AWS_ENDPOINT_URL={local.endpoint}" in result.stderr


# -- table streams after any table operation ------------------------------------------------
# Last in the module: on a stack where a failed transaction cuts the Cameras stream off,
# the offline tests above would fail too.


def test_offline_and_back_online_are_notified_after_cameras_add_twice(
    local: LocalStackProcess,
    inbox: SnsInbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """GIVEN a camera added with the CLI, then added again (the second add's transaction
    fails its condition, and moto rolls the Cameras table back to a copy)
    THEN the table's stream still reaches the notifier: offline, then back online."""
    vuid = new_vuid()
    for name, value in local.aws_environment().items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)

    def cli(*argv: str) -> str:
        capsys.readouterr()
        assert main(list(argv)) == 0, capsys.readouterr().err
        return capsys.readouterr().out

    cli("cameras", "add", vuid, "--name", "Gate", "--offline-after", "2")
    cli("cameras", "add", vuid, "--name", "Gate", "--offline-after", "2")
    heartbeat_url = json.loads(cli("cameras", "urls", vuid, "--json"))["heartbeatUrl"]

    assert reply_of(post_heartbeat(heartbeat_url, vuid, key=None), 200) == "Success"
    offline = inbox.wait_for(vuid, "offline", timeout_s=NOTIFY_TIMEOUT_S)
    assert offline.subject == f"Camera offline: Gate ({vuid})"

    assert reply_of(post_heartbeat(heartbeat_url, vuid, key=None), 200) == "Success"
    inbox.wait_for(vuid, "online", timeout_s=NOTIFY_TIMEOUT_S)
