"""The section models (`settings.passwords`, `[passwords]` in TOML) and their enums, each with its own checks.

One pydantic model per section; the root `Settings` (root.py) holds one of each. SECTIONS names them, for the
sources and the warnings that route and check keys by section.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from authward.settings.audit_section import AuditSettings
from authward.settings.names import env_name
from authward.settings.protection_sections import (
    CaptchaSettings,
    NotifySettings,
    RateLimitSettings,
    RedisSettings,
    SecuritySettings,
)
from authward.settings.provider_sections import (
    Auth0Settings,
    OAuthSettings,
    PagesSettings,
    WebAuthnSettings,
)
from authward.settings.section_base import CsvList, Section, http_url
from authward.settings.social_sections import ProvidersSettings


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


def derived_public_url(host: object, port: object) -> str:
    """The public URL when none is set: `http://{host}:{port}`, a wildcard bind address read as this machine."""
    name = str(host or "127.0.0.1")
    if name in ("0.0.0.0", "*"):  # noqa: S104 - reading a bind address, not binding
        name = "127.0.0.1"
    elif name == "::":
        name = "[::1]"
    elif ":" in name and not name.startswith("["):  # an IPv6 literal
        name = f"[{name}]"
    return f"http://{name}:{port}"


class ServerSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=4000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    # Unset: derived from host and port (see `derived_public_url`); `public_url_derived` says which.
    public_url: str = Field(default=None, validate_default=True)
    client_url: str = "http://localhost:3000"
    allowed_redirect_urls: CsvList = Field(default_factory=list)
    data_dir: Path = Path(".authward")
    secret_key: SecretStr | None = None
    admin_secret: SecretStr | None = None
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    log_level: str = "info"
    access_log: bool = False  # one line per request in the server log (uvicorn's access log)
    # On SIGTERM: stop accepting, let in-flight requests finish for up to this long, then close.
    shutdown_grace_seconds: int = Field(default=30, ge=1, le=3600)
    # Prometheus /metrics (docs/production.md): off unless enabled; on its own port when one is given.
    metrics_enabled: bool = False
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # Log lines as JSON objects (one per line, for a log shipper) or readable text for a terminal.
    log_format: Literal["console", "json"] = "console"
    dev_mode: bool = False
    # Browser apps on these origins may call the API (CORS); "*" allows any origin (never with credentials).
    cors_origins: CsvList = Field(default_factory=list)
    cors_allow_credentials: bool = False
    # HTTPS served directly (development: the Auth0 SDKs only speak https; docs/auth0.md).
    tls_cert: Path | None = None
    tls_key: Path | None = None

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and (not origin.startswith(("http://", "https://")) or origin.rstrip("/").count("/") > 2):
                raise ValueError(f"{origin!r} is not an origin (scheme://host[:port], no path) or *")
        return [origin.rstrip("/") for origin in value]

    @model_validator(mode="after")
    def _tls(self) -> ServerSettings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("AUTHWARD_TLS_CERT and AUTHWARD_TLS_KEY go together")
        for name, path in (("AUTHWARD_TLS_CERT", self.tls_cert), ("AUTHWARD_TLS_KEY", self.tls_key)):
            if path is not None and not path.is_file():
                raise ValueError(f"{name}: no file at {path}")
        return self

    @model_validator(mode="after")
    def _cors(self) -> ServerSettings:
        if self.cors_allow_credentials and "*" in self.cors_origins:
            raise ValueError("AUTHWARD_CORS_ALLOW_CREDENTIALS=true needs explicit AUTHWARD_CORS_ORIGINS, not *")
        return self

    @field_validator("public_url", mode="before")
    @classmethod
    def _derive_public_url(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or value == "":
            return derived_public_url(info.data.get("host", "127.0.0.1"), info.data.get("port", 4000))
        return value

    @field_validator("public_url", "client_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return http_url(value)

    @model_validator(mode="after")
    def _derived_over_tls(self) -> ServerSettings:
        if self.public_url_derived and self.tls_cert is not None:
            self.public_url = "https://" + self.public_url.removeprefix("http://")
        return self

    @property
    def public_url_derived(self) -> bool:
        """True when AUTHWARD_PUBLIC_URL was not given: the URL was made from host and port."""
        return "public_url" not in self.model_fields_set


class SqliteSynchronous(StrEnum):
    FULL = "full"
    NORMAL = "normal"


class DatabaseSettings(Section):
    url: str = "sqlite:///./authward.db"
    # PostgreSQL: the most connections each server process holds (opened as needed, then kept)
    pool_size: int = Field(default=20, ge=1, le=200)
    # PostgreSQL: a read replica for the reads where a stale answer is harmless (GET /user), never for secrets
    replica_url: str | None = None
    # SQLite: full syncs every commit to disk before it is answered; normal trades the last commits before a
    # power loss for fewer syncs (storage/db.py)
    sqlite_synchronous: SqliteSynchronous = SqliteSynchronous.FULL

    @field_validator("url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgres://")):
            raise ValueError("must start with sqlite:// or postgresql://")
        return value

    @field_validator("replica_url")
    @classmethod
    def _replica_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must start with postgresql:// (a read replica of the PostgreSQL primary)")
        return value

    @model_validator(mode="after")
    def _replica_of_postgresql(self) -> DatabaseSettings:
        if self.replica_url is not None and self.is_sqlite:
            raise ValueError("AUTHWARD_DATABASE_REPLICA_URL needs PostgreSQL as AUTHWARD_DATABASE_URL: "
                             "SQLite has no replicas (unset it)")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


class TokenSettings(Section):
    access_token_expires_in: int = Field(default=900, ge=10, le=86_400)
    refresh_token_expires_in: int = Field(default=30 * 86_400, ge=60)
    refresh_token_absolute_lifetime: int = Field(default=90 * 86_400, ge=60)
    refresh_token_reuse_interval: int = Field(default=10, ge=0, le=3600)
    jwt_algorithm: JwtAlgorithm = JwtAlgorithm.RS256
    jwt_claims_namespace: str = "https://hasura.io/jwt/claims"
    key_cache_seconds: int = Field(default=30, ge=1)


class UserSettings(Section):
    default_role: str = "user"
    allowed_roles: CsvList = Field(default_factory=lambda: ["user", "me"])
    default_locale: str = "en"
    allowed_locales: CsvList = Field(default_factory=lambda: ["en", "fr"])
    disable_signup: bool = False
    disable_new_users: bool = False
    disable_auto_signup: bool = False  # sign-in by link or code never creates users; /signup/* does
    email_verification_required: bool = True  # as Nhost; the dev outbox holds the links when no SMTP is set

    @model_validator(mode="after")
    def _defaults_are_allowed(self) -> UserSettings:
        if self.default_role not in self.allowed_roles:
            self.allowed_roles = [self.default_role, *self.allowed_roles]
        if self.default_locale not in self.allowed_locales:
            self.allowed_locales = [self.default_locale, *self.allowed_locales]
        return self


class PasswordSettings(Section):
    """argon2id; the OWASP minimum by default."""

    min_length: int = Field(default=12, ge=1, le=256)
    max_length: int = Field(default=256, ge=64, le=4096)
    hash_time_cost: int = Field(default=2, ge=1)
    hash_memory_kib: int = Field(default=19_456, ge=8)
    hash_parallelism: int = Field(default=1, ge=1)
    hibp_enabled: bool = False  # refuse passwords found in Have I Been Pwned (k-anonymity range query)
    hibp_url: str = "https://api.pwnedpasswords.com"  # the range API's base URL
    hibp_fail_closed: bool = False  # when the range API cannot be reached: refuse (true) or accept, logged
    hibp_timeout_seconds: float = Field(default=3.0, gt=0, le=30)


class MfaSettings(Section):
    """Two-factor authentication and elevated sessions (docs/2fa.md)."""

    enabled: bool = True  # TOTP enrolment and step-up; users who already have TOTP keep being challenged
    totp_issuer: str = Field(default="authward", min_length=1, max_length=64)
    elevation_max_age: int = Field(default=600, ge=1, le=86_400)  # seconds since the sign-in that elevates
    require_elevated_claim: bool = False  # False: sensitive routes accept any valid token, as Nhost's default


class SmsSettings(Section):
    """SMS one-time passwords (docs/sms.md); `log` writes codes to the log and the outbox (development)."""

    passwordless_enabled: bool = False
    provider: SmsProvider = SmsProvider.LOG
    default_region: str | None = None  # ISO country code for numbers given without +<country code>
    otp_expires_in: int = Field(default=300, ge=30, le=600)  # out-of-band codes live <= 10 min (ASVS 6.5.5)
    otp_max_attempts: int = Field(default=5, ge=1, le=20)
    otp_resend_interval: int = Field(default=60, ge=0, le=3600)  # seconds between two codes to one number
    otp_max_per_hour: int = Field(default=5, ge=1, le=100)  # codes to one number per rolling hour
    message_template: str = "Your verification code is {code}"
    timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_base_url: str = "https://api.twilio.com"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None

    @field_validator("message_template")
    @classmethod
    def _template(cls, value: str) -> str:
        try:
            value.format(code="000000")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError("must contain {code} and no other placeholder") from exc
        if "{code}" not in value:
            raise ValueError("must contain {code}")
        return value

    @field_validator("default_region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        import phonenumbers

        if value is not None and value.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError("must be an ISO 3166-1 alpha-2 country code, e.g. US or GB")
        return value.upper() if value else None

    @model_validator(mode="after")
    def _provider_options(self) -> SmsSettings:
        """A chosen SMS provider must be fully configured: fail at start, not on the first sign-in."""
        if self.provider == SmsProvider.TWILIO:
            if not self.twilio_account_sid or self.twilio_auth_token is None:
                raise ValueError("AUTHWARD_SMS_PROVIDER=twilio needs AUTHWARD_TWILIO_ACCOUNT_SID and "
                                 "AUTHWARD_TWILIO_AUTH_TOKEN")
            if not (self.twilio_from or self.twilio_messaging_service_sid):
                raise ValueError("AUTHWARD_SMS_PROVIDER=twilio needs AUTHWARD_TWILIO_FROM or "
                                 "AUTHWARD_TWILIO_MESSAGING_SERVICE_SID")
        if self.provider == SmsProvider.WEBHOOK and (not self.webhook_url or self.webhook_secret is None):
            raise ValueError("AUTHWARD_SMS_PROVIDER=webhook needs AUTHWARD_SMS_WEBHOOK_URL and "
                             "AUTHWARD_SMS_WEBHOOK_SECRET")
        for key in ("twilio_base_url", "webhook_url"):
            url = getattr(self, key)
            if url is not None and not url.startswith(("http://", "https://")):
                raise ValueError(f"{env_name('sms', key)} must be an http(s) URL")
        return self


class AnonymousSettings(Section):
    """Anonymous users (docs/anonymous.md)."""

    enabled: bool = False
    max_age: int = Field(default=30 * 86_400, ge=0)  # seconds unseen before deletion; 0 = never


class EmailSettings(Section):
    """Delivery, links and codes (docs/email.md). No SMTP host: mail goes to the dev outbox."""

    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = "authward <no-reply@localhost>"
    smtp_secure: SmtpSecurity = SmtpSecurity.STARTTLS
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=120)  # one delivery attempt, connect to QUIT
    send_wait_ms: int = Field(default=1000, ge=0, le=30_000)  # longest a request waits for SMTP
    max_attempts: int = Field(default=6, ge=1, le=50)  # then the outbox row is marked failed
    retry_base_seconds: float = Field(default=30.0, ge=0, le=86_400)  # backoff: base, 2x base, 4x base...
    templates_dir: Path | None = None  # <dir>/<locale>/<template>/{subject.txt,body.txt,body.html}
    passwordless_enabled: bool = True  # magic links (Nhost's default is off)
    otp_enabled: bool = True  # 6-digit codes by email (Nhost's default is off)
    verification_expires_in: int = Field(default=30 * 86_400, ge=60)
    link_expires_in: int = Field(default=3600, ge=60, le=7 * 86_400)  # magic link, reset, email change
    otp_expires_in: int = Field(default=600, ge=60, le=3600)  # out-of-band codes live <= 10 min by default
    otp_max_attempts: int = Field(default=5, ge=1, le=20)  # wrong codes before the code is dead
    otp_max_per_hour: int = Field(default=5, ge=1, le=100)  # codes issued to one address per hour
    verify_confirm_page: bool = False  # GET /verify shows a button; only its POST uses the ticket


class WebhookSettings(Section):
    """Audit events sent to the endpoints of `authward webhooks` (docs/webhooks.md), Standard Webhooks signed."""

    enabled: bool = True  # off: events still queue (in the audit transaction) but nothing is sent
    max_attempts: int = Field(default=8, ge=1, le=50)  # then the delivery is marked failed
    retry_base_seconds: float = Field(default=30.0, ge=0, le=86_400)  # backoff: base, 2x base, 4x base...
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)  # one HTTP attempt, connect to last byte
    poll_seconds: float = Field(default=2.0, gt=0, le=3600)  # how often the worker looks for new events


# Section name -> model; root.py checks that these are exactly the fields of Settings.
SECTIONS: dict[str, type[BaseModel]] = {
    "server": ServerSettings,
    "database": DatabaseSettings,
    "tokens": TokenSettings,
    "users": UserSettings,
    "passwords": PasswordSettings,
    "mfa": MfaSettings,
    "sms": SmsSettings,
    "anonymous": AnonymousSettings,
    "email": EmailSettings,
    "oauth": OAuthSettings,
    "pages": PagesSettings,
    "auth0": Auth0Settings,
    "webauthn": WebAuthnSettings,
    "redis": RedisSettings,
    "ratelimit": RateLimitSettings,
    "security": SecuritySettings,
    "providers": ProvidersSettings,
    "audit": AuditSettings,
    "webhooks": WebhookSettings,
    "notify": NotifySettings,
    "captcha": CaptchaSettings,
}
