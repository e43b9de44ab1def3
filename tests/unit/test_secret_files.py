"""Settings from `TRACKER_<NAME>_FILE`: secrets mounted as files, never baked in."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.common.broker import kafka_security
from services.common.secret_files import SecretFileError
from services.common.settings import CommonSettings
from services.ingest.settings import IngestSettings


def test_a_file_sets_a_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = tmp_path / "hash_key"
    key.write_text("ab" * 32 + "\n")
    monkeypatch.setenv("TRACKER_HASH_KEY_FILE", str(key))
    settings = IngestSettings()
    assert settings.applicant_key() == bytes.fromhex("ab" * 32)


def test_the_plain_variable_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "s3"
    secret.write_text("from-file")
    monkeypatch.setenv("TRACKER_S3_SECRET_KEY_FILE", str(secret))
    assert CommonSettings().s3_secret_key.get_secret_value() == "from-file"
    monkeypatch.setenv("TRACKER_S3_SECRET_KEY", "from-env")
    assert CommonSettings().s3_secret_key.get_secret_value() == "from-env"


def test_an_unreadable_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL_FILE", str(tmp_path / "missing"))
    with pytest.raises(SecretFileError, match="TRACKER_DATABASE_URL_FILE"):
        CommonSettings()


def test_sasl_needs_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    with pytest.raises(ValidationError, match="TRACKER_KAFKA_USERNAME"):
        CommonSettings()
    password = tmp_path / "kafka"
    password.write_text("pw")
    monkeypatch.setenv("TRACKER_KAFKA_USERNAME", "svc-reuse")
    monkeypatch.setenv("TRACKER_KAFKA_PASSWORD_FILE", str(password))
    security = kafka_security(CommonSettings())
    assert security is not None
    assert type(security).__name__ == "SASLScram512"
    assert kafka_security(CommonSettings(kafka_security_protocol="PLAINTEXT")) is None
