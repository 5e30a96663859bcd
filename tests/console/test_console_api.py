"""The console's JSON API (ConsoleApiFunction) in moto: every route, paging through the
indexes (never a Scan), filters, every bad parameter a clear 400, delete removing every
object and the record, reviewed marks, presigned media URLs of at most five minutes."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from vstarcam_push.console.routes import handle_errors
from vstarcam_push.models.media import derived_key
from vstarcam_push.models.push_keys import is_push_key, key_matches

from tests.console.conftest import DAY_MS, Console

FRONT = "VE0005622QHOW"
GARDEN = "OKB0379853SNLJ"
NOW_MS = int(time.time() * 1000)


def expires_in(url: str) -> int:
    return int(parse_qs(urlsplit(url).query)["X-Amz-Expires"][0])


def all_alarms(console: Console, **query: str) -> list[dict[str, Any]]:
    """Every page, following ``next`` (bounded)."""
    found: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        parameters = {**query, **({"cursor": cursor} if cursor else {})}
        reply = console.call("GET /api/alarms", query=parameters)
        assert reply.status == 200, reply.body
        found.extend(reply.body["alarms"])
        cursor = reply.body["next"]
        if cursor is None:
            return found
    raise AssertionError("paging did not end")


# -- what every reply carries ----------------------------------------------------------


def test_replies_are_uncached_json_with_the_consoles_security_headers(console: Console) -> None:
    reply = console.call("GET /api/cameras")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]


def test_an_unknown_route_is_404_in_the_wire_shape(console: Console) -> None:
    reply = console.call("GET /api/nothing")
    assert reply.status == 404
    assert reply.body == {"code": "404", "message": "no such console API route"}


def test_the_api_reads_cameras_and_alarms_only_through_indexes_and_keys(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No Scan on any console path: every listing is a Query of an index."""
    console.register(FRONT, "Front door")
    console.store_alarm(FRONT, NOW_MS - 1000)
    calls: list[str] = []
    client = console.module.dynamodb
    original = client._make_api_call

    def spy(operation: str, params: dict[str, Any]) -> Any:
        calls.append(f"{operation}:{params.get('IndexName', '')}")
        return original(operation, params)

    monkeypatch.setattr(client, "_make_api_call", spy)
    assert console.call("GET /api/cameras").status == 200
    assert console.call("GET /api/alarms").status == 200
    assert console.call("GET /api/alarms", query={"camera": FRONT}).status == 200
    # The camera list scans the Cameras table (its 4 segments); the alarms use the indexes.
    assert [call for call in calls if call.startswith("Scan")] == ["Scan:"] * 4
    assert "Query:byDay" in calls and "Query:byTime" in calls


# -- cameras ---------------------------------------------------------------------------


def test_cameras_list_counts_the_fleet_and_shows_each_cameras_last_alarm(
    console: Console,
) -> None:
    console.register(FRONT, "Front door")
    console.register(GARDEN, "Garden")
    console.heartbeat(FRONT, int(time.time()))
    alarm_id = console.store_alarm(GARDEN, NOW_MS - 5000, alarm_type=0x14, processed=True)

    reply = console.call("GET /api/cameras")

    assert reply.status == 200
    assert reply.body["counts"] == {"total": 2, "online": 1, "offline": 1, "pending": 0}
    by_vuid = {camera["vuid"]: camera for camera in reply.body["cameras"]}
    assert by_vuid[FRONT]["status"] == "online" and by_vuid[FRONT]["lastAlarm"] is None
    last = by_vuid[GARDEN]["lastAlarm"]
    assert last["alarmId"] == alarm_id and last["alarmTypeName"] == "Doorbell button alarm"
    assert "thumb.jpg" in urlsplit(last["thumbnailUrl"]).path
    assert expires_in(last["thumbnailUrl"]) == 300


def test_cameras_page_by_vuid_with_a_cursor_and_filter_by_status(console: Console) -> None:
    vuids = [f"CAM{n:04d}" for n in range(7)]
    for vuid in vuids:
        console.register(vuid)
    console.heartbeat("CAM0003", int(time.time()))

    first = console.call("GET /api/cameras", query={"limit": "3"})
    second = console.call("GET /api/cameras", query={"limit": "3", "cursor": first.body["next"]})
    third = console.call("GET /api/cameras", query={"limit": "3", "cursor": second.body["next"]})

    pages = [[c["vuid"] for c in page.body["cameras"]] for page in (first, second, third)]
    assert pages == [vuids[0:3], vuids[3:6], vuids[6:7]]
    assert third.body["next"] is None
    online = console.call("GET /api/cameras", query={"status": "online"})
    assert [c["vuid"] for c in online.body["cameras"]] == ["CAM0003"]
    assert online.body["counts"]["total"] == 7


