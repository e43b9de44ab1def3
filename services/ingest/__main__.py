"""`python -m services.ingest`: run the ingest service on 127.0.0.1 (TRACKER_HTTP_HOST)."""

from __future__ import annotations

import uvicorn

from .app import main
from .settings import IngestSettings


def run() -> None:
    """Serve the ingest app until SIGTERM or Ctrl-C."""
    settings = IngestSettings()
    uvicorn.run(
        main(settings), host=settings.http_host, port=settings.ingest_port, log_level="warning"
    )


if __name__ == "__main__":
    run()
