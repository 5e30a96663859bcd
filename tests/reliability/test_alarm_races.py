"""Copies of one alarm racing each other never lose a stored picture.

Two or more copies of one alarm can be in flight at once: a camera retrying
while its first push is still being stored, or ``alarmPushMainServer`` and
``alarmPushSubServer`` both pointing at this stack. Whatever the interleaving,
every copy is answered 200, one alarm is stored, its record names media that
are in the bucket, and no other object is left behind.

Two ways: deterministically, each copy's Lambda (its own module, so its own
clients, as separate Lambda instances have) runs the next copy entirely just
before its call number ``position``, for every position; and threads, many
copies of many alarms at once.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from types import ModuleType
from typing import Any

import pytest
from vstarcam_push.dal.camera_items import PENDING_COUNTER

from tests.conftest import JPEG, MP4, VUID, alarm_event, invoke, load_function, reply_of
from tests.reliability.conftest import Stored

SUCCESS = {"code": "200", "message": "Success"}
# The first copy's calls when nothing races it: BatchGetItem, two PutObjects, PutItem,
# UpdateItem. Positions past its last call run the next copy after it.
POSITIONS = range(7)
# The per-camera alarm rate limit is not what these tests race: dozens of copies of one
# camera's alarms arrive within the same minute here.
NO_METRICS = {"POWERTOOLS_METRICS_DISABLED": "true", "ALARM_RATE_LIMIT": "1000000"}


class Interleaving:
    """Copy ``i + 1`` runs, whole, just before copy ``i``'s call number ``positions[i]``.

    Copy ``i`` is pushed through ``instances[i]``: a Lambda instance of its own (its own
    module, so its own clients), as copies arriving at once are in AWS.
    """

    def __init__(
        self,
        instances: list[ModuleType],
        events: list[dict[str, Any]],
        positions: tuple[int, ...],
        picture: bytes,
    ) -> None:
        assert len(positions) == len(instances) - 1 and len(events) == len(instances)
        self.instances = instances
        self.events = events
        self.picture = picture
        self.positions = positions
        self.calls: list[list[str]] = [[] for _ in instances]
        self.replies: list[dict[str, str] | None] = [None for _ in instances]
        self._started = [False for _ in instances]

    def run(self) -> None:
        # Each instance's clients are its own (botocore copies the session's emitter per
        # client), so a hook knows whose call it sees.
        hooks = [self._hook_of(index) for index in range(len(self.instances))]
        clients = [_clients_of(instance) for instance in self.instances]
        for hook, own in zip(hooks, clients, strict=True):
            for client in own:
                client.meta.events.register("before-call", hook)
        try:
            self._run(0)
        finally:
            for hook, own in zip(hooks, clients, strict=True):
                for client in own:
                    client.meta.events.unregister("before-call", hook)
        assert all(self._started)

    def _run(self, index: int) -> None:
        self._started[index] = True
        self.replies[index] = reply_of(invoke(self.instances[index], self.events[index]))
        if index + 1 < len(self.instances) and not self._started[index + 1]:
            self._run(index + 1)

    def _hook_of(self, index: int) -> Any:
        def hook(event_name: str, **_: Any) -> None:
            following = index + 1 < len(self.instances) and not self._started[index + 1]
            if following and len(self.calls[index]) == self.positions[index]:
                self._run(index + 1)
            self.calls[index].append(event_name.rsplit(".", 1)[-1])

        return hook


def _clients_of(instance: ModuleType) -> list[Any]:
    return [instance._dynamodb, instance.intake.media._s3]


def instances(stack: Any, monkeypatch: pytest.MonkeyPatch, count: int, **env: str) -> list[Any]:
    return [
        load_function(stack, "AlarmFunction", monkeypatch, **NO_METRICS, **env)
        for _ in range(count)
    ]


def assert_stored_once_with_its_media(stored: Stored, race: Interleaving, vuid: str) -> None:
    """Every copy answered 200; one record of this alarm; the bucket holds its media only."""
    where = f"positions {race.positions}, calls {race.calls}"
    assert race.replies == [SUCCESS] * len(race.instances), where
    picture_sha = hashlib.sha256(race.picture).hexdigest()
    records = [alarm for alarm in stored.alarms() if alarm["pictureSha256"]["S"] == picture_sha]
    assert len(records) == 1, where
    (record,) = records
    stem = record["alarmId"]["S"].rsplit("-", 1)[1]
    keys = {key for key in stored.media_keys() if f"-{stem}" in key}
    # The record's media are there; the losers removed theirs, and only theirs.
    assert keys == stored.keys_of(record), where
    assert len(keys) == 2, where
    camera = stored.cameras.get(vuid)
    assert camera is not None and camera.last_alarm_at is not None, where


def race_at(
    modules: list[Any], positions: tuple[int, ...], number: int, apart_ms: int, vuid: str = VUID
) -> Interleaving:
    """Copies of alarm ``number`` (a picture of its own), ``apart_ms`` apart, interleaved."""
    picture = JPEG + number.to_bytes(2, "big")
    now_ms = int(time.time() * 1000)
    events = [
        alarm_event(time_ms=now_ms + copy * apart_ms, vuid=vuid, picture=picture, video=MP4)
        for copy in range(len(modules))
    ]
    race = Interleaving(modules, events, positions, picture)
    race.run()
    return race


@pytest.mark.parametrize("apart_ms", [0, 1_000], ids=["same-millisecond", "a-second-apart"])
def test_a_second_copy_at_any_step_of_the_first_loses_no_picture(
    stack, stored: Stored, register, monkeypatch, apart_ms: int
) -> None:
    """GIVEN a registered camera pushing an alarm with a video twice (received in the same
    millisecond, or a second apart: the media keys of the old code collided, or not)
    WHEN, for every position, the second copy runs whole just before the first copy's call
    number ``position`` (or after its last call)
    THEN both are answered 200, one alarm is stored, its picture and video are in the
    bucket, and no other object of that alarm is."""
    register(VUID)
    modules = instances(stack, monkeypatch, 2)

    for position in POSITIONS:
        race = race_at(modules, (position,), position, apart_ms)

        assert_stored_once_with_its_media(stored, race, VUID)
        if position == 0:
            # The second copy stored it first: the first found it with its one lookup.
            assert race.calls[0] == ["BatchGetItem", "UpdateItem"]
        if position >= len(race.calls[0]):
            # Run after the first: the second found the stored alarm.
            assert race.calls[1] == ["BatchGetItem", "UpdateItem"]
        else:
            assert race.calls[1][0] == "BatchGetItem"
    # Every step of the first copy was raced: its full path has five calls.
    assert len(POSITIONS) > 5


def test_three_copies_nested_at_every_pair_of_steps_lose_no_picture(
    stack, stored: Stored, register, monkeypatch
) -> None:
    """GIVEN a registered camera pushing an alarm three times in the same millisecond
    WHEN, for every pair of positions, the second copy runs just before the first's call
    number ``p``, and the third just before the second's call number ``q``
    THEN all three are answered 200 and one alarm is stored with exactly its media."""
    register(VUID)
    modules = instances(stack, monkeypatch, 3)

    for number, positions in enumerate(itertools.product(POSITIONS, repeat=2)):
        race = race_at(modules, positions, number, 0)

        assert_stored_once_with_its_media(stored, race, VUID)


def test_copies_of_an_unknown_cameras_first_alarm_store_nothing_and_list_it_pending_once(
    stack, stored: Stored, monkeypatch
) -> None:
    """GIVEN AcceptUnknownCameras=true and cameras never seen, each pushing its first alarm
    twice in the same millisecond (each copy may try to list the camera as pending)
    WHEN the second copy runs whole just before the first copy's call number ``position``,
    for every position
    THEN both are refused with 403, nothing is stored, and the camera is pending, counted
    once."""
    modules = instances(stack, monkeypatch, 2, ACCEPT_UNKNOWN_CAMERAS="true")

    for position in range(4):
        vuid = f"VE{position:07d}UNKN"
        race = race_at(modules, (position,), position, 0, vuid=vuid)

        where = f"positions {race.positions}, calls {race.calls}"
        assert [reply["code"] for reply in race.replies if reply] == ["403", "403"], where
        camera = stored.cameras.get(vuid)
        assert camera is not None and camera.pending, where
    assert stored.alarms() == [] and stored.media_keys() == set()
    counter = stored.dynamodb.get_item(
        TableName=stored.stack.physical_name("CamerasTable"),
        Key={"vuid": {"S": PENDING_COUNTER}},
        ConsistentRead=True,
    )["Item"]
    assert counter["pendingCameras"] == {"N": "4"}


def test_eight_threads_racing_copies_of_six_alarms_lose_no_picture(
    stack, stored: Stored, register, monkeypatch, atomic_dynamodb
) -> None:
    """GIVEN six alarms (different pictures) of one camera, each pushed by 8 Lambda
    instances at once, every copy received in the same millisecond
    WHEN the 48 pushes run on 8 threads
    THEN every push is answered 200, six alarms are stored, and the bucket holds exactly
    their pictures (the issue's reproduction: 5 of 6 pictures were gone)."""
    register(VUID)
    instances = [load_function(stack, "AlarmFunction", monkeypatch, **NO_METRICS) for _ in range(8)]
    now_ms = int(time.time() * 1000)
    events = [alarm_event(time_ms=now_ms, picture=JPEG + bytes([n])) for n in range(6)]
    replies: list[dict[str, str]] = []
    failures: list[BaseException] = []
    start = threading.Barrier(len(instances), timeout=30)

    def push_all(module: ModuleType) -> None:
        try:
            start.wait()
            for event in events:
                replies.append(reply_of(invoke(module, event)))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=push_all, args=(module,)) for module in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert replies == [SUCCESS] * 48
    alarms = stored.alarms()
    assert len(alarms) == 6
    assert stored.dangling() == []
    assert stored.media_keys() == set().union(*(stored.keys_of(alarm) for alarm in alarms))
