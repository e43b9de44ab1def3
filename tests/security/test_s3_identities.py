"""Per-root S3 identities on the real SeaweedFS: a root's publisher key may write under its
own inbox prefix and nothing else; it cannot write another root's prefix, read any file
(its own included) or touch the archive. The services' key still does everything."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from minio import Minio
from minio.error import S3Error

from reuse_tracker.stack import ManagedProcess, publisher_identity, start_seaweedfs
from tests.support.reliability.harness import ports

pytestmark = pytest.mark.stack

SERVICE = ("tracker", "tracker-secret")
KEYS = {"H44": ("pub-h44", "h44-secret-5f1c"), "H45": ("pub-h45", "h45-secret-9a0e")}


def _client(access: str, secret: str) -> Minio:
    return Minio(f"127.0.0.1:{ports().s3}", access, secret, secure=False, region="us-east-1")


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedProcess]:
    base = tmp_path_factory.mktemp("s3-identities")
    identities = [publisher_identity(root, *key) for root, key in KEYS.items()]
    proc = start_seaweedfs(base / "s3", ports(), *SERVICE, base / "log", identities=identities)
    try:
        service = _client(*SERVICE)
        service.put_object("archive", "sha256/ab/cd/abcd", io.BytesIO(b"stored"), 6)
        service.put_object("inbox", "H45/2026/theirs.jpg", io.BytesIO(b"theirs"), 6)
        yield proc
    finally:
        proc.stop()


def _denied(action: Callable[[], Any]) -> None:
    with pytest.raises(S3Error) as caught:
        action()
    assert caught.value.code in {"AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId"}


def _put(client: Minio, bucket: str, key: str) -> Callable[[], Any]:
    return lambda: client.put_object(bucket, key, io.BytesIO(b"x"), 1)


def test_a_root_writes_its_own_inbox_prefix(seaweed: ManagedProcess) -> None:
    h44 = _client(*KEYS["H44"])
    h44.put_object("inbox", "H44/2026/03/02/scan.jpg", io.BytesIO(b"scan"), 4)
    got = _client(*SERVICE).get_object("inbox", "H44/2026/03/02/scan.jpg")
    try:
        assert got.read() == b"scan"
    finally:
        got.close()
        got.release_conn()


@pytest.mark.parametrize(
    "key",
    [
        "H45/2026/scan.jpg",  # another root
        "H440/scan.jpg",  # a root that only shares the prefix
        "H44.07/scan.jpg",  # a unit code, not the root's prefix
        "H44scan.jpg",
        "scan.jpg",
    ],
)
def test_a_root_cannot_write_outside_its_prefix(seaweed: ManagedProcess, key: str) -> None:
    _denied(_put(_client(*KEYS["H44"]), "inbox", key))


@pytest.mark.parametrize(
    "key", ["H44/../H45/2026/theirs.jpg", "H44/%2e%2e/H45/2026/theirs.jpg", "H44/./../H45/x"]
)
def test_a_root_cannot_climb_out_of_its_prefix(seaweed: ManagedProcess, key: str) -> None:
    """Signed for a key under H44/ that a careless server would resolve into H45/ (minio's
    client refuses such keys itself, boto3 sends them as they are)."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    h44 = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{ports().s3}",
        aws_access_key_id=KEYS["H44"][0],
        aws_secret_access_key=KEYS["H44"][1],
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    with contextlib.suppress(ClientError):  # refused is good; accepted must land under H44/
        h44.put_object(Bucket="inbox", Key=key, Body=b"overwritten")
    service = _client(*SERVICE)
    got = service.get_object("inbox", "H45/2026/theirs.jpg")
    try:
        assert got.read() == b"theirs", "another root's file was overwritten"
    finally:
        got.close()
        got.release_conn()
    names = {o.object_name for o in service.list_objects("inbox", prefix="H45/", recursive=True)}
    assert names == {"H45/2026/theirs.jpg"}, "a file appeared under another root's prefix"


def test_a_root_cannot_read_list_or_delete_anything(seaweed: ManagedProcess) -> None:
    h44 = _client(*KEYS["H44"])
    _denied(lambda: h44.get_object("archive", "sha256/ab/cd/abcd"))
    _denied(lambda: list(h44.list_objects("archive", recursive=True)))
    _denied(_put(h44, "archive", "sha256/ab/cd/abcd"))
    _denied(_put(h44, "broker", "H44/x"))
    _denied(lambda: h44.get_object("inbox", "H45/2026/theirs.jpg"))
    _denied(lambda: h44.stat_object("inbox", "H45/2026/theirs.jpg"))
    _denied(lambda: list(h44.list_objects("inbox", prefix="H45/", recursive=True)))
    _denied(lambda: h44.remove_object("inbox", "H45/2026/theirs.jpg"))
    _denied(lambda: h44.make_bucket("another"))
    # Not even its own files: reading the inbox back is the tracker's business.
    h44.put_object("inbox", "H44/own.jpg", io.BytesIO(b"own"), 3)
    _denied(lambda: h44.get_object("inbox", "H44/own.jpg"))


def test_a_wrong_secret_is_refused(seaweed: ManagedProcess) -> None:
    _denied(_put(_client("pub-h44", "guessed"), "inbox", "H44/x.jpg"))
    _denied(_put(_client("nobody", "nothing"), "inbox", "H44/x.jpg"))


def test_the_services_key_still_does_everything(seaweed: ManagedProcess) -> None:
    service = _client(*SERVICE)
    assert service.stat_object("inbox", "H45/2026/theirs.jpg").size == 6
    service.put_object("archive", "sha256/ef/01/ef01", io.BytesIO(b"a"), 1)
    assert {o.object_name for o in service.list_objects("archive", recursive=True)} >= {
        "sha256/ab/cd/abcd",
        "sha256/ef/01/ef01",
    }


def test_the_identities_file_is_private(seaweed: ManagedProcess) -> None:
    path = next(a for a in seaweed.argv if a.startswith("-s3.config=")).split("=", 1)[1]
    assert Path(path).stat().st_mode & 0o077 == 0
