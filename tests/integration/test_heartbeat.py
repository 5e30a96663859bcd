"""POST /heartbeat: ``{"vuid": ...}`` marks a registered camera online until its next deadline."""

from __future__ import annotations

import json
import time

from vstarcam_push.models.push_keys import key_hash

from tests.conftest import PUSH_KEY, VUID, heartbeat_event, http_event, invoke, reply_of
from tests.integration.conftest import Aws, AwsSpy, LoadFunction

SUCCESS = {"code": "200", "message": "Success"}


def test_heartbeat_of_a_registered_camera_answers_exactly_success(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN a registered camera
    WHEN it sends {"vuid": ...}
    THEN the reply is exactly {"code":"200","message":"Success"} as JSON, with HTTP 200."""
    aws.register()
    response = invoke(functions("HeartbeatFunction"), heartbeat_event({"vuid": VUID}))

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == SUCCESS
    assert response["headers"]["content-type"].startswith("application/json")


def test_heartbeat_marks_the_camera_online_until_last_seen_plus_its_offline_threshold(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN a camera registered with its own 600 s offline threshold
    WHEN it sends a heartbeat at time t
    THEN it is online, lastSeen is t and its offline deadline (onlineUntil) is t + 600."""
    aws.register(offline_after=600)
    now_ms = 1_795_700_000_000
    reply_of(invoke(functions("HeartbeatFunction"), heartbeat_event({"vuid": VUID}, now_ms)))

    camera = aws.camera()
    assert camera is not None
    assert camera["status"] == {"S": "online"}
    assert camera["lastSeen"] == {"N": str(now_ms // 1000)}
    assert camera["onlineUntil"] == {"N": str(now_ms // 1000 + 600)}
    assert camera["name"] == {"S": "Front door"}


def test_every_heartbeat_pushes_the_offline_deadline_forward(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN an online camera with the stack's default threshold (OfflineAfterSeconds=180)
    WHEN it sends its next heartbeat 60 s later
    THEN its deadline moves to the new heartbeat time + 180."""
    aws.register(offline_after=180)
    heartbeat = functions("HeartbeatFunction")
    first_ms = 1_795_700_000_000
    invoke(heartbeat, heartbeat_event({"vuid": VUID}, first_ms))
    invoke(heartbeat, heartbeat_event({"vuid": VUID}, first_ms + 60_000))

    camera = aws.camera()
    assert camera is not None
    assert camera["lastSeen"] == {"N": str(first_ms // 1000 + 60)}
    assert camera["onlineUntil"] == {"N": str(first_ms // 1000 + 60 + 180)}


def test_heartbeat_of_a_camera_without_a_threshold_uses_offline_after_seconds(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN a camera item with no offlineAfter of its own and OfflineAfterSeconds=240
    WHEN it sends a heartbeat
    THEN its deadline is the heartbeat time + 240."""
    aws.dynamodb.put_item(
        TableName=aws.cameras_table,
        Item={"vuid": {"S": VUID}, "pushKeyHash": {"B": key_hash(PUSH_KEY)}},
    )
    now_ms = 1_795_700_000_000
    heartbeat = functions("HeartbeatFunction", OFFLINE_AFTER_SECONDS="240")
    reply_of(invoke(heartbeat, heartbeat_event({"vuid": VUID}, now_ms)))

    camera = aws.camera()
    assert camera is not None
    assert camera["onlineUntil"] == {"N": str(now_ms // 1000 + 240)}


def test_heartbeat_vuid_is_matched_case_insensitively(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN a registered camera VE0005622QHOW
    WHEN a heartbeat says "ve0005622qhow"
    THEN it is that camera's heartbeat (cameras print their vuid in upper case)."""
    aws.register()
    response = invoke(functions("HeartbeatFunction"), heartbeat_event({"vuid": VUID.lower()}))

    assert reply_of(response) == SUCCESS
    camera = aws.camera()
    assert camera is not None and camera["status"] == {"S": "online"}


def test_heartbeat_costs_one_conditional_write_and_no_read(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN a registered camera
    WHEN it sends a heartbeat
    THEN the function makes exactly one AWS call: an UpdateItem on the cameras table whose
    condition checks the push key's hash (no GetItem, no Query, nothing else)."""
    aws.register()
    heartbeat = functions("HeartbeatFunction")
    with spy.watching() as calls:
        response = invoke(heartbeat, heartbeat_event({"vuid": VUID}))

    assert reply_of(response) == SUCCESS
    assert [(call.service, call.operation) for call in calls] == [("dynamodb", "UpdateItem")]
    assert calls[0].params["TableName"] == aws.cameras_table
    assert calls[0].params["ConditionExpression"] == "pushKeyHash = :key_hash"
    assert calls[0].params["ExpressionAttributeValues"][":key_hash"] == {"B": key_hash(PUSH_KEY)}


def test_heartbeat_of_an_unknown_camera_costs_one_failed_write_and_stores_nothing(
    aws: Aws, functions: LoadFunction, spy: AwsSpy
) -> None:
    """GIVEN no camera is registered
    WHEN a heartbeat arrives
    THEN one conditional UpdateItem is refused by its condition, the reply is 403,
    and no camera item is created."""
    heartbeat = functions("HeartbeatFunction")
    with spy.watching() as calls:
        reply = reply_of(invoke(heartbeat, heartbeat_event({"vuid": VUID})))

    assert reply["code"] == "403"
    assert spy.operations() == ["UpdateItem"]
    assert calls[0].response is None
    assert aws.camera() is None


def test_heartbeat_of_an_offline_camera_brings_it_back_online(
    aws: Aws, functions: LoadFunction
) -> None:
    """GIVEN a camera the sweep marked offline (no deadline)
    WHEN it sends a heartbeat
    THEN it is online again with a new deadline."""
    aws.register()
    aws.dynamodb.update_item(
        TableName=aws.cameras_table,
        Key={"vuid": {"S": VUID}},
        UpdateExpression="SET #s = :off, offlineSince = :t, lastSeen = :t",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":off": {"S": "offline"}, ":t": {"N": "1795600000"}},
    )
    now = int(time.time())
    reply_of(invoke(functions("HeartbeatFunction"), heartbeat_event({"vuid": VUID}, now * 1000)))

    camera = aws.camera()
    assert camera is not None
    assert camera["status"] == {"S": "online"}
    assert camera["onlineUntil"] == {"N": str(now + 180)}


def test_heartbeat_delivered_base64_encoded_is_accepted(aws: Aws, functions: LoadFunction) -> None:
    """GIVEN a camera whose heartbeat Content-Type HTTP API treats as binary (so it arrives
    base64-encoded)
    WHEN it sends {"vuid": ...}
    THEN it is the same heartbeat: Success, camera online."""
    aws.register()
    event = http_event(
        "/heartbeat", b'{"vuid":"VE0005622QHOW"}', "application/octet-stream", push_key=PUSH_KEY
    )

    assert reply_of(invoke(functions("HeartbeatFunction"), event)) == SUCCESS
    camera = aws.camera()
    assert camera is not None and camera["status"] == {"S": "online"}
