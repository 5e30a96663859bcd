"""Real-shaped events for the four functions, and the Lambda context they are called with.

HTTP API payload v2 for the two endpoints (multipart bodies base64-encoded,
lower-case headers, ``requestContext.timeEpoch``), the EventBridge schedule
event for the sweep, and a DynamoDB stream batch for the notifier.
"""

from __future__ import annotations

import base64
import json
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"


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


def http_event(path: str, body: bytes, content_type: str, time_ms: int) -> dict[str, Any]:
    """An HTTP API payload v2 event; JSON bodies arrive as text, everything else as base64."""
    text = content_type.startswith("application/json")
    return {
        "version": "2.0",
        "routeKey": f"POST {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "content-type": content_type,
            "content-length": str(len(body)),
            "host": "abc123.execute-api.us-east-1.amazonaws.com",
            "user-agent": "VStarcam",
        },
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "http": {"method": "POST", "path": path, "protocol": "HTTP/1.1"},
            "requestId": str(uuid.uuid4()),
            "routeKey": f"POST {path}",
            "stage": "$default",
            "timeEpoch": time_ms,
        },
        "body": body.decode() if text else base64.b64encode(body).decode(),
        "isBase64Encoded": not text,
    }


def heartbeat_event(vuid: str, time_ms: int) -> dict[str, Any]:
    body = json.dumps({"vuid": vuid}).encode()
    return http_event("/heartbeat", body, "application/json; charset=UTF-8", time_ms)


def alarm_event(vuid: str, jpeg: bytes, time_ms: int, alarm_type: str = "18") -> dict[str, Any]:
    body, content_type = multipart_alarm(vuid, alarm_type, jpeg)
    return http_event("/alarm", body, content_type, time_ms)


def schedule_event(time_s: int) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time_s)),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/offline-sweep"],
        "detail": {},
    }


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


@dataclass
class LambdaContext:
    function_name: str = "bench"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:bench"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000
