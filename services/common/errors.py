"""Which dependency an exception came from, as a bounded metric label."""

from __future__ import annotations

DEPENDENCIES = ("database", "s3", "broker")


def dependency_of(exc: BaseException) -> str:
    """`database`, `s3` or `broker` (anything else counts as the broker: the one left)."""
    module = type(exc).__module__
    if "sql" in module or "asyncpg" in module:
        return "database"
    if module.startswith(("minio", "urllib3", "botocore")):
        return "s3"
    return "broker"
