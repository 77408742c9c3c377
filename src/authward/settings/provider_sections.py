"""The sections of the OAuth provider, its hosted pages, the Auth0 face and WebAuthn."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from authward.settings.section_base import CsvList, Section


class OAuthSettings(Section):
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


class Auth0Settings(Section):
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


class WebAuthnSettings(Section):
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


class PagesSettings(Section):
    """The hosted pages (login, sign-up, reset, consent, logout): branding (docs/oauth.md)."""

    app_name: str = Field(default="authward", min_length=1, max_length=64)
    logo_url: str | None = Field(default=None, max_length=2048)
    primary_color: str = Field(default="#3451b2", pattern=r"^#[0-9a-fA-F]{6}$")
