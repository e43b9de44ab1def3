"""What the auditor endpoints read through, kept on `app.state` and handed out as dependencies.

The service builds one `ApiState` at start and attaches it; every endpoint gets it from the
request's app, so the router itself is a plain module-level `APIRouter`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncEngine

from ..indicators import IndicatorReader


@dataclass(frozen=True)
class ApiState:
    """The engine the API reads through (a read-only one in the service), its indicator
    reader (default: one on `engine`), the denominator policy when a request names none, and
    where each accepted token's id goes (the service's TokenUsage.seen)."""

    engine: AsyncEngine
    reader: IndicatorReader | None = None
    default_policy: str = "received"
    on_token_use: Callable[[int], None] | None = None

    @property
    def source(self) -> IndicatorReader:
        """The indicator reader: `reader`, else one on `engine` (a reader holds no state)."""
        return self.reader or IndicatorReader(self.engine)

    def policy(self, denominator: str | None) -> str:
        """The denominator policy a request asked for, else the service's default."""
        return denominator or self.default_policy

    def attach(self, app: FastAPI) -> None:
        """Make this the state the auditor endpoints of `app` read."""
        app.state.auditor_api = self

    @staticmethod
    def of(app: FastAPI) -> ApiState:
        """The state attached to `app` (a wiring error when there is none)."""
        state = getattr(app.state, "auditor_api", None)
        if not isinstance(state, ApiState):
            raise RuntimeError("the auditor API has no state: call ApiState(...).attach(app)")
        return state


def api_state(request: Request) -> ApiState:
    """The dependency: the ApiState attached to the request's app."""
    return ApiState.of(request.app)


Api = Annotated[ApiState, Depends(api_state)]
