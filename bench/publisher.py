"""A separate publisher process for the province suite: sends a file of recorded events to
the broker as fast as it takes them, the way a province's systems would, and prints one JSON
line `{"events": n, "seconds": s}`.

The file holds, per event, a 4-byte big-endian key length, the key, a 4-byte value length and
the value (`write_events` below writes it). Running apart from the benchmark's own process
keeps the producer's CPU out of the measured services' budget and off their event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import struct
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

_LENGTH = struct.Struct(">I")


def write_events(path: Path, events: Iterable[tuple[bytes, bytes]]) -> int:
    """Write (key, value) pairs to `path`; returns how many."""
    count = 0
    with path.open("wb") as out:
        for key, value in events:
            out.write(_LENGTH.pack(len(key)) + key + _LENGTH.pack(len(value)) + value)
            count += 1
    return count


def read_events(path: Path) -> Iterator[tuple[bytes, bytes]]:
    """The (key, value) pairs of a file written by `write_events`, in order."""
    data = path.read_bytes()
    at = 0
    while at < len(data):
        (size,) = _LENGTH.unpack_from(data, at)
        key = data[at + 4 : at + 4 + size]
        at += 4 + size
        (size,) = _LENGTH.unpack_from(data, at)
        yield key, data[at + 4 : at + 4 + size]
        at += 4 + size


async def send_pairs(
    bootstrap: str, topic: str, pairs: Iterable[tuple[bytes, bytes]]
) -> tuple[int, float]:
    """Send (key, value) pairs to `topic` as fast as the broker takes them; (count, seconds)
    once every one is acknowledged."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=20,
        max_batch_size=512 * 1024,
        enable_idempotence=False,  # Tansu has no InitProducerId; consumers dedupe
    )
    await producer.start()
    began = time.perf_counter()
    count = 0
    try:
        pending = []
        for key, value in pairs:
            pending.append(await producer.send(topic, value, key=key))
            count += 1
            if len(pending) >= 20_000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return count, time.perf_counter() - began


async def publish_file(path: Path, bootstrap: str, topic: str) -> tuple[int, float]:
    """Send every event of the file to `topic`; (events, seconds) once all are acknowledged."""
    return await send_pairs(bootstrap, topic, read_events(path))


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.publisher FILE --bootstrap HOST:PORT --topic TOPIC`."""
    p = argparse.ArgumentParser(prog="python -m bench.publisher", description=__doc__)
    p.add_argument("file", type=Path)
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--topic", required=True)
    args = p.parse_args(argv)
    events, seconds = asyncio.run(publish_file(args.file, args.bootstrap, args.topic))
    print(json.dumps({"events": events, "seconds": round(seconds, 3)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
