"""The local stack's state on disk, in-process: moto's backends saved, loaded, and what a
request to moto may change.

GIVEN the template's resources in in-process moto with a camera, an alarm picture, a
push-key secret, a queued delivery and a signed-in console user WHEN the state is saved
(``local/state.py``) and loaded into a fresh moto THEN every one of them is there and
works as before, the resources are adopted with the same ids, and a snapshot that cannot
be loaded is never the only one.
"""

from __future__ import annotations

import io
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from vstarcam_tools.local import snapshot
from vstarcam_tools.local.console import create_console_user
from vstarcam_tools.local.state import LocalState, StateInUse, classify
from vstarcam_tools.provision import create_resources
from vstarcam_tools.template import Stack

from tests.conftest import JPEG, REGION

PASSWORD = "Local-state-pw-1"
SECRET = "/vstarcam-push/push-key-secret"
CAMERA = {"vuid": {"S": "VE0005622QHOW"}, "name": {"S": "Door"}}


@pytest.fixture
def moto_fresh() -> Iterator[None]:
    with mock_aws():
        yield


def _build(stack: Stack) -> boto3.Session:
    session = boto3.Session(region_name=REGION)
    create_resources(stack, session)
    return session


def _fill(stack: Stack, session: boto3.Session) -> dict[str, Any]:
    """A camera, a picture, the secret, a delivery, a console user signed in."""
    session.client("dynamodb").put_item(TableName=stack.physical_name("CamerasTable"), Item=CAMERA)
    bucket = stack.physical_name("MediaBucket")
    session.client("s3").put_object(
        Bucket=bucket, Key="VE0005622QHOW/a.jpg", Body=JPEG, ContentType="image/jpeg"
    )
    session.client("ssm").put_parameter(Name=SECRET, Value="c2VjcmV0", Type="SecureString")
    session.client("sqs").send_message(QueueUrl=stack.refs["DeliveryQueue"], MessageBody="push")
    cognito = session.client("cognito-idp")
    create_console_user(cognito, stack.refs["ConsoleUserPool"], PASSWORD)
    tokens = _sign_in(cognito, stack)
    return {"refs": dict(stack.refs), "attributes": dict(stack.attributes), "tokens": tokens}


