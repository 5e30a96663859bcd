"""Media processing from the Alarms stream: alarms stored by the real alarm function, their
stream records filtered by MediaProcessFunction's FilterCriteria from template.yaml and
delivered as Lambda delivers them; thumbnails and playable MP4s in S3, recorded on the alarm."""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto.events.models import EventPattern
from vstarcam_push.dal.alarms import AlarmStore
from vstarcam_push.dal.media import MediaStore
from vstarcam_push.media.convert import moov_first
from vstarcam_push.media.processing import MediaProcessor
from vstarcam_push.models.alarm import Alarm, DerivedMedia, MediaResult
from vstarcam_push.runtime.batches import BatchFailed
from vstarcam_tools.camera import mediagen
from vstarcam_tools.template import Stack

from tests.conftest import REGION, VUID, alarm_event, invoke, reply_of
from tests.integration.conftest import (
    Aws,
    AwsSpy,
    Emf,
    LoadFunction,
    StreamReader,
    metric,
)


@functools.cache
def picture() -> bytes:
    return mediagen.frame_jpeg(1920, 1080)


@functools.cache
def video(kind: mediagen.ClipKind) -> bytes:
    return mediagen.clip(kind)


class MediaPipeline:
    """The alarm function stores alarms; the Alarms stream, filtered as the template says,
    feeds the media process function."""

    def __init__(self, aws: Aws, stack: Stack, functions: LoadFunction) -> None:
        self.aws = aws
        self.alarm_function = functions("AlarmFunction")
        self.media_function: ModuleType = functions("MediaProcessFunction")
        (event,) = stack.functions()["MediaProcessFunction"].events.values()
        properties = event["Properties"]
        self.patterns = [f["Pattern"] for f in properties["FilterCriteria"]["Filters"]]
        self.reader = StreamReader(
            boto3.client("dynamodbstreams", region_name=REGION), properties["Stream"]
        )
        self.store = AlarmStore(aws.dynamodb, aws.alarms_table)
        self.seen: set[str] = set()

    def alarm(self, picture: bytes, video: bytes | None = None, alarm_type: str = "18") -> str:
        event = alarm_event(vuid=VUID, alarm_type=alarm_type, picture=picture, video=video)
        assert reply_of(invoke(self.alarm_function, event))["code"] == "200"
        (alarm,) = [a for a in self.store.for_camera(VUID, 100) if a.alarm_id not in self.seen]
        self.seen.add(alarm.alarm_id)
        return alarm.alarm_id

    def selected(self) -> list[dict[str, Any]]:
        return [
            record
            for record in self.reader.read()
            if any(EventPattern.load(p).matches_event(record) for p in self.patterns)
        ]

    def deliver(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        return invoke(self.media_function, {"Records": records})

    def flush(self) -> list[dict[str, Any]]:
        records = self.selected()
        assert records, "no new alarm in the stream"
        assert self.deliver(records) == {"batchItemFailures": []}
        return records

    def item(self, alarm_id: str) -> dict[str, Any]:
        item = self.aws.dynamodb.get_item(
            TableName=self.aws.alarms_table, Key=self.store.key(alarm_id), ConsistentRead=True
        )["Item"]
        return item


@pytest.fixture
def media(aws: Aws, stack: Stack, functions: LoadFunction) -> MediaPipeline:
    aws.register()
    return MediaPipeline(aws, stack, functions)


def stem(key: str) -> str:
    return key.rsplit(".", 1)[0]


def test_a_new_alarm_gets_a_thumbnail_and_a_playable_mp4_recorded_in_one_update(
    aws: Aws, media: MediaPipeline, spy: AwsSpy
) -> None:
    """GIVEN an alarm stored with a 1080p JPEG and a raw H.264 (Annex B) video
    WHEN its stream record reaches MediaProcessFunction
    THEN a <=30 KB JPEG thumbnail and a fast-start MP4 sit beside the originals, and the
    alarm item records their keys, sizes and content types and mediaStatus=processed in
    one UpdateItem."""
    alarm_id = media.alarm(picture(), video("annexb"))
    records = media.selected()

    with spy.watching():
        assert media.deliver(records) == {"batchItemFailures": []}

    alarm = media.store.get(alarm_id)
    assert alarm is not None and alarm.media is not None
    assert alarm.media_status == "processed" and alarm.media_error is None
    thumbnail, playable = alarm.thumbnail, alarm.playable_video
    assert thumbnail is not None and playable is not None
    assert thumbnail.key == stem(alarm.picture.key) + ".thumb.jpg"
    assert alarm.video is not None and playable.key == stem(alarm.video.key) + ".playable.mp4"
    data, content_type = aws.media(thumbnail.key)
    assert (content_type, thumbnail.content_type) == ("image/jpeg", "image/jpeg")
    assert len(data) == thumbnail.size <= 30 * 1024
    data, content_type = aws.media(playable.key)
    assert (content_type, playable.content_type) == ("video/mp4", "video/mp4")
    assert len(data) == playable.size and moov_first(data)
    assert spy.operations("dynamodb") == ["GetItem", "UpdateItem"]
    assert sorted(spy.operations("s3")) == ["GetObject", "GetObject", "PutObject", "PutObject"]
    item = media.item(alarm_id)
    assert {
        "thumbnailKey",
        "thumbnailContentType",
        "thumbnailSize",
        "playableVideoKey",
        "playableVideoContentType",
        "playableVideoSize",
        "mediaStatus",
    } <= set(item)
    assert "mediaError" not in item


def test_the_function_update_of_the_alarm_does_not_invoke_it_again(media: MediaPipeline) -> None:
    """Its own UpdateItem is a MODIFY in the stream: the INSERT-only filter drops it."""
    media.alarm(picture())
    media.flush()
    records = media.reader.read()
    assert [record["eventName"] for record in records] == ["MODIFY"]
    assert not [
        r for r in records if any(EventPattern.load(p).matches_event(r) for p in media.patterns)
    ]


def test_an_alarm_without_video_gets_a_thumbnail_only(aws: Aws, media: MediaPipeline) -> None:
    alarm_id = media.alarm(mediagen.frame_png(640, 480))
    media.flush()
    alarm = media.store.get(alarm_id)
    assert alarm is not None and alarm.media_status == "processed"
    assert alarm.thumbnail is not None and alarm.playable_video is None
    assert "playableVideoKey" not in media.item(alarm_id)


def test_a_fast_start_mp4_is_used_as_it_is(aws: Aws, media: MediaPipeline) -> None:
    """GIVEN an H.264 MP4 whose moov box is first
    THEN the playable video is the original object: no second copy is stored."""
    alarm_id = media.alarm(picture(), video("mp4-faststart"))
    before = set(aws.media_keys())
    media.flush()
    alarm = media.store.get(alarm_id)
    assert alarm is not None and alarm.video is not None
    assert alarm.playable_video == DerivedMedia(alarm.video.key, "video/mp4", alarm.video.size)
    assert set(aws.media_keys()) - before == {stem(alarm.picture.key) + ".thumb.jpg"}


@pytest.mark.parametrize("kind", ["avi", "mp4"])
def test_avi_and_moov_last_mp4_are_remuxed(aws: Aws, media: MediaPipeline, kind: str) -> None:
    alarm_id = media.alarm(picture(), video(kind))  # type: ignore[arg-type]
    media.flush()
    alarm = media.store.get(alarm_id)
    assert alarm is not None and alarm.playable_video is not None
    assert alarm.playable_video.key.endswith(".playable.mp4")
    assert moov_first(aws.media(alarm.playable_video.key)[0])


def test_a_video_that_cannot_be_remuxed_is_said_so_and_the_original_stays(
    aws: Aws, media: MediaPipeline, emf: Emf
) -> None:
    """GIVEN an alarm whose video is H.265
    THEN it is processed (thumbnail made), has no playable video, mediaError says why, the
    original video is untouched, and it is not counted as a failure."""
    alarm_id = media.alarm(picture(), video("hevc"))
    emf()
    media.flush()
    alarm = media.store.get(alarm_id)
    assert alarm is not None and alarm.video is not None
    assert alarm.media_status == "processed" and alarm.thumbnail is not None
    assert alarm.playable_video is None
    assert alarm.media_error is not None and "H.265 (HEVC)" in alarm.media_error
    assert aws.media(alarm.video.key)[0] == video("hevc")
    assert metric(emf(), "MediaFailures") == 0


@pytest.mark.parametrize(
    ("picture_bytes", "reason"),
    [
        pytest.param(
            lambda: mediagen.truncated(picture(), 0.3), "could not be decoded", id="truncated JPEG"
        ),
        pytest.param(
            lambda: mediagen.corrupted(mediagen.frame_jpeg(640, 360), start=3),
            "could not be decoded",
            id="corrupt JPEG",
        ),
        pytest.param(mediagen.decompression_bomb_png, "decompression bomb", id="PNG bomb"),
    ],
)
def test_a_bad_picture_is_recorded_as_failed_counted_and_the_batch_moves_on(
    aws: Aws, media: MediaPipeline, emf: Emf, picture_bytes: Any, reason: str
) -> None:
    """GIVEN a batch whose first alarm has a broken picture and whose second is fine
    THEN the first is recorded failed with the reason (and counted in MediaFailures), the
    second is processed, nothing is retried, and the broken alarm's record is as it was
    stored plus the media fields."""
    bad = media.alarm(picture_bytes())
    stored = media.item(bad)
    good = media.alarm(mediagen.frame_jpeg(640, 360, seed=7))
    emf()

    records = media.flush()

    assert len(records) == 2
    failed = media.store.get(bad)
    assert failed is not None and failed.media_status == "failed"
    assert failed.media_error is not None and failed.media_error.startswith("picture: ")
    assert reason in failed.media_error
    assert failed.thumbnail is None
    after = media.item(bad)
    assert {k: v for k, v in after.items() if k not in ("mediaStatus", "mediaError")} == stored
    processed = media.store.get(good)
    assert processed is not None and processed.media_status == "processed"
    assert metric(emf(), "MediaFailures") == 1


@pytest.mark.parametrize(
    "video_bytes",
    [
        pytest.param(lambda: mediagen.truncated(video("mp4"), 0.5), id="truncated MP4"),
        pytest.param(lambda: mediagen.truncated(video("avi"), 0.02), id="broken AVI"),
        pytest.param(lambda: mediagen.corrupted(video("annexb"), start=4), id="garbage H.264"),
    ],
)
def test_a_video_that_does_not_parse_fails_the_alarm_but_keeps_its_thumbnail(
    aws: Aws, media: MediaPipeline, emf: Emf, video_bytes: Any
) -> None:
    alarm_id = media.alarm(picture(), video_bytes())
    emf()
    media.flush()
    alarm = media.store.get(alarm_id)
    assert alarm is not None and alarm.media_status == "failed"
    assert alarm.media_error is not None and alarm.media_error.startswith("video: ")
    assert alarm.thumbnail is not None and alarm.playable_video is None
    assert metric(emf(), "MediaFailures") == 1


def test_a_redelivered_record_makes_no_second_thumbnail_and_changes_nothing(
    aws: Aws, media: MediaPipeline, spy: AwsSpy
) -> None:
    """GIVEN an alarm already processed
    WHEN its stream record is delivered again (a retried batch)
    THEN the function reads the alarm, writes nothing to S3 or DynamoDB, and the item and
    objects are as they were."""
    alarm_id = media.alarm(picture(), video("annexb"))
    records = media.flush()
    item, keys = media.item(alarm_id), aws.media_keys()
    objects = {key: aws.media(key)[0] for key in keys}

    with spy.watching():
        assert media.deliver(records) == {"batchItemFailures": []}

    assert spy.operations() == ["GetItem"]
    assert media.item(alarm_id) == item
    assert {key: aws.media(key)[0] for key in aws.media_keys()} == objects


def test_a_redelivered_failure_is_not_retried_forever(media: MediaPipeline, spy: AwsSpy) -> None:
    alarm_id = media.alarm(mediagen.truncated(picture(), 0.3))
    records = media.flush()
    with spy.watching():
        assert media.deliver(records) == {"batchItemFailures": []}
    assert spy.operations() == ["GetItem"]
    alarm = media.store.get(alarm_id)
    assert alarm is not None and alarm.media_status == "failed"


def test_an_aws_failure_is_retried_and_the_retry_completes(
    aws: Aws, media: MediaPipeline, spy: AwsSpy
) -> None:
    """GIVEN S3 failing on the thumbnail's put
    THEN the record is reported for retry (nothing recorded on the alarm), and the retry
    processes it."""
    alarm_id = media.alarm(picture())
    records = media.selected()
    spy.fail("PutObject", "InternalError")
    with spy.watching(), pytest.raises(BatchFailed):
        # Every record of the batch failed: a function error, so Lambda retries and bisects.
        media.deliver(records)
    alarm = media.store.get(alarm_id)
    assert alarm is not None and alarm.media is None

    assert media.deliver(records) == {"batchItemFailures": []}
    alarm = media.store.get(alarm_id)
    assert alarm is not None and alarm.media_status == "processed"


def test_a_missing_original_is_a_failure_not_a_retry(aws: Aws, media: MediaPipeline) -> None:
    alarm_id = media.alarm(picture())
    alarm = media.store.get(alarm_id)
    assert alarm is not None
    aws.s3.delete_object(Bucket=aws.bucket, Key=alarm.picture.key)
    media.flush()
    failed = media.store.get(alarm_id)
    assert failed is not None and failed.media_status == "failed"
    assert failed.media_error == f"picture: the stored picture is missing ({alarm.picture.key})"


def test_a_missing_video_fails_the_alarm_and_names_the_video(
    aws: Aws, media: MediaPipeline
) -> None:
    alarm_id = media.alarm(picture(), video("annexb"))
    alarm = media.store.get(alarm_id)
    assert alarm is not None and alarm.video is not None
    aws.s3.delete_object(Bucket=aws.bucket, Key=alarm.video.key)
    media.flush()
    failed = media.store.get(alarm_id)
    assert failed is not None and failed.media_status == "failed"
    assert failed.media_error == f"video: the stored video is missing ({alarm.video.key})"


def test_an_alarm_gone_before_its_turn_is_skipped(aws: Aws, media: MediaPipeline) -> None:
    alarm_id = media.alarm(picture())
    aws.dynamodb.delete_item(TableName=aws.alarms_table, Key=media.store.key(alarm_id))
    records = [r for r in media.selected() if r["eventName"] == "INSERT"]
    assert media.deliver(records) == {"batchItemFailures": []}
    assert media.aws.alarms() == []


def test_recording_keeps_a_thumbnail_when_a_retry_of_a_failure_has_none(
    aws: Aws, media: MediaPipeline
) -> None:
    """record_media never makes a result worse: a retried failure without a thumbnail keeps
    the thumbnail recorded before; an already processed alarm is not overwritten."""
    alarm_id = media.alarm(picture())
    thumbnail = DerivedMedia("alarms/x.thumb.jpg", "image/jpeg", 100)
    assert media.store.record_media(alarm_id, MediaResult("failed", thumbnail, None, "video: x"))
    assert not media.store.record_media(alarm_id, MediaResult("processed"))
    assert media.store.record_media(alarm_id, MediaResult("processed"), retry_failed=True)
    alarm = media.store.get(alarm_id)
    assert alarm is not None and alarm.media == MediaResult("processed", thumbnail, None, None)
    assert not media.store.record_media(
        alarm_id, MediaResult("failed", None, None, "worse"), retry_failed=True
    )
    assert not media.store.record_media(f"{VUID}-{'0' * 20}", MediaResult("processed"))
    assert aws.alarms()[0]["alarmId"]["S"] == alarm_id and len(aws.alarms()) == 1


class _RacingProcessor(MediaProcessor):
    """Runs ``meanwhile`` after the media are derived and stored, before they are recorded:
    where a deletion or a second delivery can come between the two."""

    def __init__(self, aws: Aws, meanwhile: Callable[[], None]) -> None:
        super().__init__(AlarmStore(aws.dynamodb, aws.alarms_table), MediaStore(aws.s3, aws.bucket))
        self.meanwhile = meanwhile

    def derive(self, alarm: Alarm) -> MediaResult:
        result = super().derive(alarm)
        self.meanwhile()
        return result


def test_an_alarm_deleted_while_it_is_processed_leaves_no_thumbnail_behind(
    aws: Aws, media: MediaPipeline
) -> None:
    """GIVEN an alarm whose record is deleted after its thumbnail is stored but before it is
    recorded (the console's delete or the doctor's clean-up racing the stream)
    THEN the processor deletes the thumbnail it made and keeps the original video it used
    as it is: nothing of the alarm is left that no record names."""
    alarm_id = media.alarm(picture(), video("mp4-faststart"))
    alarm = media.store.get(alarm_id)
    assert alarm is not None and alarm.video is not None
    stored = [alarm.picture.key, alarm.video.key]

    def delete_the_alarm() -> None:
        assert stem(alarm.picture.key) + ".thumb.jpg" in aws.media_keys()
        aws.dynamodb.delete_item(TableName=aws.alarms_table, Key=media.store.key(alarm_id))

    processed = _RacingProcessor(aws, delete_the_alarm).process(alarm_id)

    assert processed.outcome == "not_found"
    assert aws.media_keys() == sorted(stored)


def test_a_second_delivery_that_lost_the_race_keeps_the_winners_thumbnail(
    aws: Aws, media: MediaPipeline
) -> None:
    """GIVEN two deliveries of one alarm, the second recording its result while the first
    is between storing and recording THEN the first changes nothing: the thumbnail both
    stored under the same key stays, recorded once."""
    alarm_id = media.alarm(picture())
    store = AlarmStore(aws.dynamodb, aws.alarms_table)
    processor = _RacingProcessor(
        aws,
        lambda: _RacingProcessor(aws, lambda: None).process(alarm_id),
    )

    processed = processor.process(alarm_id)

    assert processed.outcome == "already_processed"
    alarm = store.get(alarm_id)
    assert alarm is not None and alarm.thumbnail is not None
    assert alarm.thumbnail.key in aws.media_keys()
