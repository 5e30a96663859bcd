"""Each function's configuration, read once from the environment the template sets."""

from __future__ import annotations

import os
from dataclasses import dataclass

from vstarcam_push.models.alarm_types import DEFAULT_ALERT_TYPES, parse_alert_types


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _seconds(name: str) -> float | None:
    value = os.environ.get(name, "")
    return float(value) if value.strip() else None


@dataclass(frozen=True)
class Settings:
    cameras_table: str
    alarms_table: str
    media_bucket: str
    topic_arn: str
    offline_after_seconds: int
    retention_days: int
    notify_cooldown_seconds: int
    accept_unknown_cameras: bool
    media_link_days: int
    api_url: str
    require_push_key: bool
    alarm_rate_limit: int
    notify_ceiling: int
    notify_ceiling_seconds: int
    # Push channels: the notifier invokes the delivery function (asynchronously) once per
    # destination; the delivery function reads destinations, secrets (under the prefix),
    # records deliveries, schedules its retries and drains the old delivery queue.
    destinations_table: str = ""
    deliveries_table: str = ""
    delivery_function: str = ""
    delivery_queue_url: str = ""
    dead_letter_queue_url: str = ""
    dead_letter_queue_arn: str = ""
    schedule_group: str = ""
    scheduler_role_arn: str = ""
    operations_topic_arn: str = ""
    secrets_prefix: str = ""
    # The console API issues push keys, so it alone reads the stack's key secret.
    push_key_secret_parameter: str = ""
    # The cameras' bare URLs (HeartbeatUrl, AlarmUrl): the API's, or the function URLs
    # (CameraEndpoint=FunctionUrl); empty: the API's at api_url.
    camera_heartbeat_url: str = ""
    camera_alarm_url: str = ""
    # One push send's total deadline; None: the transport's own (transport.SEND_DEADLINE_S).
    push_send_deadline_seconds: float | None = None
    # The alarm types that are alerts (AlertTypes); every other is a detection.
    alert_types: frozenset[int] = DEFAULT_ALERT_TYPES
    # The console API: the audit trail's table and the console's user pool (its Users page).
    audit_table: str = ""
    console_user_pool_id: str = ""
    # Web push: the VAPID key's SSM parameter (dal/vapid_key.py), and whether loopback
    # push endpoints are allowed, which only the local stack says (models/push_endpoint.py).
    web_push_key_parameter: str = ""
    web_push_allow_loopback: bool = False
    # The cameras' offline and back-online changes: the notifier writes, the console reads.
    status_history_table: str = ""

    @classmethod
    def from_env(cls) -> Settings:
        """Functions get only the variables they need; absent names read as empty."""
        return cls(
            cameras_table=os.environ.get("CAMERAS_TABLE", ""),
            alarms_table=os.environ.get("ALARMS_TABLE", ""),
            media_bucket=os.environ.get("MEDIA_BUCKET", ""),
            topic_arn=os.environ.get("TOPIC_ARN", ""),
            offline_after_seconds=_int("OFFLINE_AFTER_SECONDS", 180),
            retention_days=_int("RETENTION_DAYS", 30),
            notify_cooldown_seconds=_int("NOTIFY_COOLDOWN_SECONDS", 300),
            accept_unknown_cameras=os.environ.get("ACCEPT_UNKNOWN_CAMERAS", "false").lower()
            == "true",
            media_link_days=_int("MEDIA_LINK_DAYS", 0),
            api_url=os.environ.get("API_URL", ""),
            camera_heartbeat_url=os.environ.get("CAMERA_HEARTBEAT_URL", ""),
            camera_alarm_url=os.environ.get("CAMERA_ALARM_URL", ""),
            # Secure by default: only "false" opens the bare routes to registered cameras.
            require_push_key=os.environ.get("REQUIRE_PUSH_KEY", "true").lower() != "false",
            alarm_rate_limit=_int("ALARM_RATE_LIMIT", 30),
            notify_ceiling=_int("NOTIFY_CEILING", 10),
            notify_ceiling_seconds=_int("NOTIFY_CEILING_SECONDS", 600),
            destinations_table=os.environ.get("DESTINATIONS_TABLE", ""),
            deliveries_table=os.environ.get("DELIVERIES_TABLE", ""),
            delivery_function=os.environ.get("DELIVERY_FUNCTION", ""),
            delivery_queue_url=os.environ.get("DELIVERY_QUEUE_URL", ""),
            dead_letter_queue_url=os.environ.get("DEAD_LETTER_QUEUE_URL", ""),
            dead_letter_queue_arn=os.environ.get("DEAD_LETTER_QUEUE_ARN", ""),
            schedule_group=os.environ.get("SCHEDULE_GROUP", ""),
            scheduler_role_arn=os.environ.get("SCHEDULER_ROLE_ARN", ""),
            operations_topic_arn=os.environ.get("OPERATIONS_TOPIC_ARN", ""),
            secrets_prefix=os.environ.get("SECRETS_PREFIX", ""),
            push_key_secret_parameter=os.environ.get("PUSH_KEY_SECRET_PARAMETER", ""),
            push_send_deadline_seconds=_seconds("PUSH_SEND_DEADLINE_SECONDS"),
            alert_types=parse_alert_types(os.environ.get("ALERT_TYPES")),
            audit_table=os.environ.get("AUDIT_TABLE", ""),
            console_user_pool_id=os.environ.get("CONSOLE_USER_POOL_ID", ""),
            web_push_key_parameter=os.environ.get("WEB_PUSH_KEY_PARAMETER", ""),
            web_push_allow_loopback=os.environ.get("WEB_PUSH_ALLOW_LOOPBACK", "").lower() == "true",
            status_history_table=os.environ.get("STATUS_HISTORY_TABLE", ""),
        )
