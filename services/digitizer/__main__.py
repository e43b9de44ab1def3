"""`python -m services.digitizer`: run the digitizer on 127.0.0.1 (TRACKER_HTTP_HOST)."""

from __future__ import annotations

import uvicorn

from .app import main
from .settings import DigitizerSettings


def run() -> None:
    """Serve the digitizer app until SIGTERM or Ctrl-C."""
    settings = DigitizerSettings()
    uvicorn.run(
        main(settings), host=settings.http_host, port=settings.digitizer_port, log_level="warning"
    )


if __name__ == "__main__":
    run()
