"""The S3 side of the digitizer: read from the inbox, write content-addressed to the archive."""

from __future__ import annotations

import io
from dataclasses import dataclass

from minio import Minio
from minio.error import S3Error

from services.common.s3 import s3_client

# Only a missing *object* is the event's fault. A missing bucket is a store that is not
# (yet) set up or still starting: that raises, and the caller backs off and retries.
MISSING_CODES = frozenset({"NoSuchKey", "NoSuchObject"})


class ObjectMissing(LookupError):
    """The inbox has no object under the key an event names."""


def archive_key(sha256: str, suffix: str = "") -> str:
    """`sha256/ab/cd/abcd...` so identical bytes are stored once, across every root."""
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}{suffix}"


@dataclass
class ObjectStore:
    """Blocking minio calls; the service runs them in threads, off the event loop."""

    client: Minio
    inbox: str
    archive: str

    @classmethod
    def connect(
        cls,
        endpoint: str,
        access_key: str,
        secret_key: str,
        inbox: str,
        archive: str,
        region: str = "us-east-1",
    ) -> ObjectStore:
        """A store for an `http(s)://host:port` endpoint (fails fast: `services.common.s3`)."""
        return cls(s3_client(endpoint, access_key, secret_key, region=region), inbox, archive)

    def fetch(self, key: str, max_bytes: int) -> bytes:
        """The inbox object's bytes (at most `max_bytes + 1`, enough to see it is too big)."""
        try:
            response = self.client.get_object(self.inbox, key, length=max_bytes + 1)
        except S3Error as exc:
            if exc.code in MISSING_CODES:
                raise ObjectMissing(key) from None
            if exc.code == "InvalidRange":
                # Only an empty object has no byte 0 to start the range at; without this the
                # error would be retried as an outage, forever.
                return b""
            raise
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def exists(self, key: str) -> bool:
        """Whether the archive already holds `key`."""
        try:
            self.client.stat_object(self.archive, key)
        except S3Error as exc:
            if exc.code in MISSING_CODES:
                return False
            raise
        return True

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write one archive object (same key, same bytes: idempotent)."""
        self.client.put_object(
            self.archive, key, io.BytesIO(data), len(data), content_type=content_type
        )
