"""Ingest settings (environment variables prefixed TRACKER_)."""

from __future__ import annotations

from pydantic import SecretStr, model_validator

from schemas.topics import PUBLISHER_TOPIC_PATTERN
from services.common.settings import CommonSettings, ProductionConfigError, load_or_create_key


class IngestSettings(CommonSettings):
    """What the ingest service needs beyond the common settings."""

    ingest_port: int = 8001
    hash_key: SecretStr | None = None  # hex, at least 32 bytes; TRACKER_HASH_KEY
    ingest_group: str = "tracker-ingest"
    # Most events per consumed batch. A batch pays a fixed wait on the broker (the produce
    # acknowledgement and the offset commit: object writes with durable storage), so larger
    # batches spread it: on the province bench 2,000 gave 9% more events/s than 500.
    ingest_batch: int = 2000
    # Anchored: aiokafka matches with re.match, and `dossier-events.H44.rejected` must not match.
    topic_pattern: str = PUBLISHER_TOPIC_PATTERN

    @model_validator(mode="after")
    def _production_needs_hash_key(self) -> IngestSettings:
        if self.mode == "production" and self.hash_key is None:
            raise ProductionConfigError(
                "production mode needs an explicit TRACKER_HASH_KEY (64+ hex characters)"
            )
        return self

    def applicant_key(self) -> bytes:
        """The applicant hashing key: explicit, or generated once into var/hash.key."""
        if self.hash_key is not None:
            return bytes.fromhex(self.hash_key.get_secret_value())
        return load_or_create_key(self.var_dir / "hash.key")
