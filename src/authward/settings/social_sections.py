"""Social sign-in providers (docs/social.md): one table of options per provider, any number of them.

Unlike the other sections, this one is keyed by the provider's name: the built-in providers (github,
google, apple...) and the generic OpenID Connect providers an operator names (`keycloak`, `corp`...).
Each answers to `AUTHWARD_PROVIDER_<NAME>_<OPTION>` in the environment and to `[providers.<name>]` in
the TOML file; `provider_option` reads such a variable name, for the sources and the warnings.
"""

from __future__ import annotations

import re

from pydantic import ConfigDict, Field, SecretStr, field_validator, model_validator

from authward.settings.section_base import CsvList, Section

PROVIDER_ENV_PREFIX = "provider_"
PROVIDER_NAME = re.compile(r"^[a-z][a-z0-9]{0,31}$")


class ProviderSettings(Section):
    """One provider's options; endpoints left unset come from the built-in description or from discovery."""

    enabled: bool = False
    client_id: str | None = None
    client_secret: SecretStr | None = None
    scope: CsvList | None = None  # unset: the provider's default scopes (comma or space separated)
    authorize_url: str | None = None
    token_url: str | None = None
    userinfo_url: str | None = None
    jwks_url: str | None = None
    issuer: str | None = None
    # A generic OIDC provider: its discovery document (default: <issuer>/.well-known/openid-configuration).
    discovery_url: str | None = None
    # Extra audiences accepted in ID tokens (mobile apps' client ids); the client id always is.
    audience: CsvList = Field(default_factory=list)
    # Azure AD / Entra ID: the tenant (`common`, `organizations`, a tenant id).
    tenant: str = "common"
    # Apple: the client secret is a JWT signed with this key (team id, key id, PEM private key).
    team_id: str | None = None
    key_id: str | None = None
    private_key: SecretStr | None = None
    # WorkOS: the organization or connection used when the request names none.
    organization: str | None = None
    connection: str | None = None
    display_name: str | None = None  # the button's label on the hosted login page

    @field_validator("scope", mode="before")
    @classmethod
    def _spaces_too(cls, value: object) -> object:
        return value.replace(" ", ",") if isinstance(value, str) else value

    @field_validator("authorize_url", "token_url", "userinfo_url", "jwks_url", "issuer", "discovery_url")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _credentials(self) -> ProviderSettings:
        if self.enabled and not self.client_id:
            raise ValueError("an enabled provider needs its CLIENT_ID")
        return self


class ProvidersSettings(Section):
    """`[providers.<name>]` tables: no fixed fields, each extra key is a provider."""

    model_config = ConfigDict(extra="allow", validate_default=True)
    __pydantic_extra__: dict[str, ProviderSettings] = Field(init=False)

    @model_validator(mode="after")
    def _names(self) -> ProvidersSettings:
        for name in self.configured():
            if not PROVIDER_NAME.match(name):
                raise ValueError(f"provider name {name!r}: lower-case letters and digits, up to 32")
        return self

    def configured(self) -> dict[str, ProviderSettings]:
        return dict(self.__pydantic_extra__ or {})

    def enabled(self) -> dict[str, ProviderSettings]:
        return {name: entry for name, entry in self.configured().items() if entry.enabled}


# Nhost spells two names with an underscore (AUTH_PROVIDER_WINDOWS_LIVE_...): the same provider here.
_ALIASES = {"windows_live": "windowslive"}
_KEYS = sorted(ProviderSettings.model_fields, key=len, reverse=True)


def provider_option(name: str) -> tuple[str, str] | None:
    """"provider_github_client_id" -> ("github", "client_id"); None when it is not a provider option."""
    name = name.lower()
    if not name.startswith(PROVIDER_ENV_PREFIX):
        return None
    rest = name[len(PROVIDER_ENV_PREFIX):]
    for key in _KEYS:
        if rest.endswith("_" + key):
            provider = rest[: -len(key) - 1]
            provider = _ALIASES.get(provider, provider)
            return (provider, key) if PROVIDER_NAME.match(provider) else None
    return None