def _sign_in(cognito: Any, stack: Stack) -> dict[str, Any]:
    return dict(
        cognito.initiate_auth(
            ClientId=stack.refs["ConsoleUserPoolClient"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "admin", "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
    )


def _save(folder: Path) -> LocalState:
    state = LocalState(folder)
    state.open()
    state._changed.update(snapshot.PERSISTED)
    assert state.save()
    return state


def test_everything_kept_is_there_after_a_restore(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    with mock_aws():
        stack = Stack(region=REGION)
        before = _fill(stack, _build(stack))
        _save(folder).close()

    with mock_aws():
        state = LocalState(folder)
        state.open()
        restored = Stack(region=REGION)
        session = _build(restored)

        # The same resources, adopted: the user pool and app client keep their random ids.
        assert restored.refs == before["refs"] and restored.attributes == before["attributes"]
        db, s3 = session.client("dynamodb"), session.client("s3")
        key = {"vuid": CAMERA["vuid"]}
        assert (
            db.get_item(TableName=restored.physical_name("CamerasTable"), Key=key)["Item"] == CAMERA
        )
        picture = s3.get_object(
            Bucket=restored.physical_name("MediaBucket"), Key="VE0005622QHOW/a.jpg"
        )
        assert picture["Body"].read() == JPEG and picture["ContentType"] == "image/jpeg"
        secret = session.client("ssm").get_parameter(Name=SECRET, WithDecryption=True)
        assert secret["Parameter"]["Value"] == "c2VjcmV0"
        (message,) = session.client("sqs").receive_message(
            QueueUrl=before["refs"]["DeliveryQueue"]
        )["Messages"]
        assert message["Body"] == "push"
        cognito = session.client("cognito-idp")
        # The password (which no API reads back), the tokens and their signing key.
        assert _sign_in(cognito, restored)["AccessToken"]
        assert cognito.get_user(AccessToken=before["tokens"]["AccessToken"])["Username"] == "admin"
        refreshed = cognito.initiate_auth(
            ClientId=restored.refs["ConsoleUserPoolClient"],
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": before["tokens"]["RefreshToken"]},
        )
        assert refreshed["AuthenticationResult"]["AccessToken"]
        # The stream goes on from the restored records.
        db.put_item(TableName=restored.physical_name("CamerasTable"), Item={"vuid": {"S": "X2"}})
        assert [r["dynamodb"]["Keys"]["vuid"]["S"] for r in _stream(session, restored)] == [
            "VE0005622QHOW",
            "X2",
        ]
        state.close()


def _stream(session: boto3.Session, stack: Stack) -> list[dict[str, Any]]:
    streams = session.client("dynamodbstreams")
    arn = stack.get_att("CamerasTable", "StreamArn")
    (shard,) = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return list(streams.get_records(ShardIterator=iterator)["Records"])


def test_media_are_blobs_written_once_and_removed_when_no_snapshot_names_them(
    tmp_path: Path, moto_fresh: None
) -> None:
    stack = Stack(region=REGION)
    s3 = _build(stack).client("s3")
    bucket = stack.physical_name("MediaBucket")
    s3.put_object(Bucket=bucket, Key="a.jpg", Body=JPEG)
    state = _save(tmp_path / "state")
    (blob,) = [p for p in (tmp_path / "state" / "blobs").rglob("*") if p.is_file()]
    assert blob.read_bytes() == JPEG
    snapshot_bytes = (tmp_path / "state" / snapshot.SNAPSHOT).read_bytes()
    assert JPEG not in snapshot_bytes

    s3.delete_object(Bucket=bucket, Key="a.jpg")
    state._changed.add("s3")
    state.save()
    assert blob.exists()  # the previous snapshot names it still
    state._changed.add("s3")
    state.save()
    assert not blob.exists()
    state.close()


def test_the_folder_and_its_files_are_the_owners_only(tmp_path: Path, moto_fresh: None) -> None:
    stack = Stack(region=REGION)
    _build(stack).client("s3").put_object(
        Bucket=stack.physical_name("MediaBucket"), Key="a.jpg", Body=JPEG
    )
    _save(tmp_path / "state").close()

    for path in [tmp_path / "state", *(tmp_path / "state").rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, (path, oct(mode))


def test_an_unreadable_newest_snapshot_falls_back_to_the_previous(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "state"
    with mock_aws():
        stack = Stack(region=REGION)
        db = _build(stack).client("dynamodb")
        db.put_item(TableName=stack.physical_name("CamerasTable"), Item=CAMERA)
        state = _save(folder)
        db.put_item(TableName=stack.physical_name("CamerasTable"), Item={"vuid": {"S": "X2"}})
        state._changed.add("dynamodb")
        state.save()
        state.close()
    # A file cut short (not what os.replace leaves, but a disk can).
    newest = folder / snapshot.SNAPSHOT
    newest.write_bytes(newest.read_bytes()[:100])

    with mock_aws():
        state = LocalState(folder)
        state.open()
        stack = Stack(region=REGION)
        db = _build(stack).client("dynamodb")
        items = db.scan(TableName=stack.physical_name("CamerasTable"))["Items"]
        assert [item["vuid"]["S"] for item in items] == ["VE0005622QHOW"]
        assert "could not be loaded" in caplog.text
        assert (folder / "state.unreadable.pickle").exists()
        state.close()


def test_a_state_that_cannot_be_loaded_stops_the_start_with_what_to_do(
    tmp_path: Path, moto_fresh: None
) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    (folder / snapshot.SNAPSHOT).write_bytes(b"not a snapshot")

    with pytest.raises(ValueError, match=r"cannot be loaded .*--fresh"):
        LocalState(folder).open()


def test_a_write_cut_short_leaves_the_last_snapshot_whole(
    tmp_path: Path, moto_fresh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a process killed while it writes a snapshot (here: the rename never happens)
    THEN the last complete snapshot is the one that loads, and no temporary file is read."""
    stack = Stack(region=REGION)
    db = _build(stack).client("dynamodb")
    db.put_item(TableName=stack.physical_name("CamerasTable"), Item=CAMERA)
    state = _save(tmp_path / "state")
    complete = (tmp_path / "state" / snapshot.SNAPSHOT).read_bytes()

    def killed(*_: Any) -> None:
        raise KeyboardInterrupt  # as if the process ended here

    monkeypatch.setattr(os, "replace", killed)
    state._changed.add("dynamodb")
    with pytest.raises(KeyboardInterrupt):
        state.save()
    monkeypatch.undo()

    assert (tmp_path / "state" / snapshot.SNAPSHOT).read_bytes() == complete
    assert snapshot.read_snapshot(tmp_path / "state" / snapshot.SNAPSHOT).services
    state.close()


def test_fresh_moves_the_state_aside_and_one_stack_at_a_time(
    tmp_path: Path, moto_fresh: None
) -> None:
    folder = tmp_path / "state"
    stack = Stack(region=REGION)
    _build(stack)
    _save(folder).close()

    fresh = LocalState(folder, fresh=True)
    fresh.open()
    assert fresh.restored is None
    assert (tmp_path / "state.before-fresh" / snapshot.SNAPSHOT).exists()
    assert "started fresh" in fresh.describe()
    with pytest.raises(StateInUse, match="another local stack"):
        LocalState(folder).open()
    fresh.close()


@pytest.mark.parametrize(
    ("headers", "method", "query", "changes"),
    [
        ({"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.PutItem"}, "POST", "", {"dynamodb"}),
        ({"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.Query"}, "POST", "", set()),
        ({"HTTP_X_AMZ_TARGET": "DynamoDBStreams_20120810.GetRecords"}, "POST", "", set()),
        ({"HTTP_X_AMZ_TARGET": "AmazonSSM.PutParameter"}, "POST", "", {"ssm"}),
        ({"HTTP_X_AMZ_TARGET": "AWSCognitoIdentityProviderService.InitiateAuth"}, "POST", "",
         {"cognito-idp"}),
        ({"HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/"
          "aws4_request, SignedHeaders=host, Signature=0"}, "PUT", "", {"s3"}),
        ({}, "GET", "X-Amz-Credential=testing%2F20260101%2Fus-east-1%2Fs3%2Faws4_request", set()),
        ({"HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sns/"
          "aws4_request, SignedHeaders=host, Signature=0"}, "POST", "", {"sns", "sqs"}),
        ({"HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/"
          "cloudformation/aws4_request, SignedHeaders=host, Signature=0"}, "POST", "", set()),
        ({}, "POST", "", set(snapshot.PERSISTED)),  # unknown: anything may have changed
    ],
)  # fmt: skip
def test_what_a_request_to_moto_may_change(
    headers: dict[str, str], method: str, query: str, changes: set[str]
) -> None:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": "/", "QUERY_STRING": query, **headers}

    assert classify(environ).changes == changes


@pytest.mark.parametrize(
    ("target", "body", "changes"),
    [
        ("PutItem", {"TableName": "cams", "Item": {}}, {"dynamodb:cams"}),
        ("UpdateItem", {"TableName": "arn:aws:dynamodb:us-east-1:1:table/cams"}, {"dynamodb:cams"}),
        ("BatchWriteItem", {"RequestItems": {"a": [], "b": []}}, {"dynamodb:a", "dynamodb:b"}),
        ("TransactWriteItems",
         {"TransactItems": [{"Put": {"TableName": "a"}}, {"Update": {"TableName": "b"}}]},
         {"dynamodb:a", "dynamodb:b"}),
        ("CreateTable", {"TableName": "new"}, {"dynamodb"}),
        ("PutItem", "not json", {"dynamodb"}),
    ],
)  # fmt: skip
def test_a_dynamodb_write_changes_only_the_tables_it_names(
    target: str, body: Any, changes: set[str]
) -> None:
    """A heartbeat writes the Cameras table: the Alarms table is not pickled again for it."""
    data = (json.dumps(body) if isinstance(body, dict) else body).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "HTTP_X_AMZ_TARGET": f"DynamoDB_20120810.{target}",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
    }

    assert classify(environ).changes == changes
    assert environ["wsgi.input"].read() == data  # moto reads the same body


def test_a_long_poll_is_not_held_in_the_lock() -> None:
    """An SQS ReceiveMessage waits up to a second: holding it would stall every snapshot."""
    environ = {"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": "AmazonSQS.ReceiveMessage"}

    request = classify(environ)

    assert not request.locked and not request.changes


def test_a_write_to_one_table_pickles_that_table_only(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    with mock_aws():
        stack = Stack(region=REGION)
        db = _build(stack).client("dynamodb")
        cameras, alarms = stack.physical_name("CamerasTable"), stack.physical_name("AlarmsTable")
        db.put_item(TableName=alarms, Item={"vuid": {"S": "V1"}, "alarmId": {"S": "V1-a"}})
        state = _save(folder)
        before = dict(state._states)
        db.put_item(TableName=cameras, Item=CAMERA)
        state._changed.add(f"dynamodb:{cameras}")
        state.save()
        state.close()

        changed = {key for key, part in state._states.items() if part is not before.get(key)}
        assert changed == {snapshot.table_part(stack.account, REGION, cameras)}

    with mock_aws():
        state = LocalState(folder)
        state.open()
        restored = Stack(region=REGION)
        db = _build(restored).client("dynamodb")
        assert db.scan(TableName=cameras)["Items"] == [CAMERA]
        assert len(db.scan(TableName=alarms)["Items"]) == 1
        state.close()


def test_stream_records_older_than_a_day_are_dropped_as_aws_does(moto_fresh: None) -> None:
    from datetime import timedelta

    from moto.dynamodb.models import dynamodb_backends
    from vstarcam_tools.local.stream_shards import trim

    stack = Stack(region=REGION)
    session = _build(stack)
    db = session.client("dynamodb")
    name = stack.physical_name("CamerasTable")
    for vuid in ("OLD1", "OLD2", "NEW1"):
        db.put_item(TableName=name, Item={"vuid": {"S": vuid}})
    table = dynamodb_backends[stack.account][REGION].tables[name]
    for record in table.stream_shard.items[:2]:
        record.record["dynamodb"]["ApproximateCreationDateTime"] -= timedelta(hours=25)
    numbers = [r.record["dynamodb"]["SequenceNumber"] for r in table.stream_shard.items]

    assert trim(table) == 2

    db.put_item(TableName=name, Item={"vuid": {"S": "NEW2"}})
    records = _stream(session, stack)
    assert [r["dynamodb"]["Keys"]["vuid"]["S"] for r in records] == ["NEW1", "NEW2"]
    # The records kept keep their sequence numbers; the next one follows them.
    assert records[0]["dynamodb"]["SequenceNumber"] == numbers[2]
    assert int(records[1]["dynamodb"]["SequenceNumber"]) == int(numbers[2]) + 1


def test_a_stream_subscription_goes_on_where_it_left_off_after_a_restart(
    tmp_path: Path,
) -> None:
    """An alarm written a moment before Ctrl-C (or a kill -9 after the next snapshot) is
    notified after the restart: its record was saved, and so was how far the subscription
    had got. Before, a restarted subscription began at LATEST: the notification and the
    thumbnail never came, the alarm stayed 'pending'."""
    from vstarcam_tools.local.streams import StreamEventSource

    folder = tmp_path / "state"
    seen: list[str] = []

    def handler(event: dict[str, Any]) -> None:
        seen.extend(r["dynamodb"]["Keys"]["vuid"]["S"] for r in event["Records"])

    def subscription(session: boto3.Session, stack: Stack, **kept: Any) -> StreamEventSource:
        arn = stack.get_att("CamerasTable", "StreamArn")
        return StreamEventSource(session.client("dynamodbstreams"), arn, handler, **kept)

    with mock_aws():
        stack = Stack(region=REGION)
        session = _build(stack)
        db, name = session.client("dynamodb"), stack.physical_name("CamerasTable")
        mapping = subscription(session, stack)  # LATEST, as the template's
        db.put_item(TableName=name, Item={"vuid": {"S": "DONE1"}})
        mapping.drain()
        db.put_item(TableName=name, Item={"vuid": {"S": "WRITTEN2"}})
        db.put_item(TableName=name, Item={"vuid": {"S": "WRITTEN3"}})
        # Read, not yet delivered (a batching window, a retry), when the stop comes.
        mapping._poll()
        (position,) = mapping.positions.values()
        assert position[0] == "AT_SEQUENCE_NUMBER"
        state = LocalState(folder)
        state.open()
        state.positions = lambda: {"Notify.Cameras": mapping.positions}
        state.start()
        state.close()
    assert seen == ["DONE1"]

    with mock_aws():
        state = LocalState(folder)
        state.open()
        restored = Stack(region=REGION)
        session = _build(restored)
        kept = state.restored_positions()["Notify.Cameras"]
        mapping = subscription(session, restored, positions=kept)
        session.client("dynamodb").put_item(TableName=name, Item={"vuid": {"S": "AFTER4"}})
        mapping.drain()
        state.close()
    # The record left over is delivered, the one done is not delivered again.
    assert seen == ["DONE1", "WRITTEN2", "WRITTEN3", "AFTER4"]
