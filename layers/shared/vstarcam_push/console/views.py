"""The console API's JSON shapes of cameras and alarms.

Media reach the browser only as presigned S3 URLs that live five minutes, never
through the API's response.
"""

from __future__ import annotations

from typing import Any

from vstarcam_push.media.links import presigned_url
from vstarcam_push.models.alarm import Alarm, DerivedMedia
from vstarcam_push.models.alarm_types import DEFAULT_ALERT_TYPES, severity_of
from vstarcam_push.models.camera import Camera
from vstarcam_push.models.media import StoredMedia

# The browser may keep a medium while its URL works: the lists are drawn again often.
_BROWSER_CACHE = "private, max-age=300"


def camera_json(camera: Camera, last_alarm: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "vuid": camera.vuid,
        "name": camera.name,
        "site": camera.site or None,
        "status": camera.status,
        "registeredAt": camera.registered_at,
        "lastSeen": camera.last_seen,
        "lastAlarmAt": camera.last_alarm_at,
        "offlineSince": camera.offline_since,
        "offlineAfter": camera.offline_after,
        "lastAlarm": last_alarm,
        # Epoch seconds (253402300799: until turned back on); the card shows the later of
        # the two still ahead, and whose it is (docs/notifications.md, Snooze).
        "snoozedUntil": camera.snoozed_until,
        "siteSnoozedUntil": camera.site_snoozed_until,
    }


class AlarmViews:
    """Alarms as the console shows them, with presigned URLs of their media in ``bucket``
    and their severity by the stack's ``alert_types``."""

    def __init__(
        self, presigner: Any, bucket: str, alert_types: frozenset[int] = DEFAULT_ALERT_TYPES
    ) -> None:
        self._presigner = presigner
        self.bucket = bucket
        self.alert_types = alert_types

    def _url(
        self,
        alarm: Alarm,
        media: StoredMedia | DerivedMedia | None,
        part: str,
        download: bool = False,
    ) -> str | None:
        if media is None:
            return None
        return presigned_url(
            self._presigner,
            self.bucket,
            alarm.alarm_id,
            media,
            part=part,
            download=download,
            cache_control=_BROWSER_CACHE,
        )

    def listed(self, alarm: Alarm, camera_name: str) -> dict[str, Any]:
        """An alarm in a list: what it was, and its thumbnail (else its picture)."""
        thumbnail = (
            self._url(alarm, alarm.thumbnail, "thumbnail")
            if alarm.thumbnail
            else self._url(alarm, alarm.picture, "")
        )
        return {
            "alarmId": alarm.alarm_id,
            "vuid": alarm.vuid,
            "cameraName": camera_name,
            "alarmType": alarm.alarm_type.code,
            "alarmTypeHex": alarm.alarm_type.hex,
            "alarmTypeName": alarm.alarm_type.name,
            "severity": severity_of(alarm.alarm_type.code, self.alert_types),
            "receivedAtMs": alarm.received_at_ms,
            "reviewedAt": alarm.reviewed_at,
            "hasVideo": alarm.video is not None,
            "mediaStatus": alarm.media_status,
            "thumbnailUrl": thumbnail,
        }

    def detail(self, alarm: Alarm, camera_name: str) -> dict[str, Any]:
        """One alarm: the list's fields, and every medium to show and to download."""
        # The playable copy from media processing; else an MP4 original may play as it is.
        playable: tuple[StoredMedia | DerivedMedia, str] | None = None
        if alarm.playable_video is not None:
            playable = (alarm.playable_video, "playableVideo")
        elif alarm.video is not None and alarm.video.content_type == "video/mp4":
            playable = (alarm.video, "video")
        video = alarm.video
        return {
            **self.listed(alarm, camera_name),
            "pictureUrl": self._url(alarm, alarm.picture, ""),
            "pictureDownloadUrl": self._url(alarm, alarm.picture, "", download=True),
            "pictureContentType": alarm.picture.content_type,
            "pictureSize": alarm.picture.size,
            "videoUrl": self._url(alarm, *playable) if playable else None,
            "videoContentType": playable[0].content_type if playable else None,
            "videoDownloadUrl": self._url(alarm, video, "video", download=True),
            "videoSize": video.size if video else None,
            "originalVideoContentType": video.content_type if video else None,
            "mediaError": alarm.media_error,
            "expiresAt": alarm.expires_at,
        }
