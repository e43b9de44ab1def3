"""Every TCP port the local stack listens on, and a check that they are free on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import errno
import re
import shutil
import socket
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field

from .process import StackError

HOST = "127.0.0.1"

# Test port sets live below Linux's ephemeral range (32768-60999): a port in that range can
# be handed to any outgoing connection (a client of an earlier test, say) between the check
# that it is free and the moment a server binds it. Each test slot has 20 ports of its own at
# TEST_BASE + 20 * slot (infrastructure first, then spares), the service HTTP ports in a band
# of 24 at TEST_HTTP_BASE + 24 * slot (3 services x 8 instances), and the SeaweedFS admin at
# TEST_ADMIN_BASE + slot (so its forced gRPC port, +10000, is below the range too).
TEST_SLOTS = 80
TEST_BASE = 12000
TEST_SLOT_WIDTH = 20
TEST_HTTP_BASE = 14000
TEST_ADMIN_BASE = 16000
TEST_SPARE_FIRST = 10  # ports 0..9 of a slot are the infrastructure's, 10..19 are spare

# SeaweedFS's embedded maintenance worker ignores -admin.port.grpc and dials the admin's
# HTTP port + 10000, so the admin gRPC port is always derived, never configured.
ADMIN_GRPC_OFFSET = 10000

# name -> (what listens there, how to move it)
PORT_INFO: dict[str, tuple[str, str]] = {
    "kafka": ("Kafka API", "set TRACKER_KAFKA_BOOTSTRAP=127.0.0.1:<free port>"),
    "s3": ("S3 API", "set TRACKER_S3_ENDPOINT=http://127.0.0.1:<free port>"),
    "s3_grpc": ("SeaweedFS S3 gRPC", "set TRACKER_PORT_S3_GRPC=<free port>"),
    "master": ("SeaweedFS master", "set TRACKER_PORT_MASTER=<free port>"),
    "master_grpc": ("SeaweedFS master gRPC", "set TRACKER_PORT_MASTER_GRPC=<free port>"),
    "volume": ("SeaweedFS volume server", "set TRACKER_PORT_VOLUME=<free port>"),
    "volume_grpc": ("SeaweedFS volume gRPC", "set TRACKER_PORT_VOLUME_GRPC=<free port>"),
    "filer": ("SeaweedFS filer", "set TRACKER_PORT_FILER=<free port>"),
    "filer_grpc": ("SeaweedFS filer gRPC", "set TRACKER_PORT_FILER_GRPC=<free port>"),
    "seaweed_admin": ("SeaweedFS admin", "set TRACKER_PORT_SEAWEED_ADMIN=<free port>"),
    "seaweed_admin_grpc": (
        "SeaweedFS admin gRPC",
        "set TRACKER_PORT_SEAWEED_ADMIN=<free port> (its gRPC port is that + 10000)",
    ),
    "api": ("auditor API", "set TRACKER_API_PORT=<free port>"),
    "ingest_http": ("ingest service HTTP", "set TRACKER_PORT_INGEST_HTTP=<free port>"),
    "digitizer_http": ("digitizer service HTTP", "set TRACKER_PORT_DIGITIZER_HTTP=<free port>"),
    "prometheus": ("Prometheus", "set TRACKER_PORT_PROMETHEUS=<free port>"),
}

SEAWEED_PORTS = (
    "s3",
    "s3_grpc",
    "master",
    "master_grpc",
    "volume",
    "volume_grpc",
    "filer",
    "filer_grpc",
    "seaweed_admin",
    "seaweed_admin_grpc",
)


class PortTaken(StackError):
    """A port the stack needs is already bound on 127.0.0.1."""

    def __init__(self, name: str, port: int, user: str | None = None) -> None:
        self.name = name
        self.port = port
        self.user = user
        label, hint = PORT_INFO.get(name, (name, "free it"))
        by = f" (by {user})" if user else ""
        super().__init__(
            f"port {port} ({label}) is already in use on {HOST}{by}: stop what uses it or {hint}"
        )


@dataclass(frozen=True)
class StackPorts:
    """Ports of one local stack; all bind 127.0.0.1. Defaults are what `make up` uses."""

    kafka: int = 9092
    s3: int = 8333
    s3_grpc: int = 18333
    master: int = 9333
    master_grpc: int = 19333
    volume: int = 9340
    volume_grpc: int = 19340
    filer: int = 8888
    filer_grpc: int = 18888
    seaweed_admin: int = 23646
    api: int = 8000
    ingest_http: int = 8001
    digitizer_http: int = 8002
    prometheus: int = 9090
    # Instance i (from 0) of a service listens on its HTTP port + instance_step * i.
    instance_step: int = field(default=100, metadata={"port": False})

    def __post_init__(self) -> None:
        if self.instance_step < 1:
            raise ValueError(f"instance_step must be at least 1, got {self.instance_step}")
        ports = self.as_dict()
        for name, port in ports.items():
            if not 1024 <= port <= 65535:
                raise ValueError(f"port {name}={port} is outside 1024..65535")
        seen: dict[int, str] = {}
        for name, port in ports.items():
            if port in seen:
                raise ValueError(f"port {port} is given to both {seen[port]} and {name}")
            seen[port] = name

    @property
    def seaweed_admin_grpc(self) -> int:
        """The SeaweedFS admin's gRPC port (always admin port + 10000, see module note)."""
        return self.seaweed_admin + ADMIN_GRPC_OFFSET

    def as_dict(self) -> dict[str, int]:
        """Every port by name, the derived admin gRPC port included."""
        ports = {f.name: int(getattr(self, f.name)) for f in _port_fields()}
        ports["seaweed_admin_grpc"] = self.seaweed_admin_grpc
        return ports

    def seaweed(self) -> dict[str, int]:
        """The ports SeaweedFS listens on."""
        ports = self.as_dict()
        return {name: ports[name] for name in SEAWEED_PORTS}

    def infra(self) -> dict[str, int]:
        """The ports of the infrastructure (SeaweedFS and the Kafka API)."""
        return {"kafka": self.kafka, **self.seaweed()}

    @property
    def kafka_bootstrap(self) -> str:
        """`127.0.0.1:<kafka>`."""
        return f"{HOST}:{self.kafka}"

    @property
    def s3_endpoint(self) -> str:
        """`http://127.0.0.1:<s3>`."""
        return f"http://{HOST}:{self.s3}"

    @classmethod
    def for_tests(cls, slot: int = 0) -> StackPorts:
        """The port set of test slot `slot` (0..79), disjoint from every other slot and from
        the defaults, and wholly below Linux's ephemeral range (see TEST_BASE).

        Slot 0: Kafka 12000, S3 12001, ..., Prometheus 12009, auditor API 14000 (instances
        step by 3), SeaweedFS admin 16000 (gRPC 26000).
        """
        if not 0 <= slot < TEST_SLOTS:
            raise ValueError(f"test slot {slot} is outside 0..{TEST_SLOTS - 1}")
        base = TEST_BASE + TEST_SLOT_WIDTH * slot
        http = TEST_HTTP_BASE + 24 * slot
        ports = cls(
            kafka=base,
            s3=base + 1,
            s3_grpc=base + 2,
            master=base + 3,
            master_grpc=base + 4,
            volume=base + 5,
            volume_grpc=base + 6,
            filer=base + 7,
            filer_grpc=base + 8,
            prometheus=base + 9,
            seaweed_admin=TEST_ADMIN_BASE + slot,
            api=http,
            ingest_http=http + 1,
            digitizer_http=http + 2,
            instance_step=3,
        )
        clash = set(ports.as_dict().values()) & set(cls().as_dict().values())
        if clash:
            raise ValueError(f"slot {slot} makes ports {sorted(clash)} meet the defaults")
        return ports

    @staticmethod
    def spare_for_tests(slot: int, index: int = 0) -> int:
        """A port of test slot `slot` that no part of the stack uses (index 0..9), for a
        test's own server (a PostgreSQL cluster, say)."""
        if not 0 <= index < TEST_SLOT_WIDTH - TEST_SPARE_FIRST:
            raise ValueError(f"spare port index {index} is outside 0..9")
        return TEST_BASE + TEST_SLOT_WIDTH * slot + TEST_SPARE_FIRST + index

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> StackPorts:
        """Defaults, moved by TRACKER_KAFKA_BOOTSTRAP, TRACKER_S3_ENDPOINT, TRACKER_API_PORT
        and TRACKER_PORT_<NAME> (e.g. TRACKER_PORT_MASTER=9334)."""
        changes: dict[str, int] = {}
        for f in _port_fields():
            value = environ.get(f"TRACKER_PORT_{f.name.upper()}")
            if value:
                changes[f.name] = int(value)
        if bootstrap := environ.get("TRACKER_KAFKA_BOOTSTRAP"):
            changes["kafka"] = _loopback_port(bootstrap.split(",")[0], "TRACKER_KAFKA_BOOTSTRAP")
        if endpoint := environ.get("TRACKER_S3_ENDPOINT"):
            hostport = re.sub(r"^[a-z]+://", "", endpoint).split("/")[0]
            changes["s3"] = _loopback_port(hostport, "TRACKER_S3_ENDPOINT")
        if api := environ.get("TRACKER_API_PORT"):
            changes["api"] = int(api)
        return dataclasses.replace(cls(), **changes)


