"""The console and the API served over real HTTP for the browser: the hand-computed province
of tests/support/small_province.py through the real projection into SQLite, uvicorn on a port the
kernel picks, in a thread with its own event loop."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from services.common.db import make_engine
from services.reuse.api import ApiState, router
from services.reuse.console import mount_console
from services.reuse.indicators import IndicatorReader
from services.reuse.projection import Projection
from services.reuse.tokens import create_token
from tests.support import factories as f
from tests.support import small_province as data

HOSTILE_NAME = '<script>alert("x")</script><img src=x onerror="alert(1)"> & Xã "Hòa"'
HOSTILE_UNIT = "H44.02"
NATURAL_EXTRA = ("H44.10", "H44.9")


@dataclass
class Served:
    """Where the console runs and the tokens made for it."""

    base: str
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str = "auditor") -> dict[str, str]:
        """The Authorization header of one of the tokens."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def _extra_registrations() -> list[Any]:
    """A publisher renames H44.02 with markup and script, and registers H44.9 and H44.10
    (natural order puts H44.9 first; text order would not)."""
    event = f.agency(HOSTILE_UNIT, "H44")
    event["data"]["name"] = HOSTILE_NAME
    event["occurred_at"] = "2026-03-30T10:00:00+07:00"  # after the first registration
    return [data._fact(event), *(data._fact(f.agency(c, "H44")) for c in NATURAL_EXTRA)]


async def _serve(
    var_dir: Path, sock: socket.socket, out: Served, ready: threading.Event, stop: threading.Event
) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{var_dir / 'reuse.db'}")
    try:
        await data.build(engine)
        await Projection(engine).apply(_extra_registrations())
        for who, role in (("auditor", "auditor"), ("h44", "province:H44"), ("h10", "province:H10")):
            out.tokens[who] = (await create_token(engine, role, who))[1]
        app = FastAPI()
        reader = IndicatorReader(engine)
        ApiState(engine, reader).attach(app)
        app.include_router(router)
        mount_console(app, engine, var_dir=var_dir, reader=reader)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))

        async def watch() -> None:
            await asyncio.to_thread(stop.wait)
            server.should_exit = True

        watcher = asyncio.create_task(watch())
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        for _ in range(1200):  # at most a minute
            if server.started or serving.done():
                break
            await asyncio.sleep(0.05)
        ready.set()
        await serving
        await watcher
    finally:
        ready.set()
        await engine.dispose()


@contextmanager
def serve_console(var_dir: Path) -> Iterator[Served]:
    """Serve the console until the block ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    out = Served(f"http://127.0.0.1:{port}")
    ready, stop = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(_serve(var_dir, sock, out, ready, stop))
        except BaseException as exc:  # reported to the test below
            failure.append(exc)
            ready.set()

    thread = threading.Thread(target=run, name="console-server", daemon=True)
    thread.start()
    ready.wait(60)
    if failure or len(out.tokens) < 3:
        stop.set()
        raise RuntimeError(f"the console did not start: {failure!r}")
    try:
        yield out
    finally:
        stop.set()
        thread.join(30)
        sock.close()
