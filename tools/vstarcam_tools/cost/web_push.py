"""What web push adds to the bill, per 1,000 alarms pushed to one device (docs/notifications.md).

Web push is a push channel like the others in the model (``Profile.push_channels``: one
delivery message, invocation and claim per notification and destination); this section
prices what is its own on top, and says what it is made of. The push services (Google's,
Mozilla's, Apple's, Microsoft's) charge nothing.

Measured here (tests/unit/test_web_push.py, delivery/channels/webpush.py): a smoke alarm's
payload is 996 bytes, 1,099 encrypted; the request's headers 490 bytes (the VAPID
Authorization 377 of them); building it (ECDH, the payload's AES-GCM, the ES256
signature, two action tokens) 0.4 ms of CPU on this machine, 11 ms the first time in an
execution environment (importing cryptography, http_ece and py_vapid).
"""

from __future__ import annotations

from typing import Any

from vstarcam_tools.cost.model import PUSH_DELIVERY_MS, THUMBNAIL_KB
from vstarcam_tools.cost.prices import PRICE, Price

WEB_PUSH_PRICES = {
    "data_transfer_out_gb": Price(
        0.09,
        "Data transfer out to the internet, per GB (first 10 TB a month; 100 GB a month free)",
        "from memory (2025), aws.amazon.com/ec2/pricing/on-demand data transfer; not checked here",
    ),
    "kms_request": Price(
        0.03 / 10_000,
        "KMS request (the aws/ssm key's Decrypt behind a SecureString read)",
        "from memory (2025), aws.amazon.com/kms/pricing; 20,000 requests a month free",
    ),
}
MEASURED = {"payload_bytes": 996, "encrypted_bytes": 1_099, "header_bytes": 490, "cpu_ms": 0.4}
# The client's side of a new TLS connection (ClientHello, key share, Finished): a push
# service's connection is kept in the delivery function's pool while it is warm, so this is
# the worst case, not the usual one.
TLS_CLIENT_BYTES = 1_000
DELIVERY_MEMORY_MB = 256


def per_thousand_alarms(devices: int = 1) -> dict[str, Any]:
    """Dollars per 1,000 alarms pushed to each of ``devices`` devices, by part, with the
    counts they come from (the upper bounds where a cache usually saves the call)."""
    pushes = 1_000 * devices
    seconds = (PUSH_DELIVERY_MS + MEASURED["cpu_ms"]) / 1000
    out_bytes = MEASURED["encrypted_bytes"] + MEASURED["header_bytes"] + TLS_CLIENT_BYTES
    counts = {
        "delivery_invocations": pushes,
        "delivery_gb_seconds": round(pushes * seconds * DELIVERY_MEMORY_MB / 1024, 2),
        # Per push at most: the subscription's three secrets (one GetParameters, cached 5 min
        # per device), the VAPID key (one GetParameter, cached an hour): standard
        # parameters at standard throughput cost nothing, the KMS Decrypt behind each does.
        "ssm_reads_at_most": pushes,
        "cognito_group_reads_at_most": pushes,  # cached a minute per owner; no charge
        "bytes_out_per_push": out_bytes,
        # Chrome (Android, desktop) fetches the thumbnail link: the media link's API
        # request and function, an S3 GET, and the thumbnail out of S3. Safari and Firefox
        # show no image and fetch nothing.
        "image_fetches_at_most": pushes,
    }
    dollars = {
        "Lambda (delivery) requests": pushes * PRICE["lambda_request"],
        "Lambda (delivery) duration": counts["delivery_gb_seconds"]
        * PRICE["lambda_arm64_gb_second"],
        "KMS (SecureString reads)": pushes * WEB_PUSH_PRICES["kms_request"].value,
        "Data out (pushes)": pushes
        * out_bytes
        / 1e9
        * WEB_PUSH_PRICES["data_transfer_out_gb"].value,
        "Image fetches (API, Lambda, S3 GET)": pushes
        * (
            PRICE["http_api_request"]
            + PRICE["lambda_request"]
            + PRICE["s3_get"]
            + 0.25 * 0.1 * PRICE["lambda_arm64_gb_second"]  # 100 ms at 256 MB
        ),
        "Data out (thumbnails)": pushes
        * THUMBNAIL_KB
        * 1000
        / 1e9
        * WEB_PUSH_PRICES["data_transfer_out_gb"].value,
        "Push services": 0.0,
    }
    return {
        "devices": devices,
        "counts": counts,
        "by_part": {name: round(value, 6) for name, value in dollars.items()},
        "total": round(sum(dollars.values()), 5),
    }