def _port_fields() -> list[dataclasses.Field[int]]:
    """The fields of StackPorts that are ports (not instance_step)."""
    return [f for f in dataclasses.fields(StackPorts) if f.metadata.get("port", True)]


def _loopback_port(hostport: str, variable: str) -> int:
    host, _, port = hostport.strip().rpartition(":")
    if host not in ("127.0.0.1", "localhost") or not port.isdigit():
        raise ValueError(f"{variable}={hostport!r}: the local stack listens on 127.0.0.1:<port>")
    return int(port)


def port_is_free(port: int) -> bool:
    """True if nothing listens on 127.0.0.1:port and it can be bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) != 0


def port_user(port: int) -> str | None:
    """Best effort: `name pid N` of the process listening on the port, from `ss`."""
    ss = shutil.which("ss")
    if ss is None:
        return None
    try:
        out = subprocess.run(
            [ss, "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, timeout=3
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'users:\(\("([^"]+)",pid=(\d+)', out)
    if match:
        return f"{match.group(1)} pid {match.group(2)}"
    return "another process" if out.strip() else None


def ensure_free(ports: Mapping[str, int]) -> None:
    """Raise PortTaken for the first port (by name) that is not free on 127.0.0.1."""
    for name, port in ports.items():
        if not port_is_free(port):
            raise PortTaken(name, port, port_user(port))
