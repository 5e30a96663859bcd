"""Web push devices: a browser's subscription kept as a destination, and what it is sent (no I/O).

A console user's device (a browser that said yes to notifications) is a destination
of channel ``webpush``, owned by that user: the same table, filters (events,
severities, cameras, sites, quiet hours) and delivery loop as every other channel.

- its name is ``webpush-`` and 20 hex digits of the endpoint's SHA-256: the same
  browser subscribing again (the same endpoint) replaces its device, and the id says
  nothing of the endpoint;
- its settings name the owner (``user``) and the device's ``label`` (a person's name
  for it); its secrets, in SSM like other channels' secrets, are the subscription:
  ``endpoint`` (the push service URL: whoever holds it with the keys can push to that
  browser), ``p256dh`` and ``auth`` (the browser's keys the payload is encrypted to);
- a viewer's device gets only their sites' cameras: the sites are written into its
  filters when it is saved, and the delivery checks the owner's sites again at each
  send (a user's sites change).

The payload (the service worker reads exactly this, docs/notifications.md) is small
JSON: a link to the thumbnail, never the picture (a push carries about 4 KB).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from vstarcam_push.models.destination import (
    EVENTS,
    Destination,
    Filters,
    InvalidFilter,
    QuietHours,
)
from vstarcam_push.models.push_event import PushEvent

CHANNEL = "webpush"
DEVICE_PREFIX = "webpush-"
SECRET_FIELDS = ("auth", "endpoint", "p256dh")
MAX_LABEL = 60
# RFC 8291: the browser's P-256 key (65 bytes uncompressed) and its 16-byte auth secret.
P256_POINT_BYTES = 65
AUTH_SECRET_BYTES = 16
# The push services take 4,096 bytes of *encrypted* record (RFC 8291: 86 bytes of
# header and tag around the plaintext): the payload is kept well under.
MAX_PAYLOAD_BYTES = 3000
PAYLOAD_VERSION = 1


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def device_id(endpoint: str) -> str:
    return DEVICE_PREFIX + hashlib.sha256(endpoint.encode()).hexdigest()[:20]


def is_device(name: str) -> bool:
    return name.startswith(DEVICE_PREFIX)


@dataclass(frozen=True)
class Subscription:
    """``PushSubscription.toJSON()``: the endpoint and the browser's keys."""

    endpoint: str
    p256dh: str
    auth: str

    @classmethod
    def parse(cls, document: object) -> Subscription:
        """From the page's JSON; the keys are checked to be what RFC 8291 needs (the
        endpoint's address is checked by ``models.push_endpoint``)."""
        if not isinstance(document, dict):
            raise InvalidFilter("subscription must be an object {endpoint, keys: {p256dh, auth}}")
        keys = document.get("keys")
        endpoint = document.get("endpoint")
        if not isinstance(endpoint, str) or not isinstance(keys, dict):
            raise InvalidFilter("subscription must be an object {endpoint, keys: {p256dh, auth}}")
        p256dh, auth = keys.get("p256dh"), keys.get("auth")
        if not _key_of(p256dh, P256_POINT_BYTES) or not _on_curve(b64url_decode(str(p256dh))):
            raise InvalidFilter("subscription keys.p256dh is not a P-256 public key (base64url)")
        if not _key_of(auth, AUTH_SECRET_BYTES):
            raise InvalidFilter("subscription keys.auth is not a 16-byte secret (base64url)")
        return cls(endpoint, str(p256dh), str(auth))

    def secrets(self) -> dict[str, str]:
        return {"endpoint": self.endpoint, "p256dh": self.p256dh, "auth": self.auth}


def _key_of(value: object, size: int) -> bool:
    if not isinstance(value, str) or len(value) > 200:
        return False
    try:
        return len(b64url_decode(value)) == size
    except (binascii.Error, ValueError):
        return False


