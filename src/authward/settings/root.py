"""The root `Settings` object: one field per section, its sources, and errors named by the documented options.

Also `masked_settings`, the effective settings as printable data (for `authward config`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_core import InitErrorDetails, to_jsonable_python
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from authward.settings.audit_section import AuditSettings
from authward.settings.names import FLAT_NAME_AT
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
from authward.settings.sections import (
    SECTIONS,
    AnonymousSettings,
    DatabaseSettings,
    EmailSettings,
    MfaSettings,
    PasswordSettings,
    ServerSettings,
    SmsSettings,
    TokenSettings,
    UserSettings,
    WebhookSettings,
)
from authward.settings.social_sections import ProvidersSettings
from authward.settings.sources import sectioned, settings_sources

MASK = "********"


class Settings(BaseSettings):
    """Every server option, by section. See the `authward.settings` docstring for the names each option answers to."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, validate_default=True)

    server: ServerSettings = Field(default_factory=ServerSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    tokens: TokenSettings = Field(default_factory=TokenSettings)
    users: UserSettings = Field(default_factory=UserSettings)
    passwords: PasswordSettings = Field(default_factory=PasswordSettings)
    mfa: MfaSettings = Field(default_factory=MfaSettings)
    sms: SmsSettings = Field(default_factory=SmsSettings)
    anonymous: AnonymousSettings = Field(default_factory=AnonymousSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    oauth: OAuthSettings = Field(default_factory=OAuthSettings)
    pages: PagesSettings = Field(default_factory=PagesSettings)
    auth0: Auth0Settings = Field(default_factory=Auth0Settings)
    webauthn: WebAuthnSettings = Field(default_factory=WebAuthnSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    ratelimit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    providers: ProvidersSettings = Field(default_factory=ProvidersSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    captcha: CaptchaSettings = Field(default_factory=CaptchaSettings)

    @property
    def issuer(self) -> str:
        """The one issuer string (AUTHWARD_ISSUER, else the public URL): every token's `iss` and discovery's."""
        if self.oauth.issuer:
            return self.oauth.issuer
        public = self.server.public_url
        # Over https, Auth0's shape (`https://{domain}/`, what the auth0 SDKs demand); over http, as given.
        return f"{public}/" if public.startswith("https://") and public.count("/") == 2 else public

    def __init__(self, **values: Any) -> None:
        """Flat keywords are accepted (see FLAT_NAMES); an error names the option by its flat name."""
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise _named_by_flat_names(exc) from None

    @model_validator(mode="before")
    @classmethod
    def _flat_names_into_sections(cls, data: Any) -> Any:
        # The sources already do this; this covers Settings.model_validate({...}).
        return sectioned(data) if isinstance(data, Mapping) else data

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return settings_sources(settings_cls, init_settings)


# SECTIONS (sections.py) is what the sources and warnings route by: it must list exactly the sections above.
_FIELD_SECTIONS = {name: field.annotation for name, field in Settings.model_fields.items()}
if _FIELD_SECTIONS != SECTIONS:
    raise RuntimeError(f"SECTIONS {sorted(SECTIONS)} differs from the fields of Settings {sorted(_FIELD_SECTIONS)}")


def _named_by_flat_names(exc: ValidationError) -> ValidationError:
    """The same errors located at flat names: ("passwords", "min_length") -> ("password_min_length",).

    The CLI prints AUTHWARD_ + the location, so errors keep naming the documented variable; a section's own
    check (SMS provider completeness) is located at the root as it was before sections.
    """
    details: list[InitErrorDetails] = []
    for error in exc.errors():
        loc = error["loc"]
        flat = FLAT_NAME_AT.get((str(loc[0]), str(loc[1]))) if len(loc) >= 2 else None
        if len(loc) >= 2 and loc[0] == "providers":  # AUTHWARD_PROVIDER_<NAME>_<OPTION>
            loc = (f"provider_{loc[1]}", *loc[2:])
        elif flat is not None:
            loc = (flat, *loc[2:])
        elif len(loc) == 1 and loc[0] in SECTIONS and error["type"] == "value_error":
            loc = ()
        detail: InitErrorDetails = {"type": error["type"], "loc": loc, "input": error["input"]}
        if "ctx" in error:
            detail["ctx"] = error["ctx"]
        details.append(detail)
    try:
        return ValidationError.from_exception_data(exc.title, details)
    except (KeyError, TypeError, ValueError):  # an error type pydantic cannot rebuild: keep the original
        return exc


def masked_settings(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data by section, every secret masked (for `authward config`)."""
    data: dict[str, Any] = to_jsonable_python(_masked(settings.model_dump()))
    return data


def _masked(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value
