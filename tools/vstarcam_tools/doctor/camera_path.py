"""The camera path, as a camera walks it: a temporary test camera sends a heartbeat and an
alarm push with a real picture and video to the stack's public URLs, and the doctor checks
what the stack made of them (stored byte for byte, camera online, refusals, media link).

The derived work (the notification, media processing, push channels) is in
:mod:`vstarcam_tools.doctor.derived`; the test camera's creation and removal in
:mod:`vstarcam_tools.doctor.temporary`.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.media import MediaStore
from vstarcam_push.media.links import link_url
from vstarcam_push.models.alarm import Alarm, alarm_id_for
from vstarcam_push.models.alarm_types import AlarmType
from vstarcam_push.models.push_keys import keyed_url, new_secret, redact

from vstarcam_tools.camera.simulator import load_testdata, unique_picture
from vstarcam_tools.doctor.context import DoctorContext
from vstarcam_tools.doctor.results import CheckResult, failed, ok, skipped
from vstarcam_tools.doctor.temporary import (
    TEST_CAMERA_NAME,
    ProbeQueue,
    create_probe_queue,
    new_probe_vuid,
)

MOTION = AlarmType(0x12)
ALARM_LOG = "sam logs --stack-name {stack} -n AlarmFunction --start-time '10 minutes ago'"
HEARTBEAT_LOG = "sam logs --stack-name {stack} -n HeartbeatFunction --start-time '10 minutes ago'"
# Reads right after a 200 may be eventually consistent: tried again for this long at most.
READ_RETRY_S = 10.0
T = TypeVar("T")


@dataclass
class Probe:
    """The run's test camera and what it sent; the runner removes it all afterwards."""

    vuid: str = field(default_factory=new_probe_vuid)
    # The test camera's push key: its URLs are the stack's plus this, as a real camera's.
    key: str = ""
    registered: bool = False
    queue: ProbeQueue | None = None
    alarms: list[Alarm] = field(default_factory=list)
    pictures: dict[str, bytes] = field(default_factory=dict)
    # The push destinations as the test alarm found them (names): a web push device that
    # turns out gone is removed by its delivery, before the doctor looks at the records.
    destinations: list[str] | None = None


@dataclass(frozen=True)
class Reply:
    status: int
    code: str | None
    message: str

    def describe(self) -> str:
        return f"HTTP {self.status} {{code: {self.code}, message: {self.message!r}}}"


def _reply(response: requests.Response) -> Reply:
    try:
        document = response.json()
    except ValueError:
        document = None
    if isinstance(document, dict) and "code" in document:
        return Reply(response.status_code, str(document["code"]), str(document.get("message")))
    return Reply(response.status_code, None, response.text[:120])


def send_heartbeat(context: DoctorContext, url: str, vuid: str) -> Reply:
    response = context.http.post(url, json={"vuid": vuid}, timeout=context.limits.http_timeout_s)
    return _reply(response)


def send_alarm(
    context: DoctorContext, url: str, vuid: str, picture: bytes, video: bytes | None
) -> Reply:
    """A multipart alarm push in the camera's field order: vuid, type, picture, video."""
    files: dict[str, Any] = {
        "vuid": (None, vuid),
        "type": (None, str(MOTION.code)),
        "picture": ("alarm.jpg", picture, "image/jpeg"),
    }
    if video is not None:
        files["video"] = ("alarm.mp4", video, "video/mp4")
    response = context.http.post(url, files=files, timeout=context.limits.http_timeout_s)
    return _reply(response)


def _retry(read: Callable[[], T | None], context: DoctorContext) -> T | None:
    for _ in range(max(1, math.ceil(READ_RETRY_S / context.limits.poll_s))):
        value = read()
        if value is not None:
            return value
        time.sleep(context.limits.poll_s)
    return None


def _unreachable(check: str, url: str, error: Exception) -> CheckResult:
    return failed(
        check,
        f"cannot reach {url}: {type(error).__name__}",
        "check the URL (the stack's outputs) and your network; a deployed API answers over "
        "the internet, the local stack only while 'make run' runs",
    )


