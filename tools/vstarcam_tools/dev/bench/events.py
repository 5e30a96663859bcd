"""Real-shaped events for the functions, as the benchmarks send them.

HTTP API payload v2 for the two endpoints (multipart bodies base64-encoded,
lower-case headers, ``requestContext.timeEpoch``), the EventBridge schedule
event for the sweep, and a DynamoDB stream batch for the notifier.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from typing import Any

from vstarcam_tools.events import ACCOUNT, REGION, http_event, scheduled_event


def picture(size: int, seed: int = 0) -> bytes:
    """``size`` bytes that sniff as a JPEG: magic number, incompressible filler, end marker."""
    filler = random.Random(seed).randbytes(max(size - 6, 0))
    return b"\xff\xd8\xff\xe0" + filler + b"\xff\xd9"


def multipart_alarm(vuid: str, alarm_type: str, jpeg: bytes) -> tuple[bytes, str]:
    """A multipart alarm push as the camera sends it: ``vuid``, ``type``, ``picture``."""
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="vuid"\r\n\r\n'
        f"{vuid}\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="type"\r\n\r\n'
        f"{alarm_type}\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="picture"; filename="alarm.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head + jpeg + tail, f"multipart/form-data; boundary={boundary}"


# The benchmark cameras' push key (their items carry its hash): pushes on the keyed routes.
BENCH_PUSH_KEY = "BenchPushKey0123456789"


def heartbeat_event(vuid: str, time_ms: int) -> dict[str, Any]:
    body = json.dumps({"vuid": vuid}).encode()
    return http_event(
        "/heartbeat",
        body,
        "application/json; charset=UTF-8",
        base64_encoded=False,
        time_ms=time_ms,
        push_key=BENCH_PUSH_KEY,
    )


def alarm_event(vuid: str, jpeg: bytes, time_ms: int, alarm_type: str = "18") -> dict[str, Any]:
    body, content_type = multipart_alarm(vuid, alarm_type, jpeg)
    return http_event("/alarm", body, content_type, time_ms=time_ms, push_key=BENCH_PUSH_KEY)


def schedule_event(time_s: int) -> dict[str, Any]:
    return scheduled_event(f"arn:aws:events:{REGION}:{ACCOUNT}:rule/offline-sweep", time_s=time_s)


def stream_event(
    table_stream_arn: str, new_image: dict[str, Any], event_name: str = "INSERT"
) -> dict[str, Any]:
    """A one-record DynamoDB stream batch, as the event source mapping delivers it."""
    return {
        "Records": [
            {
                "eventID": uuid.uuid4().hex,
                "eventName": event_name,
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": REGION,
                "dynamodb": {
                    "ApproximateCreationDateTime": int(time.time()),
                    "Keys": {k: new_image[k] for k in ("vuid", "alarmId") if k in new_image},
                    "NewImage": new_image,
                    "SequenceNumber": "100000000000000000001",
                    "SizeBytes": len(json.dumps(new_image)),
                    "StreamViewType": "NEW_IMAGE",
                },
                "eventSourceARN": table_stream_arn,
            }
        ]
    }
