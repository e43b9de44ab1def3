"""The one way to build an S3 client (minio): endpoint parsing, timeouts and retries."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import certifi
import urllib3
import urllib3.exceptions
from minio import Minio
from minio.error import S3Error

from .retry import TRANSIENT

# An S3 outage surfaces as a urllib3 error or an S3 error; callers that tell a missing object
# apart catch that first, and retry the rest with backoff.
S3_TRANSIENT = (*TRANSIENT, urllib3.exceptions.HTTPError, S3Error)

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0
RETRIES = 3


def http_pool(
    *,
    connect: float = CONNECT_TIMEOUT,
    read: float = READ_TIMEOUT,
    retries: int | None = RETRIES,
) -> urllib3.PoolManager:
    """HTTP for an S3 client: a short connect timeout, a few quick retries, then give up.

    minio's default waits up to five minutes per request; a service's own backoff does the
    long waiting, between batches, where it can count the failures and stop cleanly.
    `retries=None` gives no retry at all (readiness probes). Certificates are checked as
    minio's default does: `SSL_CERT_FILE` if set, else certifi's bundle.
    """
    retry: urllib3.Retry | bool = (
        urllib3.Retry(total=retries, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504])
        if retries is not None
        else False
    )
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=connect, read=read),
        maxsize=10,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=retry,
    )


def split_endpoint(url: str) -> tuple[str, bool]:
    """``http://127.0.0.1:8333`` -> (``127.0.0.1:8333``, secure=False), as minio wants it.

    A bare ``host:port`` is plain HTTP; a URL with a path, a query or another scheme is
    refused (ValueError): an S3 endpoint is a server, never a bucket.
    """
    if "://" not in url:
        return url, False
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an S3 endpoint URL: {url!r}")
    if parts.path not in ("", "/") or parts.query:
        raise ValueError(f"an S3 endpoint has no path: {url!r}")
    return parts.netloc, parts.scheme == "https"


def s3_client(
    endpoint: str,
    access_key: str,
    secret_key: str,
    *,
    region: str = "us-east-1",
    http: urllib3.PoolManager | None = None,
) -> Minio:
    """A minio client for an `http(s)://host:port` endpoint, over `http` (default: `http_pool()`).

    The region is given so that minio never asks the server for a bucket's location.
    """
    host, secure = split_endpoint(endpoint)
    return Minio(
        host,
        access_key=access_key,
        secret_key=secret_key,
        secure=secure,
        region=region,
        http_client=http if http is not None else http_pool(),
    )
