"""LocalStack against the real SeaweedFS and Tansu binaries, on the ports of offset 30000."""

from __future__ import annotations

import asyncio
import io
import json
import os
import socket
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import urllib3
from aiokafka import AIOKafkaConsumer, TopicPartition
from minio import Minio
from minio.error import S3Error

from reuse_tracker.stack import (
    LocalStack,
    PortTaken,
    StackConfig,
    StackPorts,
    TopicSpec,
    ensure_topics,
)
from reuse_tracker.stack.broker import admin_client
from reuse_tracker.stack.kafka_client import KafkaProducer
from reuse_tracker.stack.ports import TEST_SLOTS
from reuse_tracker.stack.slots import STACKS, stack_ports, stack_slot
from reuse_tracker.system import MAX_INSTANCES, instance_ports
from services.common.s3 import s3_client

pytestmark = pytest.mark.stack

TOPIC = "stack-test.events"
MESSAGES = 100

# A stand-in service: answers GET with the TRACKER_* variables it was given.
SERVICE = """
import http.server, json, os, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        env = {k: v for k, v in os.environ.items() if k.startswith("TRACKER_")}
        body = json.dumps(env).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    config = StackConfig(
        var_dir=tmp_path_factory.mktemp("local-stack"),
        ports=stack_ports("local"),
        roots=("H44",),
    )
    local = LocalStack(config)
    local.start_infra()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="module")
def produced(stack: LocalStack) -> dict[int, int]:
    """100 messages in a 6-partition topic, written with kafka-python; count per partition."""
    bootstrap = stack.config.ports.kafka_bootstrap
    ensure_topics(bootstrap, [TopicSpec(TOPIC, 6)])
    producer = KafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False, linger_ms=5)
    try:
        futures = [
            producer.send(TOPIC, key=f"k{i}".encode(), value=f"m{i}".encode())
            for i in range(MESSAGES)
        ]
        producer.flush(timeout=30)
        partitions = Counter(f.get(timeout=30).partition for f in futures)
    finally:
        producer.close(timeout=10)
    return dict(partitions)


@pytest.fixture
def s3(stack: LocalStack) -> Iterator[Minio]:
    http = urllib3.PoolManager(retries=False)
    cfg = stack.config
    try:
        yield s3_client(cfg.ports.s3_endpoint, cfg.s3_access_key, cfg.s3_secret_key, http=http)
    finally:
        http.clear()


def _consumer(stack: LocalStack, group: str | None) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=stack.config.ports.kafka_bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )


async def _read(consumer: AIOKafkaConsumer, count: int) -> list[bytes]:
    """The next `count` values (wrap in asyncio.timeout)."""
    values: list[bytes] = []
    while len(values) < count:
        batches = await consumer.getmany(timeout_ms=500)
        for records in batches.values():
            values.extend(r.value for r in records)
    return values


def test_ports_for_tests_are_disjoint_and_below_the_ephemeral_range() -> None:
    sets = [StackPorts.for_tests(slot) for slot in range(TEST_SLOTS)]
    assert sets[0].kafka == 12000
    assert sets[0].api == 14000
    values = [p for s in sets for p in _with_instances(s)]
    values += list(StackPorts().as_dict().values())
    values += [StackPorts.spare_for_tests(slot, i) for slot in range(TEST_SLOTS) for i in range(10)]
    assert len(values) == len(set(values))
    low, _high = (
        int(v) for v in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    )
    assert max(p for s in sets for p in _with_instances(s)) < low


def _with_instances(ports: StackPorts) -> list[int]:
    """Every port of the set, with the HTTP ports of all instances."""
    http = {"api", "ingest_http", "digitizer_http"}
    return [p for n, p in ports.as_dict().items() if n not in http] + [
        port
        for n in ("reuse", "ingest", "digitizer")
        for port in instance_ports(ports, n, MAX_INSTANCES)
    ]


def test_stack_slots_of_one_run_are_distinct() -> None:
    slots = [stack_slot(name) for name in STACKS]
    assert len(slots) == len(set(slots))


def test_ports_from_env() -> None:
    ports = StackPorts.from_env(
        {
            "TRACKER_KAFKA_BOOTSTRAP": "127.0.0.1:9192",
            "TRACKER_S3_ENDPOINT": "http://127.0.0.1:8433",
            "TRACKER_API_PORT": "8100",
            "TRACKER_PORT_MASTER": "9334",
        }
    )
    assert (ports.kafka, ports.s3, ports.api, ports.master) == (9192, 8433, 8100, 9334)
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        StackPorts.from_env({"TRACKER_KAFKA_BOOTSTRAP": "kafka.example:9092"})


async def test_kafka_python_produces_and_aiokafka_group_reads_all(
    stack: LocalStack, produced: dict[int, int]
) -> None:
    assert sum(produced.values()) == MESSAGES
    assert len(produced) > 1, "keys should spread over several partitions"
    consumer = _consumer(stack, "stack-test-read-all")
    consumer.subscribe([TOPIC])
    await consumer.start()
    try:
        async with asyncio.timeout(45):
            values = await _read(consumer, MESSAGES)
        await consumer.commit()
    finally:
        await consumer.stop()
    assert sorted(values) == sorted(f"m{i}".encode() for i in range(MESSAGES))


async def test_broker_restart_keeps_topic_messages_and_group_offsets(
    stack: LocalStack, produced: dict[int, int]
) -> None:
    group = "stack-test-restart"
    tps = [TopicPartition(TOPIC, p) for p in range(6)]
    committed = {TopicPartition(TOPIC, p): n for p, n in produced.items()}
    consumer = _consumer(stack, group)
    await consumer.start()
    try:
        consumer.assign(tps)
        await consumer.commit(committed)
    finally:
        await consumer.stop()

    assert stack.broker is not None
    old_pid = stack.broker.pid
    stack.restart_broker()
    assert stack.broker.pid != old_pid

    admin = admin_client(stack.config.ports.kafka_bootstrap)
    try:
        (described,) = admin.describe_topics([TOPIC])
    finally:
        admin.close()
    assert len(described["partitions"]) == 6

    reader = _consumer(stack, None)
    await reader.start()
    try:
        reader.assign(tps)
        await reader.seek_to_beginning(*tps)
        async with asyncio.timeout(30):
            values = await _read(reader, MESSAGES)
    finally:
        await reader.stop()
    assert sorted(values) == sorted(f"m{i}".encode() for i in range(MESSAGES))

    producer = KafkaProducer(
        bootstrap_servers=stack.config.ports.kafka_bootstrap, enable_idempotence=False
    )
    try:
        producer.send(TOPIC, key=b"k0", value=b"after-restart").get(timeout=30)
    finally:
        producer.close(timeout=10)

    resumed = _consumer(stack, group)
    await resumed.start()
    try:
        resumed.assign(tps)
        for tp in tps:
            assert await resumed.committed(tp) == committed.get(tp)
        async with asyncio.timeout(30):
            assert await _read(resumed, 1) == [b"after-restart"]
    finally:
        await resumed.stop()


def test_s3_put_and_get_in_inbox(s3: Minio) -> None:
    data = b"claim-check payload"
    s3.put_object("inbox", "H44/stack-test.bin", io.BytesIO(data), len(data))
    response = s3.get_object("inbox", "H44/stack-test.bin")
    try:
        assert response.read() == data
    finally:
        response.close()
        response.release_conn()
    assert {b.name for b in s3.list_buckets()} >= {"inbox", "archive", "broker"}


@pytest.mark.parametrize(
    ("access_key", "secret_key", "code"),
    [
        ("tracker", "not-the-secret", "SignatureDoesNotMatch"),
        ("nobody", "tracker-secret", "InvalidAccessKeyId"),
    ],
)
def test_s3_refuses_wrong_credentials(
    stack: LocalStack, access_key: str, secret_key: str, code: str
) -> None:
    http = urllib3.PoolManager(retries=False)
    try:
        client = s3_client(stack.config.ports.s3_endpoint, access_key, secret_key, http=http)
        with pytest.raises(S3Error) as refused:
            client.list_buckets()
    finally:
        http.clear()
    assert refused.value.code == code


def test_s3_refuses_anonymous_requests(stack: LocalStack) -> None:
    with httpx.Client(trust_env=False) as http:
        response = http.get(f"{stack.config.ports.s3_endpoint}/inbox/")
    assert response.status_code == 403


def _free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def test_taken_port_makes_start_infra_fail(tmp_path: Path) -> None:
    free = iter(_free_ports(20))
    admin = next(p for p in free if p + 10000 <= 65535)
    ports = StackPorts(
        kafka=next(free),
        s3=next(free),
        s3_grpc=next(free),
        master=next(free),
        master_grpc=next(free),
        volume=next(free),
        volume_grpc=next(free),
        filer=next(free),
        filer_grpc=next(free),
        seaweed_admin=admin,
        api=next(free),
        ingest_http=next(free),
        digitizer_http=next(free),
        prometheus=next(free),
    )
    local = LocalStack(StackConfig(var_dir=tmp_path, ports=ports))
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ports.filer))
        squatter.listen()
        with pytest.raises(PortTaken) as taken:
            local.start_infra()
    assert taken.value.port == ports.filer
    assert f"port {ports.filer} (SeaweedFS filer) is already in use on 127.0.0.1" in str(
        taken.value
    )
    assert local.processes() == []
    local.stop()


def test_kafka_port_message_names_the_variable(stack: LocalStack) -> None:
    local = LocalStack(StackConfig(var_dir=stack.config.var_dir, ports=stack.config.ports))
    with pytest.raises(PortTaken, match="TRACKER_KAFKA_BOOTSTRAP") as taken:
        local.start_infra()
    assert taken.value.port == stack.config.ports.kafka
    kafka = stack.config.ports.kafka
    assert f"port {kafka} (Kafka API) is already in use on 127.0.0.1" in str(taken.value)


def test_service_gets_the_stack_env_and_describe_lists_it(stack: LocalStack) -> None:
    port = stack.config.ports.ingest_http
    url = f"http://127.0.0.1:{port}/health"
    stack.add_service("fake-ingest", [sys.executable, "-c", SERVICE, str(port)], health_url=url)
    with httpx.Client(trust_env=False) as http:
        env = json.loads(http.get(url).content)
    assert env == {**env, **stack.service_env()}
    rows = dict(stack.describe())
    assert rows["fake-ingest"].startswith(url)
    assert rows["Kafka API (Tansu)"].startswith(f"127.0.0.1:{stack.config.ports.kafka}")


def test_stop_leaves_no_child_process(stack: LocalStack) -> None:
    """Runs last in this module: it stops the module's stack."""
    pids = [p.pid for p in stack.processes() if p.pid is not None]
    assert len(pids) >= 3
    stack.stop()
    stack.stop()  # idempotent
    assert not any(p.is_running for p in stack.processes())
    groups = set(pids)
    leftovers = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) in groups and fields[0] != "Z":  # pgrp, state
            leftovers.append(entry)
    assert leftovers == []
