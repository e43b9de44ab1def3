"""The S3 client factory: one endpoint parser, and timeouts that fail fast."""

from __future__ import annotations

import pytest
import urllib3
from pydantic import SecretStr

from services.common.s3 import http_pool, s3_client, split_endpoint
from services.digitizer.archive import ObjectStore
from services.reuse.archiver import EventArchive
from services.reuse.settings import ReuseSettings


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8333", ("127.0.0.1:8333", False)),
        ("https://s3.example.vn", ("s3.example.vn", True)),
        ("http://127.0.0.1:8333/", ("127.0.0.1:8333", False)),
        ("127.0.0.1:8333", ("127.0.0.1:8333", False)),
    ],
)
def test_split_endpoint(url: str, expected: tuple[str, bool]) -> None:
    assert split_endpoint(url) == expected


@pytest.mark.parametrize("url", ["ftp://x", "http://x/bucket", "http://"])
def test_split_endpoint_refuses(url: str) -> None:
    with pytest.raises(ValueError, match="S3 endpoint"):
        split_endpoint(url)


def _timeout(pool: urllib3.PoolManager) -> tuple[float | None, float | None]:
    timeout = pool.connection_pool_kw["timeout"]
    return timeout.connect_timeout, timeout.read_timeout


def test_the_default_pool_fails_fast() -> None:
    pool = http_pool()
    assert _timeout(pool) == (5.0, 60.0)
    assert pool.connection_pool_kw["retries"].total == 3


def test_a_probe_pool_does_not_retry() -> None:
    pool = http_pool(connect=1.0, read=5.0, retries=None)
    assert _timeout(pool) == (1.0, 5.0)
    assert pool.connection_pool_kw["retries"].total is False


def test_every_service_client_gets_the_short_timeouts() -> None:
    """minio's own default waits five minutes per request: no service client keeps it."""
    settings = ReuseSettings(s3_secret_key=SecretStr("s"), s3_access_key="k")
    clients = [
        s3_client("http://127.0.0.1:9", "k", "s"),
        EventArchive.from_settings(settings).client,
        ObjectStore.connect("http://127.0.0.1:9", "k", "s", "inbox", "archive").client,
    ]
    for client in clients:
        # minio keeps its HTTP pool private; reading it is the only way to see the timeouts.
        assert _timeout(client._http) == (5.0, 60.0)