def test_a_last_page_that_is_exactly_full_has_no_next_cursor(console: Console) -> None:
    vuids = [f"CAM{n:04d}" for n in range(6)]
    for vuid in vuids:
        console.register(vuid)

    first = console.call("GET /api/cameras", query={"limit": "3"})
    second = console.call("GET /api/cameras", query={"limit": "3", "cursor": first.body["next"]})

    assert [c["vuid"] for c in second.body["cameras"]] == vuids[3:6]
    # Three left for a page of three: no cursor to an empty page.
    assert first.body["next"] is not None and second.body["next"] is None
    whole = console.call("GET /api/cameras", query={"limit": "6"})
    assert len(whole.body["cameras"]) == 6 and whole.body["next"] is None


def test_a_camera_cursor_of_another_status_filter_is_refused(console: Console) -> None:
    for vuid in ("CAM0001", "CAM0002", "CAM0003"):
        console.register(vuid)
    page = console.call("GET /api/cameras", query={"limit": "1"})
    assert page.body["next"] is not None

    reply = console.call(
        "GET /api/cameras", query={"status": "offline", "cursor": page.body["next"]}
    )

    assert reply.status == 400
    assert reply.body == {"code": "400", "message": "cursor is not one this API gave out"}


def test_add_a_camera_with_the_clis_rules_and_message(console: Console) -> None:
    reply = console.call(
        "POST /api/cameras", body={"vuid": FRONT.lower(), "name": "Front door", "offlineAfter": 300}
    )
    assert reply.status == 201
    assert reply.body["message"] == (
        f"added camera Front door ({FRONT}), reported offline after 300 s without a heartbeat"
    )
    camera = console.module.api.cameras.registry.get(FRONT)
    assert (camera.name, camera.offline_after) == ("Front door", 300)

    again = console.call("POST /api/cameras", body={"vuid": FRONT, "name": "Porch"})
    assert again.status == 200 and again.body["message"].startswith("updated camera Porch")
    # Only what is sent changes, as with 'cameras add': the threshold stays 300 s.
    camera = console.module.api.cameras.registry.get(FRONT)
    assert (camera.name, camera.offline_after) == ("Porch", 300)
    console.call("POST /api/cameras", body={"vuid": FRONT, "offlineAfter": 600})
    camera = console.module.api.cameras.registry.get(FRONT)
    assert (camera.name, camera.offline_after) == ("Porch", 600)


def test_rename_and_change_the_threshold_of_a_camera(console: Console) -> None:
    console.register(FRONT, "Front door", 180)
    reply = console.call(
        "PATCH /api/cameras/{vuid}", path={"vuid": FRONT}, body={"offlineAfter": 900}
    )
    assert reply.status == 200
    # A change is never an addition, whatever the registry did underneath.
    assert reply.body["added"] is False
    assert reply.body["message"] == (
        f"updated camera Front door ({FRONT}), reported offline after 900 s without a heartbeat"
    )
    camera = console.module.api.cameras.registry.get(FRONT)
    assert (camera.name, camera.offline_after) == ("Front door", 900)
    console.call("PATCH /api/cameras/{vuid}", path={"vuid": FRONT}, body={"name": "Porch"})
    assert console.module.api.cameras.registry.get(FRONT).name == "Porch"


def test_renaming_an_unknown_camera_is_refused_and_creates_nothing(console: Console) -> None:
    reply = console.call("PATCH /api/cameras/{vuid}", path={"vuid": FRONT}, body={"name": "x"})
    assert reply.status == 404
    assert reply.body == {"code": "404", "message": f"camera {FRONT} is not registered"}
    assert console.module.api.cameras.registry.get(FRONT) is None


def test_remove_a_camera_with_the_clis_messages(console: Console) -> None:
    console.register(FRONT)
    reply = console.call("DELETE /api/cameras/{vuid}", path={"vuid": FRONT})
    assert reply.status == 200 and reply.body == {"message": f"removed camera {FRONT}"}
    again = console.call("DELETE /api/cameras/{vuid}", path={"vuid": FRONT})
    assert again.status == 404 and again.body["message"] == f"camera {FRONT} is not registered"


