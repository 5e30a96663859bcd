"""Each function's configuration: the environment variables template.yaml sets."""

from __future__ import annotations

import pytest
from vstarcam_push.runtime.settings import Settings

NAMES = (
    "CAMERAS_TABLE",
    "ALARMS_TABLE",
    "MEDIA_BUCKET",
    "TOPIC_ARN",
    "OFFLINE_AFTER_SECONDS",
    "RETENTION_DAYS",
    "NOTIFY_COOLDOWN_SECONDS",
    "ACCEPT_UNKNOWN_CAMERAS",
    "MEDIA_LINK_DAYS",
    "API_URL",
    "ALERT_TYPES",
)


@pytest.fixture(autouse=True)
def _no_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def test_settings_are_read_from_the_template_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "CAMERAS_TABLE": "vstarcam-push-CamerasTable-1ABC",
        "ALARMS_TABLE": "vstarcam-push-AlarmsTable-2DEF",
        "MEDIA_BUCKET": "vstarcam-push-mediabucket-3ghi",
        "TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:vstarcam-push-AlarmTopic-4JKL",
        "OFFLINE_AFTER_SECONDS": "600",
        "RETENTION_DAYS": "7",
        "NOTIFY_COOLDOWN_SECONDS": "0",
        "ACCEPT_UNKNOWN_CAMERAS": "true",
        "MEDIA_LINK_DAYS": "3",
        "API_URL": "https://abc123.execute-api.eu-west-1.amazonaws.com",
        "REQUIRE_PUSH_KEY": "false",
        "ALARM_RATE_LIMIT": "12",
        "NOTIFY_CEILING": "4",
        "NOTIFY_CEILING_SECONDS": "900",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)

    assert Settings.from_env() == Settings(
        cameras_table="vstarcam-push-CamerasTable-1ABC",
        alarms_table="vstarcam-push-AlarmsTable-2DEF",
        media_bucket="vstarcam-push-mediabucket-3ghi",
        topic_arn="arn:aws:sns:eu-west-1:123456789012:vstarcam-push-AlarmTopic-4JKL",
        offline_after_seconds=600,
        retention_days=7,
        notify_cooldown_seconds=0,
        accept_unknown_cameras=True,
        media_link_days=3,
        api_url="https://abc123.execute-api.eu-west-1.amazonaws.com",
        require_push_key=False,
        alarm_rate_limit=12,
        notify_ceiling=4,
        notify_ceiling_seconds=900,
    )


def test_a_function_given_only_some_variables_gets_defaults_for_the_rest() -> None:
    """GIVEN the heartbeat function's environment has no ALARMS_TABLE, RETENTION_DAYS...
    THEN those read as empty names and the template's default numbers."""
    settings = Settings.from_env()

    assert settings.alarms_table == settings.media_bucket == settings.topic_arn == ""
    assert settings.offline_after_seconds == 180
    assert settings.retention_days == 30
    assert settings.notify_cooldown_seconds == 300
    assert settings.accept_unknown_cameras is False
    # Push keys are required unless the template says "false".
    assert settings.require_push_key is True
    assert (settings.alarm_rate_limit, settings.notify_ceiling) == (30, 10)
    # Only the alarm function makes media links: without the variable, none.
    assert (settings.media_link_days, settings.api_url) == (0, "")


@pytest.mark.parametrize(
    ("value", "accept"),
    [("true", True), ("True", True), ("TRUE", True), ("false", False), ("", False), ("1", False)],
)
def test_only_true_opens_registration(
    monkeypatch: pytest.MonkeyPatch, value: str, accept: bool
) -> None:
    """GIVEN AcceptUnknownCameras, whose template values are "true" and "false"
    THEN only "true" (any case) accepts unknown cameras; anything else keeps them out."""
    monkeypatch.setenv("ACCEPT_UNKNOWN_CAMERAS", value)

    assert Settings.from_env().accept_unknown_cameras is accept


def test_blank_number_reads_as_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OFFLINE_AFTER_SECONDS", "  ")

    assert Settings.from_env().offline_after_seconds == 180


def test_a_number_that_is_not_one_fails_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a misconfigured number
    THEN the function fails to start (loudly) instead of running with a guess."""
    monkeypatch.setenv("RETENTION_DAYS", "thirty")

    with pytest.raises(ValueError):
        Settings.from_env()


def test_the_alert_types_come_from_the_stack_parameter(monkeypatch: pytest.MonkeyPatch) -> None:
    from vstarcam_push.models.alarm_types import DEFAULT_ALERT_TYPES

    assert Settings.from_env().alert_types == DEFAULT_ALERT_TYPES
    monkeypatch.setenv("ALERT_TYPES", "0x12,0x26")
    assert Settings.from_env().alert_types == {0x12, 0x26}
    monkeypatch.setenv("ALERT_TYPES", "none")
    assert Settings.from_env().alert_types == frozenset()
