"""One settings object for the whole server: AUTHWARD_* environment variables, optionally a TOML file."""

from __future__ import annotations

import difflib
import os
import warnings
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ENV_PREFIX = "AUTHWARD_"
# Variables read by the client and the CLI, not by the server: never reported as unknown.
CLIENT_ENV_VARS = frozenset({"AUTHWARD_URL", "AUTHWARD_CONFIG", "AUTHWARD_SESSION_FILE"})


class JwtAlgorithm(StrEnum):
    RS256 = "RS256"
    ES256 = "ES256"
    EDDSA = "EdDSA"


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


CsvList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """Every server option. Field name `foo_bar` is `AUTHWARD_FOO_BAR` in the environment."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="ignore",
        case_sensitive=False,
        validate_default=True,
    )

    # -- server
    host: str = "127.0.0.1"
    port: int = Field(default=4000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    public_url: str = "http://127.0.0.1:4000"
    client_url: str = "http://localhost:3000"
    allowed_redirect_urls: CsvList = Field(default_factory=list)
    data_dir: Path = Path(".authward")
    database_url: str = "sqlite:///./authward.db"
    secret_key: SecretStr | None = None
    admin_secret: SecretStr | None = None
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    log_level: str = "info"
    dev_mode: bool = False

    # -- tokens
    access_token_expires_in: int = Field(default=900, ge=10, le=86_400)
    refresh_token_expires_in: int = Field(default=30 * 86_400, ge=60)
    refresh_token_absolute_lifetime: int = Field(default=90 * 86_400, ge=60)
    refresh_token_reuse_interval: int = Field(default=10, ge=0, le=3600)
    jwt_algorithm: JwtAlgorithm = JwtAlgorithm.RS256
    jwt_claims_namespace: str = "https://hasura.io/jwt/claims"
    key_cache_seconds: int = Field(default=30, ge=1)

    # -- users
    default_role: str = "user"
    allowed_roles: CsvList = Field(default_factory=lambda: ["user", "me"])
    default_locale: str = "en"
    allowed_locales: CsvList = Field(default_factory=lambda: ["en", "fr"])
    disable_signup: bool = False
    disable_new_users: bool = False
    email_verification_required: bool = False

    # -- passwords (argon2id; OWASP minimum by default)
    password_min_length: int = Field(default=12, ge=1, le=256)
    password_max_length: int = Field(default=256, ge=64, le=4096)
    password_hash_time_cost: int = Field(default=2, ge=1)
    password_hash_memory_kib: int = Field(default=19_456, ge=8)
    password_hash_parallelism: int = Field(default=1, ge=1)

    @field_validator("allowed_redirect_urls", "allowed_roles", "allowed_locales", mode="before")
    @classmethod
    def _csv(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("public_url", "client_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgres://")):
            raise ValueError("must start with sqlite:// or postgresql://")
        return value

    @model_validator(mode="after")
    def _roles(self) -> Settings:
        if self.default_role not in self.allowed_roles:
            self.allowed_roles = [self.default_role, *self.allowed_roles]
        if self.default_locale not in self.allowed_locales:
            self.allowed_locales = [self.default_locale, *self.allowed_locales]
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("AUTHWARD_CONFIG")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)


SECRET_FIELDS = frozenset(name for name, f in Settings.model_fields.items() if f.annotation and "SecretStr" in str(f.annotation))


def unknown_option_warnings(environ: dict[str, str] | None = None, toml_keys: list[str] | None = None) -> list[str]:
    """Name AUTHWARD_* variables and config keys we do not know, with the closest known one.

    A typo must not go unnoticed; an option from a newer version must not stop the server.
    """
    known = set(Settings.model_fields)
    messages: list[str] = []
    env = os.environ if environ is None else environ
    for var in sorted(env):
        if not var.upper().startswith(ENV_PREFIX) or var.upper() in CLIENT_ENV_VARS:
            continue
        name = var[len(ENV_PREFIX) :].lower()
        if name not in known:
            messages.append(_unknown_message(var, name, known, prefix=ENV_PREFIX))
    for key in toml_keys or []:
        if key.lower() not in known:
            messages.append(_unknown_message(key, key.lower(), known, prefix=""))
    return messages


def _unknown_message(shown: str, name: str, known: set[str], prefix: str) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    hint = f"; did you mean {prefix}{close[0].upper() if prefix else close[0]}?" if close else ""
    return f"unknown option {shown} is ignored{hint}"


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build the settings, warning about unknown options (never failing on them)."""
    if config_file is not None:
        os.environ["AUTHWARD_CONFIG"] = str(config_file)
    toml_keys: list[str] = []
    path = os.environ.get("AUTHWARD_CONFIG")
    if path:
        import tomllib

        with open(path, "rb") as fh:
            toml_keys = list(tomllib.load(fh))
    for message in unknown_option_warnings(toml_keys=toml_keys):
        warnings.warn(message, UserWarning, stacklevel=2)
    return Settings(**overrides)


def masked_settings(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data, secrets masked (for `authward config`)."""
    data = settings.model_dump(mode="json")
    for name in SECRET_FIELDS:
        if data.get(name) is not None:
            data[name] = "********"
    return data