def test_a_cameras_push_urls_only_on_request(console: Console) -> None:
    added = console.call("POST /api/cameras", body={"vuid": FRONT, "name": "Front door"})
    assert added.status == 201
    # The key it issued is not in the reply, nor in the list.
    assert "/heartbeat" not in str(added.body)
    listing = console.call("GET /api/cameras")
    assert "heartbeatUrl" not in str(listing.body)
    reply = console.call("GET /api/cameras/{vuid}/urls", path={"vuid": FRONT})
    assert reply.status == 200
    heartbeat_url, alarm_url = reply.body["heartbeatUrl"], reply.body["alarmUrl"]
    assert heartbeat_url.startswith("https://")
    heartbeat_key = heartbeat_url.rsplit("/heartbeat/", 1)[1]
    assert alarm_url.rsplit("/alarm/", 1)[1] == heartbeat_key
    assert is_push_key(heartbeat_key)
    # The camera item keeps the key's hash, which the URL's key matches.
    item = console.dynamodb.get_item(TableName=console.cameras_table, Key={"vuid": {"S": FRONT}})[
        "Item"
    ]
    assert key_matches(heartbeat_key, bytes(item["pushKeyHash"]["B"]))
    # Asked again, the same key: shown, not re-issued.
    again = console.call("GET /api/cameras/{vuid}/urls", path={"vuid": FRONT})
    assert again.body == reply.body
    unknown = console.call("GET /api/cameras/{vuid}/urls", path={"vuid": GARDEN})
    assert unknown.status == 404