def _on_curve(point: bytes) -> bool:
    """Whether the browser's key is a point of P-256 (else every push would fail)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        return point[0] == 4
    except ValueError:
        return False


def check_label(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidFilter("name must be text")
    label = " ".join(c for c in value.split() if c.isprintable())[:MAX_LABEL]
    return label or "this device"


def filters_of(document: object, base: Filters | None = None) -> Filters:
    """The console's device filters ``{events?, severities?, cameras?, sites?, quietHours?,
    timeZone?}`` as the destinations' :class:`Filters`; what the document leaves out
    keeps ``base``'s value (a PATCH)."""
    base = base or Filters()
    if document is None:
        return base
    if not isinstance(document, dict):
        raise InvalidFilter("filters must be an object")
    unknown = sorted(
        set(document) - {"events", "severities", "cameras", "sites", "quietHours", "timeZone"}
    )
    if unknown:
        raise InvalidFilter(f"unknown filter {unknown[0]!r}")
    events = _strings(document, "events", base.events, allowed=EVENTS)
    severities = _strings(document, "severities", base.severities, allowed=("alert", "detection"))
    cameras = _strings(document, "cameras", base.cameras)
    sites = _strings(document, "sites", base.sites)
    quiet = base.quiet_hours
    if "quietHours" in document or "timeZone" in document:
        hours = document.get("quietHours", quiet.text() if quiet else None)
        zone = document.get("timeZone", quiet.timezone if quiet else "UTC")
        if hours in (None, ""):
            quiet = None
        elif not isinstance(hours, str) or not isinstance(zone, str):
            raise InvalidFilter(
                "quietHours and timeZone must be text, e.g. 22:00-07:00 and Europe/Paris"
            )
        else:
            quiet = QuietHours.parse(hours, zone or "UTC")
    return Filters(
        events=events,
        types=base.types,
        cameras=cameras,
        sites=sites,
        quiet_hours=quiet,
        urgent_types=base.urgent_types,
        severities=severities,
    )


def _strings(
    document: dict[str, Any], key: str, default: frozenset[str], allowed: tuple[str, ...] = ()
) -> frozenset[str]:
    if key not in document:
        return default
    value = document[key]
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(
        isinstance(v, str) and 0 < len(v) <= 64 for v in value
    ):
        raise InvalidFilter(f"{key} must be a list of names")
    if len(value) > 100:
        raise InvalidFilter(f"{key}: at most 100")
    if allowed:
        bad = sorted(set(value) - set(allowed))
        if bad:
            raise InvalidFilter(f"{key}: {bad[0]!r} is not one of {', '.join(allowed)}")
    return frozenset(value)


def time_zone(document: object, default: str = "") -> str:
    """The device's IANA time zone (``filters.timeZone``): the notification's times are
    written in it, and its quiet hours are kept in it."""
    if not isinstance(document, dict) or document.get("timeZone") in (None, ""):
        return default
    zone = document["timeZone"]
    if not isinstance(zone, str) or len(zone) > 64:
        raise InvalidFilter("timeZone must be an IANA time zone, e.g. Europe/Paris")
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidFilter(
            f"time zone {zone[:60]!r} is not an IANA time zone (e.g. Europe/Paris)"
        ) from None
    return zone


def viewer_filters(filters: Filters, sites: frozenset[str]) -> Filters:
    """A viewer's device: only their sites, whatever the device asked for (the sites it
    asked for that are theirs; all of theirs when it named none)."""
    chosen = (filters.sites & sites) if filters.sites else sites
    if not chosen:
        raise InvalidFilter("none of those sites is yours: choose among your sites")
    return replace(filters, sites=chosen)


def device_destination(
    user: str,
    label: str,
    subscription: Subscription,
    filters: Filters,
    now: int,
    timezone: str = "",
) -> Destination:
    from urllib.parse import urlsplit

    host = urlsplit(subscription.endpoint).hostname or "?"
    return Destination(
        name=device_id(subscription.endpoint),
        channel=CHANNEL,
        target=f"{user}'s {label} via {host}",
        settings={"user": user, "label": label, **({"timezone": timezone} if timezone else {})},
        secret_fields=SECRET_FIELDS,
        filters=filters,
        created_at=now,
    )


