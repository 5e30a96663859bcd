"""The S3 media bucket: putting and deleting alarm media."""

from __future__ import annotations

import hashlib
from typing import Any

from vstarcam_push.models.errors import PushError
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

    def delete_many(self, keys: list[str]) -> None:
        """Delete these objects, 1,000 a request; a key that is not there is no failure."""
        for start in range(0, len(keys), 1000):
            answer = self._s3.delete_objects(
                Bucket=self.bucket,
                Delete={
                    "Objects": [{"Key": key} for key in keys[start : start + 1000]],
                    "Quiet": True,
                },
            )
            if answer.get("Errors"):
                raise PushError("media could not be deleted, please retry", "delete_failed")

    def get(self, key: str) -> bytes:
        return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
