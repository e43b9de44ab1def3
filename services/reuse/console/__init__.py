"""The auditor console: server-rendered pages on the reuse service's own app and port.

`mount_console` adds /console (pages), /console/static (one stylesheet), a redirect from /
and the security headers of every console response; the pages read through the same
reader and evidence functions as the /v1 API.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import AsyncEngine

from ..indicators import IndicatorReader
from . import signin, views
from .auth import ConsoleError
from .compress import ConsoleGZip
from .headers import SecurityHeaders
from .periods import today_in_vietnam
from .render import environment, error_page
from .session import KEY_FILE, Signer, load_key
from .state import ConsoleState, console_state

STATIC = Path(__file__).parent / "static"


async def _on_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConsoleError)  # registered for this type only
    return error_page(console_state(request).env, request, exc)


def mount_console(
    app: FastAPI,
    engine: AsyncEngine,
    *,
    var_dir: Path,
    reader: IndicatorReader | None = None,
    default_policy: str = "received",
    as_of: date | None = None,
    key_file: Path | None = None,
) -> None:
    """Serve the console on `app`, its session key in `key_file` (default: in `var_dir`).

    `as_of` fixes "today" for the period presets (a replayed or simulated period).
    """
    signer = Signer(load_key(key_file or var_dir / KEY_FILE))
    today: Callable[[], date] = (lambda: as_of) if as_of else today_in_vietnam
    ConsoleState(
        engine,
        reader or IndicatorReader(engine),
        signer,
        environment(),
        today,
        default_policy=default_policy,
    ).attach(app)
    app.include_router(signin.router)
    app.include_router(views.router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_exception_handler(ConsoleError, _on_error)

    @app.get("/", include_in_schema=False)
    async def root() -> Response:
        return RedirectResponse("/console/", status_code=307)

    app.add_middleware(ConsoleGZip)
    app.add_middleware(SecurityHeaders)


__all__ = ["mount_console"]
