"""The S3 media bucket: putting and deleting alarm media."""

from __future__ import annotations

import hashlib
from typing import Any

from vstarcam_push.models.media import MediaKind, StoredMedia


class MediaStore:
    """The private media bucket."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self.bucket = bucket

    def put(self, key: str, data: bytes, kind: MediaKind) -> StoredMedia:
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=kind.content_type)
        return StoredMedia(key, kind.content_type, len(data), hashlib.sha256(data).hexdigest())

    def delete(self, key: str) -> None:
        self._s3.delete_object(Bucket=self.bucket, Key=key)

    def get(self, key: str) -> bytes:
        return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
