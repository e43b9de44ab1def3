"""The HTTP side of a service: health, Prometheus metrics, and the broker's lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, Response
from faststream.kafka import KafkaBroker
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from .lag import ConsumerLag
from .scrape_auth import CHALLENGE, scrape_allowed, scrape_token

Hook = Callable[[], Awaitable[None]]


def build_http_app(
    *,
    title: str,
    broker: KafkaBroker,
    registry: CollectorRegistry,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    routers: Sequence[APIRouter] = (),
    docs: bool = False,
    openapi: bool = False,
    description: str = "",
    lag_interval: float = 15.0,
) -> FastAPI:
    """A FastAPI app serving /health and /metrics that starts and stops the Kafka broker.

    Start-up runs `on_startup` (database, caches) before the broker starts consuming;
    shutdown stops the broker first, so in-flight batches finish before resources close.
    `openapi` serves /openapi.json without the interactive pages (`docs`), which would load
    their scripts from outside this machine.
    Consumer lag per group and topic is refreshed every `lag_interval` seconds meanwhile.
    /metrics asks for `TRACKER_METRICS_TOKEN` as a bearer token when that is set.
    """
    lag = ConsumerLag(broker, registry, interval=lag_interval)
    token = scrape_token()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for hook in on_startup:
            await hook()
        await broker.start()
        await lag.start()
        try:
            yield
        finally:
            await lag.stop()
            await broker.stop()
            for hook in on_shutdown:
                await hook()

    app = FastAPI(
        title=title,
        description=description,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs or openapi else None,
    )

    @app.get("/health", include_in_schema=False)
    async def health() -> Response:
        ok = await broker.ping(timeout=2.0)
        return Response(
            content=b'{"status":"ok"}' if ok else b'{"status":"broker unreachable"}',
            status_code=200 if ok else 503,
            media_type="application/json",
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if not scrape_allowed(token, request.headers.get("authorization")):
            return Response(
                content=b"a scrape token is required: Authorization: Bearer <token>\n",
                status_code=401,
                headers={"WWW-Authenticate": CHALLENGE},
                media_type="text/plain",
            )
        return Response(content=generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    app.state.broker = broker  # for the AsyncAPI document (reuse_tracker.asyncapi)
    return app