class _SsmRecorder:
    """The console API's SSM client, with every PutParameter noted."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.exceptions = client.exceptions
        self.puts: list[dict[str, Any]] = []

    def get_parameter(self, **params: Any) -> Any:
        return self._client.get_parameter(**params)

    def put_parameter(self, **params: Any) -> Any:
        self.puts.append(params)
        return self._client.put_parameter(**params)


def test_the_console_creates_the_push_key_secret_once_and_never_replaces_it(
    console: Console,
) -> None:
    """GIVEN no push-key secret yet
    WHEN the console registers two cameras and shows their URLs
    THEN it made the secret once, asking SSM not to overwrite (its role may not: the
    template's Deny on ssm:Overwrite), and read it after: version 1 throughout."""
    recorder = _SsmRecorder(console.module.api._ssm)
    console.module.api._ssm = recorder
    for vuid in (FRONT, GARDEN):
        assert console.call("POST /api/cameras", body={"vuid": vuid}).status == 201
        assert console.call("GET /api/cameras/{vuid}/urls", path={"vuid": vuid}).status == 200

    assert [put["Overwrite"] for put in recorder.puts] == [False]
    stored = recorder.get_parameter(Name="/vstarcam-push/push-key-secret", WithDecryption=True)
    assert stored["Parameter"]["Version"] == 1
    assert stored["Parameter"]["Value"] == recorder.puts[0]["Value"]


@pytest.mark.parametrize(
    ("route", "path", "body", "words"),
    [
        ("POST /api/cameras", None, {"name": "x"}, "vuid: vuid is missing"),
        ("POST /api/cameras", None, {"vuid": "V-1"}, "vuid: vuid must be 4 to 32 letters"),
        ("POST /api/cameras", None, {"vuid": FRONT, "name": 7}, "name must be text"),
        ("POST /api/cameras", None, {"vuid": FRONT, "name": "x" * 65}, "longer than 64"),
        ("POST /api/cameras", None, {"vuid": FRONT, "offlineAfter": 0}, "offlineAfter must be"),
        ("POST /api/cameras", None, {"vuid": FRONT, "offlineAfter": "60"}, "offlineAfter must be"),
        ("POST /api/cameras", None, {"vuid": FRONT, "offlineAfter": True}, "offlineAfter must"),
        ("POST /api/cameras", None, {"vuid": FRONT, "colour": "red"}, "unknown field 'colour'"),
        ("POST /api/cameras", None, "not json", "request body is not JSON"),
        ("POST /api/cameras", None, "[1]", "must be a JSON object"),
        ("POST /api/cameras", None, "[" * 5000 + "]" * 5000, "request body is not JSON"),
        ("PATCH /api/cameras/{vuid}", {"vuid": FRONT}, {}, "nothing to change"),
        ("PATCH /api/cameras/{vuid}", {"vuid": "a/b"}, {"name": "x"}, "vuid: vuid must be"),
        ("DELETE /api/cameras/{vuid}", {"vuid": "x"}, None, "vuid: vuid must be"),
        ("GET /api/cameras/{vuid}/urls", {"vuid": "é" * 5}, None, "vuid: vuid must be"),
    ],
)
def test_bad_camera_requests_are_a_clear_400(
    console: Console, route: str, path: dict[str, str] | None, body: Any, words: str
) -> None:
    reply = console.call(route, path=path, body=body)
    assert reply.status == 400, reply.body
    assert reply.body["code"] == "400" and words in reply.body["message"]
    assert console.module.api.cameras.registry.get(FRONT) is None


def test_a_names_newlines_and_control_characters_become_spaces(console: Console) -> None:
    reply = console.call(
        "POST /api/cameras", body={"vuid": FRONT, "name": "Front\ndoor\x00 Open the picture"}
    )
    assert reply.status == 201
    assert console.module.api.cameras.registry.get(FRONT).name == "Front door Open the picture"


# -- alarms: listing -------------------------------------------------------------------


def test_alarms_newest_first_across_days_with_camera_names(console: Console) -> None:
    console.register(FRONT, "Front door")
    times = [NOW_MS - n * DAY_MS // 3 for n in range(7)]  # over three UTC days
    for index, at in enumerate(times):
        console.store_alarm(FRONT if index % 2 else GARDEN, at)

    alarms = all_alarms(console, limit="2")

    assert [a["receivedAtMs"] for a in alarms] == times
    assert {a["cameraName"] for a in alarms if a["vuid"] == FRONT} == {"Front door"}
    assert {a["cameraName"] for a in alarms if a["vuid"] == GARDEN} == {""}
    assert all(expires_in(a["thumbnailUrl"]) <= 300 for a in alarms)


def test_a_page_of_50_by_default_and_the_limit_is_bounded(console: Console) -> None:
    for n in range(55):
        console.store_alarm(FRONT, NOW_MS - n * 1000)
    page = console.call("GET /api/alarms")
    assert len(page.body["alarms"]) == 50 and page.body["next"]
    rest = console.call("GET /api/alarms", query={"cursor": page.body["next"]})
    assert len(rest.body["alarms"]) == 5 and rest.body["next"] is None


def test_filter_by_camera_type_and_date_range(console: Console) -> None:
    console.store_alarm(FRONT, NOW_MS - 10_000, alarm_type=0x12)
    console.store_alarm(FRONT, NOW_MS - 20_000, alarm_type=0x14)
    console.store_alarm(GARDEN, NOW_MS - 30_000, alarm_type=0x14)
    old = console.store_alarm(GARDEN, NOW_MS - 3 * DAY_MS, alarm_type=0x14)

    assert {a["vuid"] for a in all_alarms(console, camera=GARDEN)} == {GARDEN}
    assert len(all_alarms(console, camera=GARDEN)) == 2
    doorbells = all_alarms(console, type="0x14")
    assert [a["alarmTypeName"] for a in doorbells] == ["Doorbell button alarm"] * 3
    assert len(all_alarms(console, type="20")) == 3  # decimal, as cameras send it
    recent = all_alarms(console, **{"from": str(NOW_MS - DAY_MS)})
    assert len(recent) == 3 and old not in {a["alarmId"] for a in recent}
    window = all_alarms(
        console, **{"from": str(NOW_MS - 4 * DAY_MS), "to": str(NOW_MS - 2 * DAY_MS)}
    )
    assert [a["alarmId"] for a in window] == [old]
    both = all_alarms(console, camera=FRONT, type="0x12")
    assert len(both) == 1 and both[0]["alarmType"] == 0x12


def test_a_sparse_filter_over_many_days_stops_with_a_cursor_and_finds_the_rest(
    console: Console,
) -> None:
    """A request reads a bounded number of index pages: 100 empty days are not read at once."""
    old = console.store_alarm(FRONT, NOW_MS - 100 * DAY_MS, alarm_type=0x26)
    console.module.api.settings = type(console.module.api.settings)(
        **{**console.module.api.settings.__dict__, "retention_days": 365}
    )
    first = console.call("GET /api/alarms", query={"type": "0x26"})
    assert first.body["alarms"] == [] and first.body["next"]
    assert [a["alarmId"] for a in all_alarms(console, type="0x26")] == [old]


def test_a_cursor_of_another_filter_is_refused(console: Console) -> None:
    for n in range(3):
        console.store_alarm(FRONT, NOW_MS - n * 1000)
    page = console.call("GET /api/alarms", query={"limit": "1"})
    reply = console.call(
        "GET /api/alarms", query={"limit": "1", "camera": FRONT, "cursor": page.body["next"]}
    )
    assert reply.status == 400 and "another filter" in reply.body["message"]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"limit": "0"}, "limit must be a whole number from 1 to 100"),
        ({"limit": "101"}, "limit must be"),
        ({"limit": "ten"}, "limit must be"),
        ({"limit": "-5"}, "limit must be"),
        ({"camera": "VE-1"}, "camera: vuid must be"),
        ({"camera": ""}, "camera: vuid is empty"),
        ({"type": "motion"}, "neither a decimal number"),
        ({"type": "0x10000"}, "out of range"),
        ({"from": "yesterday"}, "from must be a time in epoch milliseconds"),
        ({"to": "1.5"}, "to must be a time"),
        ({"from": "2000", "to": "1000"}, "from must not be after to"),
        ({"cursor": "!!!"}, "cursor is not one this API gave out"),
        ({"cursor": "e30"}, "cursor"),  # {} in base64
        ({"cursor": "x" * 600}, "cursor is not one"),
        ({"sort": "asc"}, "unknown parameter 'sort'"),
    ],
)
def test_bad_alarm_list_parameters_are_a_clear_400(
    console: Console, query: dict[str, str], words: str
) -> None:
    reply = console.call("GET /api/alarms", query=query)
    assert reply.status == 400, reply.body
    assert reply.body["code"] == "400" and words in reply.body["message"]


