"""Gzip for the console's pages only: a province page of a hundred units shrinks from about
360 kB to 17 kB, which matters on a slow provincial network. The API keeps its responses as
they are."""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

MINIMUM_SIZE = 1024


class ConsoleGZip:
    """GZipMiddleware for /console paths (when the browser accepts gzip)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=MINIMUM_SIZE)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/console/"):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
