"""Which dependency an error is counted against (the `dependency` label of the error metrics)."""

from __future__ import annotations

import pytest
from aiokafka.errors import KafkaConnectionError
from asyncpg.exceptions import ConnectionDoesNotExistError, PostgresConnectionError
from minio.error import S3Error
from sqlalchemy.exc import DBAPIError, OperationalError
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from services.common.errors import DEPENDENCIES, dependency_of


@pytest.mark.parametrize(
    "exc",
    [
        # asyncpg raises its own errors when PostgreSQL goes away mid-batch: not the broker's.
        ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        PostgresConnectionError("cannot connect"),
        OperationalError("SELECT 1", {}, Exception("database is locked")),
        DBAPIError("INSERT", {}, Exception("lost")),
    ],
)
def test_database_errors(exc: BaseException) -> None:
    assert dependency_of(exc) == "database"


@pytest.mark.parametrize(
    "exc",
    [
        S3Error(None, "NoSuchBucket", "no bucket", "inbox", "req", "host"),  # type: ignore[arg-type]
        ProtocolError("connection aborted"),
        MaxRetryError(None, "/inbox/x"),  # type: ignore[arg-type]
        NewConnectionError(None, "refused"),  # type: ignore[arg-type]
    ],
)
def test_s3_errors(exc: BaseException) -> None:
    assert dependency_of(exc) == "s3"


@pytest.mark.parametrize("exc", [KafkaConnectionError(), TimeoutError()])
def test_the_rest_is_the_broker(exc: BaseException) -> None:
    assert dependency_of(exc) == "broker"


def test_labels_are_bounded() -> None:
    assert DEPENDENCIES == ("database", "s3", "broker")