@pytest.mark.parametrize(
    "position",
    [
        {"s": "fleet", "d": "2024-13-45x", "k": None},
        {"s": "fleet", "d": "2024-01-01", "k": {"a": "../x", "t": 1}},
        {
            "s": "fleet",
            "d": "2024-01-01",
            "k": {"a": "VE0005622QHOW-0123456789abcdef0123", "t": -1},
        },
        {"s": "fleet", "d": "2024-01-01", "k": {"a": "VE0005622QHOW-0123456789abcdef0123"}},
        {"s": "fleet", "d": "2024-01-01", "k": [1, 2]},
        ["not", "an", "object"],
    ],
)
def test_a_forged_cursor_is_a_400_not_a_crash(console: Console, position: Any) -> None:
    from vstarcam_push.console.params import encode_cursor

    cursor = encode_cursor(position) if isinstance(position, dict) else "WyJub3QiXQ"
    reply = console.call("GET /api/alarms", query={"cursor": cursor})
    assert reply.status == 400 and "cursor" in reply.body["message"]


# -- alarms: one alarm -----------------------------------------------------------------


def test_an_alarm_with_processed_media_offers_its_thumbnail_and_playable_video(
    console: Console,
) -> None:
    console.register(FRONT, "Front door")
    alarm_id = console.store_alarm(FRONT, NOW_MS, alarm_type=0x14, video=True, processed=True)

    reply = console.call("GET /api/alarms/{alarmId}", path={"alarmId": alarm_id})

    body = reply.body
    assert reply.status == 200
    assert (body["cameraName"], body["alarmTypeName"]) == ("Front door", "Doorbell button alarm")
    assert "play.mp4" in body["videoUrl"] and body["videoContentType"] == "video/mp4"
    assert "thumb.jpg" in body["thumbnailUrl"] and "thumb" not in body["pictureUrl"]
    for name in ("pictureUrl", "pictureDownloadUrl", "videoUrl", "videoDownloadUrl"):
        assert expires_in(body[name]) <= 300, name
    query = parse_qs(urlsplit(body["pictureDownloadUrl"]).query)
    assert query["response-content-disposition"][0].startswith("attachment")
    assert parse_qs(urlsplit(body["pictureUrl"]).query)["response-content-disposition"][
        0
    ].startswith("inline")


