"""`python -m services.reuse`: run the reuse service on 127.0.0.1 (TRACKER_HTTP_HOST)."""

from __future__ import annotations

import uvicorn

from .app import main
from .settings import ReuseSettings


def run() -> None:
    """Serve the reuse app until SIGTERM or Ctrl-C."""
    settings = ReuseSettings()
    uvicorn.run(
        main(settings), host=settings.http_host, port=settings.api_port, log_level="warning"
    )


if __name__ == "__main__":
    run()
