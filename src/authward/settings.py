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


class SmsProvider(StrEnum):
    LOG = "log"
    TWILIO = "twilio"
    WEBHOOK = "webhook"


class SmtpSecurity(StrEnum):
    NONE = "none"  # plain SMTP (a local relay or a test sink)
    STARTTLS = "starttls"  # upgrade with STARTTLS, refuse to send if the server cannot
    TLS = "tls"  # implicit TLS from the first byte (usually port 465)


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
    email_verification_required: bool = True  # as Nhost; the dev outbox holds the links when no SMTP is set

    # -- passwords (argon2id; OWASP minimum by default)
    password_min_length: int = Field(default=12, ge=1, le=256)
    password_max_length: int = Field(default=256, ge=64, le=4096)
    password_hash_time_cost: int = Field(default=2, ge=1)
    password_hash_memory_kib: int = Field(default=19_456, ge=8)
    password_hash_parallelism: int = Field(default=1, ge=1)

    # -- two-factor authentication and elevated sessions (docs/2fa.md)
    mfa_enabled: bool = True  # TOTP enrolment and step-up; users who already have TOTP keep being challenged
    mfa_totp_issuer: str = Field(default="authward", min_length=1, max_length=64)
    elevation_max_age: int = Field(default=600, ge=1, le=86_400)  # seconds since the sign-in that elevates
    require_elevated_claim: bool = False  # False: sensitive routes accept any valid token, as Nhost's default

    # -- SMS one-time passwords (docs/sms.md); `log` writes codes to the log and the outbox (development)
    sms_passwordless_enabled: bool = False
    sms_provider: SmsProvider = SmsProvider.LOG
    sms_default_region: str | None = None  # ISO country code for numbers given without +<country code>
    sms_otp_expires_in: int = Field(default=300, ge=30, le=600)  # out-of-band codes live <= 10 min (ASVS 6.5.5)
    sms_otp_max_attempts: int = Field(default=5, ge=1, le=20)
    sms_otp_resend_interval: int = Field(default=60, ge=0, le=3600)  # seconds between two codes to one number
    sms_otp_max_per_hour: int = Field(default=5, ge=1, le=100)  # codes to one number per rolling hour
    sms_message_template: str = "Your verification code is {code}"
    sms_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_base_url: str = "https://api.twilio.com"
    sms_webhook_url: str | None = None
    sms_webhook_secret: SecretStr | None = None

    # -- anonymous users (docs/anonymous.md)
    anonymous_users_enabled: bool = False
    anonymous_users_max_age: int = Field(default=30 * 86_400, ge=0)  # seconds unseen before deletion; 0 = never

    # -- email: delivery, links and codes (docs/email.md). No SMTP host: mail goes to the dev outbox.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = "authward <no-reply@localhost>"
    smtp_secure: SmtpSecurity = SmtpSecurity.STARTTLS
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=120)  # one delivery attempt, connect to QUIT
    email_send_wait_ms: int = Field(default=1000, ge=0, le=30_000)  # longest a request waits for SMTP
    email_max_attempts: int = Field(default=6, ge=1, le=50)  # then the outbox row is marked failed
    email_retry_base_seconds: float = Field(default=30.0, ge=0, le=86_400)  # backoff: base, 2x base, 4x base...
    email_templates_dir: Path | None = None  # <dir>/<locale>/<template>/{subject.txt,body.txt,body.html}
    email_passwordless_enabled: bool = True  # magic links (Nhost's default is off)
    email_otp_enabled: bool = True  # 6-digit codes by email (Nhost's default is off)
    disable_auto_signup: bool = False  # sign-in by link or code never creates users; /signup/* does
    email_verification_expires_in: int = Field(default=30 * 86_400, ge=60)
    email_link_expires_in: int = Field(default=3600, ge=60, le=7 * 86_400)  # magic link, reset, email change
    email_otp_expires_in: int = Field(default=600, ge=60, le=3600)  # out-of-band codes live <= 10 min by default
    email_otp_max_attempts: int = Field(default=5, ge=1, le=20)  # wrong codes before the code is dead
    email_otp_max_per_hour: int = Field(default=5, ge=1, le=100)  # codes issued to one address per hour
    verify_confirm_page: bool = False  # GET /verify shows a button; only its POST uses the ticket

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

    @field_validator("sms_message_template")
    @classmethod
    def _sms_template(cls, value: str) -> str:
        try:
            value.format(code="000000")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError("must contain {code} and no other placeholder") from exc
        if "{code}" not in value:
            raise ValueError("must contain {code}")
        return value

    @field_validator("sms_default_region")
    @classmethod
    def _sms_region(cls, value: str | None) -> str | None:
        import phonenumbers

        if value is not None and value.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError("must be an ISO 3166-1 alpha-2 country code, e.g. US or GB")
        return value.upper() if value else None

    @model_validator(mode="after")
    def _sms_provider_options(self) -> Settings:
        """A chosen SMS provider must be fully configured: fail at start, not on the first sign-in."""
        if self.sms_provider == SmsProvider.TWILIO:
            if not self.twilio_account_sid or self.twilio_auth_token is None:
                raise ValueError("AUTHWARD_SMS_PROVIDER=twilio needs AUTHWARD_TWILIO_ACCOUNT_SID and "
                                 "AUTHWARD_TWILIO_AUTH_TOKEN")
            if not (self.twilio_from or self.twilio_messaging_service_sid):
                raise ValueError("AUTHWARD_SMS_PROVIDER=twilio needs AUTHWARD_TWILIO_FROM or "
                                 "AUTHWARD_TWILIO_MESSAGING_SERVICE_SID")
        if self.sms_provider == SmsProvider.WEBHOOK and (not self.sms_webhook_url or self.sms_webhook_secret is None):
            raise ValueError("AUTHWARD_SMS_PROVIDER=webhook needs AUTHWARD_SMS_WEBHOOK_URL and "
                             "AUTHWARD_SMS_WEBHOOK_SECRET")
        for name in ("twilio_base_url", "sms_webhook_url"):
            url = getattr(self, name)
            if url is not None and not url.startswith(("http://", "https://")):
                raise ValueError(f"AUTHWARD_{name.upper()} must be an http(s) URL")
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


SECRET_FIELDS = frozenset(
    name for name, f in Settings.model_fields.items() if f.annotation and "SecretStr" in str(f.annotation)
)


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
    """Build the settings, warning about unknown options (never failing on them).

    `config_file` defaults to $AUTHWARD_CONFIG; the environment wins over the file.
    """
    previous = os.environ.get("AUTHWARD_CONFIG")
    if config_file is not None:
        os.environ["AUTHWARD_CONFIG"] = str(config_file)
    try:
        toml_keys: list[str] = []
        path = os.environ.get("AUTHWARD_CONFIG")
        if path:
            import tomllib

            with open(path, "rb") as fh:
                toml_keys = list(tomllib.load(fh))
        for message in unknown_option_warnings(toml_keys=toml_keys):
            warnings.warn(message, UserWarning, stacklevel=2)
        return Settings(**overrides)
    finally:
        if config_file is not None:
            if previous is None:
                os.environ.pop("AUTHWARD_CONFIG", None)
            else:
                os.environ["AUTHWARD_CONFIG"] = previous


def masked_settings(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data, secrets masked (for `authward config`)."""
    data = settings.model_dump(mode="json")
    for name in SECRET_FIELDS:
        if data.get(name) is not None:
            data[name] = "********"
    return data