def test_an_unprocessed_alarm_falls_back_to_the_picture_and_the_original_mp4(
    console: Console,
) -> None:
    alarm_id = console.store_alarm(FRONT, NOW_MS, video=True)
    body = console.call("GET /api/alarms/{alarmId}", path={"alarmId": alarm_id}).body
    assert urlsplit(body["thumbnailUrl"]).path == urlsplit(body["pictureUrl"]).path
    assert urlsplit(body["videoUrl"]).path == urlsplit(body["videoDownloadUrl"]).path
    assert body["mediaStatus"] is None


def test_a_video_that_cannot_play_is_offered_for_download_with_the_reason(
    console: Console,
) -> None:
    alarm_id = console.store_alarm(
        FRONT,
        NOW_MS,
        video=True,
        videoContentType={"S": "video/x-msvideo"},
        mediaStatus={"S": "failed"},
        mediaError={"S": "the video is H.265, which browsers do not play"},
    )
    body = console.call("GET /api/alarms/{alarmId}", path={"alarmId": alarm_id}).body
    assert body["videoUrl"] is None and body["videoDownloadUrl"]
    assert body["mediaError"] == "the video is H.265, which browsers do not play"
    assert body["mediaStatus"] == "failed"
    assert body["originalVideoContentType"] == "video/x-msvideo"


def test_the_alarm_list_says_what_media_processing_made_of_each_alarm(
    console: Console,
) -> None:
    processed = console.store_alarm(FRONT, NOW_MS, video=True, processed=True)
    pending = console.store_alarm(FRONT, NOW_MS - 1000)
    listed = {alarm["alarmId"]: alarm["mediaStatus"] for alarm in all_alarms(console)}
    assert listed == {processed: "processed", pending: None}


