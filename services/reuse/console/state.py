"""What the console's pages read through, kept on `app.state` and handed out as a dependency."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from jinja2 import Environment
from sqlalchemy.ext.asyncio import AsyncEngine

from ..indicators import IndicatorReader
from .session import Signer


@dataclass(frozen=True)
class ConsoleState:
    """The engine and reader the pages read through (the API's), the session signer, the
    templates, "today" for the period presets, and the policy when a page names none."""

    engine: AsyncEngine
    reader: IndicatorReader
    signer: Signer
    env: Environment
    today: Callable[[], date]
    default_policy: str = "received"

    def attach(self, app: FastAPI) -> None:
        """Make this the state the console's pages on `app` read."""
        app.state.console = self


def console_state(request: Request) -> ConsoleState:
    """The ConsoleState attached to the request's app (a wiring error when there is none)."""
    state = getattr(request.app.state, "console", None)
    if not isinstance(state, ConsoleState):
        raise RuntimeError("the console has no state: call ConsoleState(...).attach(app)")
    return state


Console = Annotated[ConsoleState, Depends(console_state)]
