"""The section models (`settings.passwords`, `[passwords]` in TOML) and their enums, each with its own checks.

One pydantic model per section; the root `Settings` (root.py) holds one of each. SECTIONS names them, for the
sources and the warnings that route and check keys by section.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, field_validator, model_validator

from authward.settings.names import env_name


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


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/")


CsvList = Annotated[list[str], BeforeValidator(_split_csv)]  # comma-separated in the environment, an array in TOML


class _Section(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_default=True)


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=4000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    public_url: str = "http://127.0.0.1:4000"
    client_url: str = "http://localhost:3000"
    allowed_redirect_urls: CsvList = Field(default_factory=list)
    data_dir: Path = Path(".authward")
    secret_key: SecretStr | None = None
    admin_secret: SecretStr | None = None
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    log_level: str = "info"
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

    @field_validator("public_url", "client_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return _http_url(value)


class DatabaseSettings(_Section):
    url: str = "sqlite:///./authward.db"

    @field_validator("url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgres://")):
            raise ValueError("must start with sqlite:// or postgresql://")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


class TokenSettings(_Section):
    access_token_expires_in: int = Field(default=900, ge=10, le=86_400)
    refresh_token_expires_in: int = Field(default=30 * 86_400, ge=60)
    refresh_token_absolute_lifetime: int = Field(default=90 * 86_400, ge=60)
    refresh_token_reuse_interval: int = Field(default=10, ge=0, le=3600)
    jwt_algorithm: JwtAlgorithm = JwtAlgorithm.RS256
    jwt_claims_namespace: str = "https://hasura.io/jwt/claims"
    key_cache_seconds: int = Field(default=30, ge=1)


class UserSettings(_Section):
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


class PasswordSettings(_Section):
    """argon2id; the OWASP minimum by default."""

    min_length: int = Field(default=12, ge=1, le=256)
    max_length: int = Field(default=256, ge=64, le=4096)
    hash_time_cost: int = Field(default=2, ge=1)
    hash_memory_kib: int = Field(default=19_456, ge=8)
    hash_parallelism: int = Field(default=1, ge=1)


class MfaSettings(_Section):
    """Two-factor authentication and elevated sessions (docs/2fa.md)."""

    enabled: bool = True  # TOTP enrolment and step-up; users who already have TOTP keep being challenged
    totp_issuer: str = Field(default="authward", min_length=1, max_length=64)
    elevation_max_age: int = Field(default=600, ge=1, le=86_400)  # seconds since the sign-in that elevates
    require_elevated_claim: bool = False  # False: sensitive routes accept any valid token, as Nhost's default


class SmsSettings(_Section):
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


class AnonymousSettings(_Section):
    """Anonymous users (docs/anonymous.md)."""

    enabled: bool = False
    max_age: int = Field(default=30 * 86_400, ge=0)  # seconds unseen before deletion; 0 = never


class EmailSettings(_Section):
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


class OAuthSettings(_Section):
    """The OAuth 2.0 / OpenID Connect provider (docs/oauth.md)."""

    enabled: bool = True  # discovery, /authorize, /oauth/token...; no client is registered until you add one
    # The one issuer string: discovery, every token's `iss`, RFC 9207's `iss` parameter, client-assertion `aud`.
    # Unset: the public URL.
    issuer: str | None = None
    # Nhost's login contract: /oauth2/authorize sends a browser without a login session here, with ?request_id=.
    # Unset: the hosted login page (<public URL>/login).
    login_url: str | None = None
    code_expires_in: int = Field(default=60, ge=10, le=600)  # authorization codes (RFC 6749 §4.1.2: short)
    request_expires_in: int = Field(default=900, ge=60, le=86_400)  # a pending /authorize waiting for a login
    id_token_expires_in: int = Field(default=3600, ge=60, le=86_400)

    @field_validator("issuer", "login_url")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value


class Auth0Settings(_Section):
    """Auth0's Authentication API (docs/auth0.md)."""

    enabled: bool = True  # /dbconnections/*, /passwordless/*, /mfa/*, /v2/logout and the Auth0 grants
    # The one database connection's name (what `connection` / `realm` must say for email + password).
    database_connection: str = Field(default="Username-Password-Authentication", min_length=1, max_length=128)


class WebAuthnAttestation(StrEnum):
    NONE = "none"
    INDIRECT = "indirect"
    DIRECT = "direct"


class WebAuthnUserVerification(StrEnum):
    REQUIRED = "required"
    PREFERRED = "preferred"
    DISCOURAGED = "discouraged"


class WebAuthnSettings(_Section):
    """Passkeys and security keys (docs/webauthn.md)."""

    enabled: bool = False
    rp_id: str | None = None  # the relying party id: a registrable domain of the origins (e.g. example.com)
    rp_name: str | None = None  # shown by authenticators
    rp_origins: CsvList = Field(default_factory=list)  # every origin of the RP id that runs ceremonies
    attestation: WebAuthnAttestation = WebAuthnAttestation.NONE
    user_verification: WebAuthnUserVerification = WebAuthnUserVerification.PREFERRED
    timeout: int = Field(default=60_000, ge=10_000, le=600_000)  # milliseconds, as WebAuthn counts

    @model_validator(mode="after")
    def _relying_party(self) -> WebAuthnSettings:
        """WebAuthn on needs a relying party: fail at start, naming the option, not at the first ceremony."""
        if self.enabled:
            for name, value in (("AUTHWARD_WEBAUTHN_RP_ID", self.rp_id), ("AUTHWARD_WEBAUTHN_RP_NAME", self.rp_name)):
                if not value:
                    raise ValueError(f"AUTHWARD_WEBAUTHN_ENABLED=true needs {name}")
            if not self.rp_origins:
                raise ValueError("AUTHWARD_WEBAUTHN_ENABLED=true needs AUTHWARD_WEBAUTHN_RP_ORIGINS")
        for origin in self.rp_origins:
            if not origin.startswith(("https://", "http://")):
                raise ValueError(f"AUTHWARD_WEBAUTHN_RP_ORIGINS: {origin!r} is not an origin")
        return self


class PagesSettings(_Section):
    """The hosted pages (login, sign-up, reset, consent, logout): branding (docs/oauth.md)."""

    app_name: str = Field(default="authward", min_length=1, max_length=64)
    logo_url: str | None = Field(default=None, max_length=2048)
    primary_color: str = Field(default="#3451b2", pattern=r"^#[0-9a-fA-F]{6}$")


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
}