def test_an_unexpected_failure_is_a_500_in_the_consoles_reply_shape() -> None:
    """Whatever breaks inside a handler, the browser gets JSON and a 500, never a bare
    API Gateway error, and the log names the failure."""
    logged: list[str] = []

    class Logger:
        def exception(self, message: str, **_: Any) -> None:
            logged.append(message)

    def broken(event: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("bug")

    reply = handle_errors(broken, Logger())({})

    assert reply["statusCode"] == 500
    assert json.loads(reply["body"]) == {"code": "500", "message": "internal error, please retry"}
    assert logged == ["unexpected failure"]


@pytest.mark.parametrize("route", ["GET /api/alarms/{alarmId}", "DELETE /api/alarms/{alarmId}"])
def test_an_unknown_or_malformed_alarm_id(console: Console, route: str) -> None:
    missing = console.call(route, path={"alarmId": f"{FRONT}-0123456789abcdef0123"})
    assert missing.status == 404 and "does not exist" in missing.body["message"]
    bad = console.call(route, path={"alarmId": "../../etc"})
    assert bad.status == 400 and "alarm id must look like" in bad.body["message"]


# -- alarms: delete and review ---------------------------------------------------------


def test_delete_removes_picture_video_thumbnail_playable_copy_and_record(
    console: Console,
) -> None:
    keep = console.store_alarm(GARDEN, NOW_MS - 1, video=True, processed=True)
    alarm_id = console.store_alarm(FRONT, NOW_MS, video=True, processed=True)
    kept_keys = {k for k in console.media_keys() if f"/{GARDEN}/" in k}
    assert len(console.media_keys()) == 8

    reply = console.call("DELETE /api/alarms/{alarmId}", path={"alarmId": alarm_id})

    assert reply.status == 200 and reply.body == {"deleted": [alarm_id]}
    assert console.alarm(alarm_id) is None
    assert console.media_keys() == kept_keys and console.alarm(keep) is not None


def test_delete_takes_a_thumbnail_media_processing_stored_but_had_not_recorded(
    console: Console,
) -> None:
    """GIVEN an alarm whose processing is under way: its thumbnail and playable copy are in
    the bucket, the record does not name them yet THEN the delete takes them too."""
    alarm_id = console.store_alarm(FRONT, NOW_MS, video=True)
    (picture,) = [k for k in console.media_keys() if k.endswith(".jpg")]
    (video,) = [k for k in console.media_keys() if k.endswith(".mp4")]
    for key in (derived_key(picture, "thumb.jpg"), derived_key(video, "playable.mp4")):
        console.s3.put_object(Bucket=console.bucket, Key=key, Body=b"derived")
    assert len(console.media_keys()) == 4

    reply = console.call("DELETE /api/alarms/{alarmId}", path={"alarmId": alarm_id})

    assert reply.status == 200 and console.media_keys() == set()


def test_delete_several_at_once_reports_the_missing(console: Console) -> None:
    ids = [console.store_alarm(FRONT, NOW_MS - n, video=bool(n % 2)) for n in range(4)]
    gone = f"{FRONT}-0123456789abcdef0123"
    reply = console.call("POST /api/alarms/delete", body={"alarmIds": [*ids[:3], gone]})
    assert reply.status == 200
    assert reply.body == {"deleted": ids[:3], "missing": [gone]}
    assert [console.alarm(i) is None for i in ids] == [True, True, True, False]
    assert len(console.media_keys()) == 2  # the one kept, with its video


def test_review_marks_and_unmarks_alarms(console: Console) -> None:
    ids = [console.store_alarm(FRONT, NOW_MS - n) for n in range(3)]
    before = int(time.time())
    reply = console.call("POST /api/alarms/review", body={"alarmIds": ids[:2]})
    assert reply.status == 200 and reply.body["updated"] == ids[:2]
    listed = {a["alarmId"]: a["reviewedAt"] for a in all_alarms(console)}
    assert listed[ids[0]] >= before and listed[ids[1]] >= before and listed[ids[2]] is None

    console.call("POST /api/alarms/review", body={"alarmIds": [ids[0]], "reviewed": False})
    assert {a["alarmId"]: a["reviewedAt"] for a in all_alarms(console)}[ids[0]] is None


def test_reviewing_a_deleted_alarm_does_not_recreate_it(console: Console) -> None:
    gone = f"{FRONT}-0123456789abcdef0123"
    reply = console.call("POST /api/alarms/review", body={"alarmIds": [gone]})
    assert reply.body == {"updated": [], "missing": [gone], "reviewed": True}
    assert console.alarm(gone) is None


@pytest.mark.parametrize(
    ("route", "body", "words"),
    [
        ("POST /api/alarms/review", {}, "alarmIds must be a non-empty list"),
        ("POST /api/alarms/review", {"alarmIds": []}, "alarmIds must be a non-empty list"),
        ("POST /api/alarms/review", {"alarmIds": "x"}, "alarmIds must be"),
        ("POST /api/alarms/review", {"alarmIds": [1]}, "alarm id must look like"),
        ("POST /api/alarms/review", {"alarmIds": ["x"], "reviewed": "yes"}, "alarm id"),
        (
            "POST /api/alarms/review",
            {"alarmIds": [f"{FRONT}-0123456789abcdef0123"], "reviewed": "yes"},
            "reviewed must be true or false",
        ),
        (
            "POST /api/alarms/delete",
            {"alarmIds": [f"{FRONT}-{n:020x}" for n in range(51)]},
            "at most 50",
        ),
        ("POST /api/alarms/delete", {"ids": []}, "unknown field 'ids'"),
        ("POST /api/alarms/delete", "{", "not JSON"),
    ],
)
def test_bad_bulk_requests_are_a_clear_400(
    console: Console, route: str, body: Any, words: str
) -> None:
    reply = console.call(route, body=body)
    assert reply.status == 400, reply.body
    assert words in reply.body["message"]


def test_a_storage_failure_is_a_500_in_the_wire_shape(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "x"}}, "Query")

    monkeypatch.setattr(console.module.dynamodb, "query", fail)
    reply = console.call("GET /api/alarms")
    assert reply.status == 500
    assert reply.body == {"code": "500", "message": "storage is unavailable, please retry"}


# -- severity and the unreviewed count --------------------------------------------------


def test_each_alarm_says_its_severity_and_the_list_filters_by_it(console: Console) -> None:
    """GIVEN a smoke alarm, a doorbell (alerts) and a motion, an absence and an unknown
    code (detections) THEN each listed alarm says which, and ``severity`` keeps one kind,
    with the type filter too (a type of the other severity keeps nothing)."""
    for offset, code in enumerate((0x26, 0x14, 0x12, 0x27, 0x99)):
        console.store_alarm(FRONT, NOW_MS - 1000 * (offset + 1), alarm_type=code)
    listed = {a["alarmType"]: a["severity"] for a in all_alarms(console)}
    assert listed == {
        0x26: "alert",
        0x14: "alert",
        0x12: "detection",
        0x27: "detection",
        0x99: "detection",
    }
    alerts = all_alarms(console, severity="alert")
    assert [a["alarmType"] for a in alerts] == [0x26, 0x14]
    detections = all_alarms(console, severity="detection", camera=FRONT)
    assert [a["alarmType"] for a in detections] == [0x12, 0x27, 0x99]
    assert len(all_alarms(console, severity="alert", type="0x14")) == 1
    assert all_alarms(console, severity="detection", type="0x14") == []
    refused = console.call("GET /api/alarms", query={"severity": "urgent"})
    assert refused.status == 400 and "neither alert nor detection" in refused.body["message"]


