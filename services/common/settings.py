"""Settings shared by every service: where the broker, the S3 store and the database are."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_S3_ACCESS_KEY = "tracker"
LOCAL_S3_SECRET_KEY = "tracker-secret"  # noqa: S105 - documented local-only default


class ProductionConfigError(ValueError):
    """Raised when production mode is missing an explicit secret."""


class CommonSettings(BaseSettings):
    """Settings every service reads from `TRACKER_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="TRACKER_", extra="ignore")

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
    facts_topic: str = "tracker.facts"
    files_topic: str = "tracker.files"
    digitized_topic: str = "tracker.digitized"
    inbound_partitions: int = 6

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

    def database_url_for(self, service: str) -> str:
        """The database URL of one service: the shared URL, or `var/<service>.db` (SQLite)."""
        if self.database_url:
            return self.database_url
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{(self.var_dir / f'{service}.db').resolve()}"


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
