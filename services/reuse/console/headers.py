"""Security headers on every console response (and the / redirect).

No script runs on the console at all, styles come only from its own stylesheet, and no page
may be framed or send its address to another origin (same-origin, not no-referrer: with
no-referrer a browser sends `Origin: null` on form posts, which the CSRF check refuses).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
PAGE_ONLY = [(b"cache-control", b"no-store")]


def _covered(path: str) -> bool:
    return path == "/" or path == "/console" or path.startswith("/console/")


class SecurityHeaders:
    """ASGI middleware adding HEADERS to console responses (pages also get no-store)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _covered(scope["path"]):
            await self.app(scope, receive, send)
            return
        extra = HEADERS + ([] if scope["path"].startswith("/console/static/") else PAGE_ONLY)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