def register_test_camera(context: DoctorContext, probe: Probe) -> CheckResult:
    check = "test camera"
    # Set first: an interrupt during the write must still have cleanup look for the camera.
    probe.registered = True
    # A throwaway secret: the test camera's key need not be derivable again, and the
    # doctor needs no access to the stack's own push key secret.
    registration = context.cameras().register(
        probe.vuid,
        TEST_CAMERA_NAME,
        context.stack.offline_after_seconds,
        int(time.time()),
        new_secret(),
    )
    probe.key = registration.push_key or ""
    # Subscribed before the alarm is pushed, so its notification cannot be missed.
    probe.queue = create_probe_queue(context, probe.vuid)
    return ok(check, f"registered {probe.vuid} for this run, and a temporary queue on the topic")


def check_heartbeat(context: DoctorContext, probe: Probe, url: str, check: str) -> CheckResult:
    fix = f"read the heartbeat function's log: {HEARTBEAT_LOG.format(stack=context.stack_name)}"
    # The camera's own URL; what is printed never shows its key.
    url, shown = keyed_url(url, probe.key), f"{url}/<push key>"
    try:
        reply = send_heartbeat(context, url, probe.vuid)
    except requests.RequestException as error:
        return _unreachable(check, shown, error)
    if reply.status != 200 or reply.code != "200":
        return failed(check, f"POST {shown} answered {reply.describe()}", fix)

    def online() -> bool | None:
        camera = context.cameras().get(probe.vuid)
        return True if camera is not None and camera.status == "online" else None

    if _retry(online, context) is None:
        return failed(check, f"POST {shown} answered 200 but the camera is not online", fix)
    return ok(check, f"POST {shown}: code 200, the test camera is online")


def check_alarm(
    context: DoctorContext, probe: Probe, url: str, check: str, picture_name: str, video: bool
) -> CheckResult:
    fix = f"read the alarm function's log: {ALARM_LOG.format(stack=context.stack_name)}"
    picture = unique_picture(load_testdata(picture_name), f"vstarcam-push doctor {probe.vuid}")
    movie = load_testdata("alarm.mp4") if video else None
    url, shown = keyed_url(url, probe.key), f"{url}/<push key>"
    try:
        reply = send_alarm(context, url, probe.vuid, picture, movie)
    except requests.RequestException as error:
        return _unreachable(check, shown, error)
    if reply.status != 200 or reply.code != "200":
        return failed(check, f"POST {shown} answered {reply.describe()}", fix)
    alarm_id = alarm_id_for(probe.vuid, MOTION, hashlib.sha256(picture).hexdigest())
    store = AlarmStore(context.client("dynamodb"), context.stack.alarms_table)
    alarm = _retry(lambda: store.get(alarm_id), context)
    if alarm is None:
        return failed(check, f"POST {shown} answered 200 but alarm {alarm_id} is not stored", fix)
    probe.alarms.append(alarm)
    probe.pictures[alarm_id] = picture
    media = MediaStore(context.client("s3"), context.stack.media_bucket)
    stored = [(alarm.picture, picture)]
    if movie is not None:
        if alarm.video is None:
            return failed(check, f"alarm {alarm_id} is stored without its video", fix)
        stored.append((alarm.video, movie))
    for item, sent in stored:
        if media.get(item.key) != sent:
            return failed(
                check,
                f"s3://{context.stack.media_bucket}/{item.key} differs from what was sent",
                fix,
            )
    what = "picture and video" if movie is not None else "picture"
    return ok(check, f"POST {shown}: code 200, alarm {alarm_id} stored, its {what} byte for byte")