def owner(destination: Destination) -> str:
    return destination.settings.get("user", "")


def device_json(destination: Destination) -> dict[str, Any]:
    """A device as the console shows it: never its endpoint or keys."""
    f = destination.filters
    filters: dict[str, Any] = {
        "events": sorted(f.events) or list(EVENTS),
        "severities": sorted(f.severities) or ["alert", "detection"],
        "cameras": sorted(f.cameras),
        "sites": sorted(f.sites),
        "quietHours": f.quiet_hours.text() if f.quiet_hours else None,
        "timeZone": destination.settings.get("timezone")
        or (f.quiet_hours.timezone if f.quiet_hours else None),
    }
    document: dict[str, Any] = {
        "id": destination.name,
        "name": destination.settings.get("label", ""),
        "created": destination.created_at,
        "filters": filters,
    }
    if destination.last_error:
        document["lastError"] = destination.last_error
        document["lastErrorAt"] = destination.last_error_at
    return document


# -- the payload ---------------------------------------------------------------------
ACTION_TITLES = {"review": "Mark reviewed", "snooze": "Snooze this camera 1 h"}


def payload(
    event: PushEvent,
    console_url: str,
    image: str = "",
    tokens: dict[str, str] | None = None,
    timezone: str = "UTC",
    test: bool = False,
) -> dict[str, Any]:
    """What the service worker shows: title, body, the thumbnail link, where a tap goes,
    and the actions with their tokens (``tokens``: action -> token)."""
    base = console_url.rstrip("/") + "/"
    camera = event.camera_name or event.vuid
    kind = "test" if test else event.kind
    severity = event.alarm_severity or None if event.kind == "alarm" else None
    when = _local_time(event.at, timezone)
    if event.kind == "alarm":
        title = f"{camera}: {event.alarm_type_name or 'alarm'}"
        body = f"{(severity or 'alarm').capitalize()} at {when}"
        url = f"{base}#/alarms/{event.alarm_id}" if event.alarm_id else f"{base}#/alarms"
        tag = f"alarm-{event.alarm_id}"
    else:
        title = f"{camera} is {'offline' if event.kind == 'offline' else 'back online'}"
        body = f"{'Offline since' if event.kind == 'offline' else 'Back online at'} {when}"
        url = f"{base}#/cameras"
        # One tag for both notices: "back online" replaces the "offline" still on the lock
        # screen instead of standing beside it (the Topic header does the same in flight).
        tag = f"status-{event.vuid}"
    if test:
        title, tag = "Test: " + title, "test"
    document: dict[str, Any] = {
        "v": PAYLOAD_VERSION,
        "kind": kind,
        "title": title[:120],
        "body": body[:240],
        "severity": severity,
        "url": url,
        "tag": tag,
        "time": event.at,
        "vuid": event.vuid,
    }
    if image:
        document["image"] = image
    if event.alarm_id:
        document["alarmId"] = event.alarm_id
    document["actions"] = [
        {"action": action, "title": ACTION_TITLES[action], "token": token}
        for action, token in (tokens or {}).items()
    ]
    return document


def encode_payload(document: dict[str, Any]) -> bytes:
    data = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    if len(data) > MAX_PAYLOAD_BYTES and document.get("image"):
        # A very long camera name and link: the picture goes before the words do.
        data = encode_payload({k: v for k, v in document.items() if k != "image"})
    return data


def _local_time(epoch: int, timezone: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = datetime.fromtimestamp(epoch, tz=UTC).astimezone(zone)
    label = "UTC" if timezone == "UTC" else local.tzname() or timezone
    return f"{local:%H:%M:%S} {label} ({local:%a %d %b})"
