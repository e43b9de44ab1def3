"""Settings shared by every service: where the broker, the S3 store and the database are."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from schemas.topics import DIGITIZED_TOPIC, FACTS_TOPIC, FILES_TOPIC

from .secret_files import SettingsWithSecretFiles

LOCAL_S3_ACCESS_KEY = "tracker"
LOCAL_S3_SECRET_KEY = "tracker-secret"  # noqa: S105 - documented local-only default


class ProductionConfigError(ValueError):
    """Raised when production mode is missing an explicit secret."""


class CommonSettings(SettingsWithSecretFiles):
    """Settings every service reads from `TRACKER_*` environment variables."""

    # hide_input_in_errors: a refused configuration's error would otherwise quote the input,
    # secrets included (the tail of TRACKER_HASH_KEY showed in the service's log).
    model_config = SettingsConfigDict(
        env_prefix="TRACKER_", extra="ignore", hide_input_in_errors=True
    )

    mode: Literal["local", "production"] = "local"
    kafka_bootstrap: str = "127.0.0.1:9092"
    s3_endpoint: str = "http://127.0.0.1:8333"
    s3_access_key: str = LOCAL_S3_ACCESS_KEY
    s3_secret_key: SecretStr = SecretStr(LOCAL_S3_SECRET_KEY)
    s3_region: str = "us-east-1"
    inbox_bucket: str = "inbox"
    archive_bucket: str = "archive"
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; by default each service has its own SQLite file in var/",
    )
    var_dir: Path = Path("var")
    log_level: str = "INFO"
    facts_topic: str = FACTS_TOPIC
    files_topic: str = FILES_TOPIC
    digitized_topic: str = DIGITIZED_TOPIC
    inbound_partitions: int = 6
    # Seconds between background refreshes of computed metrics (consumer lag, score gauges).
    metrics_interval: float = 15.0
    # Where the HTTP side listens: loopback here; 0.0.0.0 inside a container.
    http_host: str = "127.0.0.1"
    # Kafka authentication (PLAINTEXT for the local broker; SASL in production).
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    kafka_username: str | None = None
    kafka_password: SecretStr | None = None

    @model_validator(mode="after")
    def _production_needs_explicit_secrets(self) -> CommonSettings:
        if self.mode == "production" and (
            self.s3_secret_key.get_secret_value() == LOCAL_S3_SECRET_KEY
            or self.s3_access_key == LOCAL_S3_ACCESS_KEY
        ):
            raise ProductionConfigError(
                "production mode refuses the local S3 credentials: "
                "set TRACKER_S3_ACCESS_KEY and TRACKER_S3_SECRET_KEY"
            )
        return self

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> CommonSettings:
        if self.kafka_security_protocol != "PLAINTEXT" and not (
            self.kafka_username and self.kafka_password
        ):
            raise ProductionConfigError(
                f"TRACKER_KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                "TRACKER_KAFKA_USERNAME and TRACKER_KAFKA_PASSWORD (or TRACKER_KAFKA_PASSWORD_FILE)"
            )
        return self

    def database_url_for(self, service: str) -> str:
        """The database URL of one service: the shared URL, or `var/<service>.db` (SQLite)."""
        return service_database_url(service, self.database_url, self.var_dir)


def service_database_url(service: str, database_url: str | None, var_dir: Path) -> str:
    """The shared database URL when set, else the service's SQLite file under `var_dir`."""
    if database_url:
        return database_url
    var_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{(var_dir / f'{service}.db').resolve()}"


def load_or_create_key(path: Path) -> bytes:
    """Read a local secret key from `path`, creating a random one (mode 0600) if missing."""
    if path.exists():
        key = bytes.fromhex(path.read_text().strip())
        if len(key) < 32:
            raise ValueError(f"{path} holds a key shorter than 32 bytes")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key.hex() + "\n")
    tmp.chmod(0o600)
    tmp.replace(path)  # atomic, so two services starting together agree on one key
    return key
