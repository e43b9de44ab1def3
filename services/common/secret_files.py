"""Secrets from files: `TRACKER_<NAME>_FILE=/run/secrets/x` sets the setting `<name>` to the
file's content (trailing newline removed), so no secret has to sit in an environment variable
or an image. An explicit `TRACKER_<NAME>` wins over its `_FILE` variant."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

FILE_SUFFIX = "_FILE"


class SecretFileError(ValueError):
    """A `_FILE` variable names a file that cannot be read."""


class SecretFilesSource(PydanticBaseSettingsSource):
    """Reads `<env_prefix><FIELD>_FILE` variables for every field of the settings class."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self.prefix = str(self.config.get("env_prefix", ""))

    def variable(self, field_name: str) -> str:
        """The environment variable that names the file for `field_name`."""
        return f"{self.prefix}{field_name}{FILE_SUFFIX}".upper()

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """The file's content for this field, or None when its variable is not set."""
        path = os.environ.get(self.variable(field_name))
        if not path:
            return None, field_name, False
        try:
            return Path(path).read_text(encoding="utf-8").rstrip("\r\n"), field_name, False
        except OSError as exc:
            raise SecretFileError(
                f"{self.variable(field_name)} names {path}, which cannot be read: {exc.strerror}"
            ) from None

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, key, _complex = self.get_field_value(field, name)
            if value is not None:
                values[key] = value
        return values


def with_secret_files(
    settings_cls: type[BaseSettings],
    init_settings: PydanticBaseSettingsSource,
    env_settings: PydanticBaseSettingsSource,
    dotenv_settings: PydanticBaseSettingsSource,
    file_secret_settings: PydanticBaseSettingsSource,
) -> tuple[PydanticBaseSettingsSource, ...]:
    """Source order: arguments, environment, `_FILE` variables, then pydantic's defaults."""
    return (
        init_settings,
        env_settings,
        SecretFilesSource(settings_cls),
        dotenv_settings,
        file_secret_settings,
    )


class SettingsWithSecretFiles(BaseSettings):
    """Settings that also read `TRACKER_<NAME>_FILE` variables (secrets mounted as files)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The usual sources, with the `_FILE` variables after the environment."""
        return with_secret_files(
            settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
        )