def test_the_alert_types_setting_changes_the_severity(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AlertTypes=0x12: motion is the one alert; nothing stored changes."""
    import boto3

    from tests.conftest import REGION, load_function
    from tests.console.conftest import Console as ConsoleFixture

    # The parameter reaches the function as ALERT_TYPES (tests/test_template.py).
    console = ConsoleFixture(
        module=load_function(stack, "ConsoleApiFunction", monkeypatch, ALERT_TYPES="0x12"),
        stack=stack,
        dynamodb=boto3.client("dynamodb", region_name=REGION),
        s3=boto3.client("s3", region_name=REGION),
    )
    console.store_alarm(FRONT, NOW_MS - 1000, alarm_type=0x12)
    console.store_alarm(FRONT, NOW_MS - 2000, alarm_type=0x26)
    assert [a["alarmType"] for a in all_alarms(console, severity="alert")] == [0x12]
    assert [a["severity"] for a in all_alarms(console)] == ["alert", "detection"]


def test_the_unreviewed_count_is_the_fleets_whatever_the_filter(console: Console) -> None:
    """GIVEN four alarms of two cameras WHEN two are reviewed, one un-reviewed again and
    one deleted THEN the count and the newest unreviewed follow, from one index query."""
    empty = console.call("GET /api/alarms/unreviewed")
    assert empty.status == 200
    assert empty.body == {"unreviewed": 0, "more": False, "newest": None}
    ids = [
        console.store_alarm(FRONT, NOW_MS - 4000),
        console.store_alarm(GARDEN, NOW_MS - 3000),
        console.store_alarm(FRONT, NOW_MS - 2000),
        console.store_alarm(GARDEN, NOW_MS - 1000),
    ]
    reply = console.call("GET /api/alarms/unreviewed").body
    assert reply == {
        "unreviewed": 4,
        "more": False,
        "newest": {"alarmId": ids[3], "receivedAtMs": NOW_MS - 1000},
    }
    console.call("POST /api/alarms/review", body={"alarmIds": [ids[3], ids[0]]})
    reply = console.call("GET /api/alarms/unreviewed").body
    assert reply["unreviewed"] == 2 and reply["newest"]["alarmId"] == ids[2]
    console.call("POST /api/alarms/review", body={"alarmIds": [ids[3]], "reviewed": False})
    console.call("DELETE /api/alarms/{alarmId}", path={"alarmId": ids[2]})
    reply = console.call("GET /api/alarms/unreviewed").body
    assert reply["unreviewed"] == 2 and reply["newest"]["alarmId"] == ids[3]
    assert console.call("GET /api/alarms/unreviewed", query={"camera": FRONT}).status == 400


def test_the_unreviewed_count_stops_at_its_limit(console: Console) -> None:
    from vstarcam_push.dal.alarms import AlarmStore

    for n in range(5):
        console.store_alarm(FRONT, NOW_MS - 1000 * (n + 1))
    found = AlarmStore(console.dynamodb, console.alarms_table).unreviewed(limit=3)
    assert (found.count, found.more) == (3, True)
    assert found.newest is not None and found.newest[1] == NOW_MS - 1000


def test_a_stored_alarm_carries_the_unreviewed_mark_until_reviewed(console: Console) -> None:
    """The mark is the sparse index's key: on every new alarm, never on a reviewed one."""
    alarm_id = console.store_alarm(FRONT, NOW_MS - 1000)
    key = {"vuid": {"S": FRONT}, "alarmId": {"S": alarm_id}}

    def item() -> dict[str, Any]:
        return console.dynamodb.get_item(TableName=console.alarms_table, Key=key)["Item"]

    assert item()["unreviewed"] == {"S": "1"}
    console.call("POST /api/alarms/review", body={"alarmIds": [alarm_id]})
    assert "unreviewed" not in item() and "reviewedAt" in item()
    stored = console.alarm(alarm_id)
    assert stored is not None and "unreviewed" not in stored.to_item()