def check_refusal(context: DoctorContext, probe: Probe) -> CheckResult:
    """A camera the stack does not know, and the test camera with a wrong push key, must be
    refused alike, and nothing stored for them."""
    check = "unknown camera refused"
    wrong = keyed_url(context.stack.heartbeat_url, new_wrong_key(probe.key))
    try:
        forged = send_heartbeat(context, wrong, probe.vuid)
    except requests.RequestException as error:
        return _unreachable(check, redact(wrong), error)
    if forged.status != 403 or forged.code != "403":
        return failed(
            check,
            f"a heartbeat of the test camera with a wrong push key is answered "
            f"{forged.describe()}, not 403",
            "redeploy the stack from this version of the template: it checks push keys",
        )
    if context.parameters.get("AcceptUnknownCameras") == "true":
        return ok(
            check,
            f"a heartbeat with a wrong push key is answered {forged.describe()}; no unknown "
            "vuid is sent (AcceptUnknownCameras=true would list it as pending)",
        )
    stranger = new_probe_vuid()
    url = keyed_url(context.stack.heartbeat_url, new_wrong_key(probe.key))
    try:
        reply = send_heartbeat(context, url, stranger)
    except requests.RequestException as error:
        return _unreachable(check, url, error)
    if reply.status == 403 and reply.code == "403":
        return ok(
            check,
            f"a heartbeat from an unregistered vuid, and one with a wrong push key, are "
            f"answered {reply.describe()}",
        )
    return failed(
        check,
        f"a heartbeat from an unregistered vuid is answered {reply.describe()}, not 403",
        "redeploy with AcceptUnknownCameras=false (the default) so only registered cameras "
        "are accepted",
    )


def new_wrong_key(key: str) -> str:
    """A key of the right shape that is not ``key`` (a fresh random one; equal with odds 2^-128)."""
    return secrets.token_urlsafe(16)


def check_plain_http(context: DoctorContext, probe: Probe) -> list[CheckResult]:
    check = "plain HTTP front door"
    outputs = context.stack
    if not (outputs.plain_http_heartbeat_url and outputs.plain_http_alarm_url):
        return [skipped(check, "PlainHttpFrontDoor is false: the stack has no plain-HTTP URLs")]
    return [
        check_heartbeat(context, probe, outputs.plain_http_heartbeat_url, f"{check} heartbeat"),
        check_alarm(
            context, probe, outputs.plain_http_alarm_url, f"{check} alarm", "doorbell.jpg", False
        ),
    ]


def check_media_link(context: DoctorContext, probe: Probe) -> CheckResult:
    """The alarm email's picture link opens the picture; a wrong token is a 404."""
    check = "media link"
    if not probe.alarms:
        return skipped(check, "no test alarm was stored")
    alarm = probe.alarms[0]
    if alarm.link is None:
        return skipped(check, "MediaLinkDays=0: alarm emails carry no media links")
    fix = (
        "read the media function's log: sam logs --stack-name "
        f"{context.stack_name} -n MediaLinkFunction --start-time '10 minutes ago'"
    )
    url = link_url(context.api_url, alarm.alarm_id, "picture", alarm.link.token)
    shown = link_url(context.api_url, alarm.alarm_id, "picture", "TOKEN")
    timeout = context.limits.http_timeout_s
    try:
        first = context.http.get(url, allow_redirects=False, timeout=timeout)
        if first.status_code != 302 or "location" not in first.headers:
            return failed(check, f"GET {shown} answered {first.status_code}, not 302", fix)
        picture = context.http.get(first.headers["location"], timeout=timeout)
        wrong = context.http.get(
            link_url(context.api_url, alarm.alarm_id, "picture", secrets.token_urlsafe(16)),
            allow_redirects=False,
            timeout=timeout,
        )
    except requests.RequestException as error:
        return _unreachable(check, shown, error)
    if picture.status_code != 200 or picture.content != probe.pictures[alarm.alarm_id]:
        return failed(
            check,
            f"the presigned URL GET {shown} redirects to answered {picture.status_code}"
            + (" with other bytes" if picture.status_code == 200 else ""),
            fix,
        )
    if wrong.status_code != 404:
        return failed(check, f"a wrong token is answered {wrong.status_code}, not 404", fix)
    return ok(check, "the picture link opens the picture (302 to S3); a wrong token gets 404")
