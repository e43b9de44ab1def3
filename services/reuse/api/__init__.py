"""The auditor API: bearer-token protected reads of the indicators and their evidence.

`router` is included in the service's app; `ApiState(...).attach(app)` gives it what it reads.
"""

from __future__ import annotations

from .routes import router
from .state import ApiState

__all__ = ["ApiState", "router"]
