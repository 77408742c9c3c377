"""The providers this server offers: the settings of each enabled one joined with its built-in
description, or, for a name not built in, with its OpenID Connect discovery document.

Discovery is fetched on first use (not at start: an unreachable provider must not stop the server)
and kept for an hour.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import httpx
import jwt

from authward.errors import AuthError, ErrorCode
from authward.methods.providers import profiles
from authward.methods.providers.catalogue import BUILT_IN, GENERIC_OIDC_SCOPES, SECRET_BASIC, SECRET_POST, ProviderSpec
from authward.settings.social_sections import ProviderSettings

DISCOVERY_TTL_SECONDS = 3600.0
APPLE_SECRET_LIFETIME = 300
HTTP_TIMEOUT = httpx.Timeout(10.0)


@dataclass(frozen=True)
class Provider:
    """One enabled provider, ready to use: its description with the operator's overrides applied."""

    spec: ProviderSpec
    options: ProviderSettings

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def client_id(self) -> str:
        return self.options.client_id or ""

    @property
    def scopes(self) -> list[str]:
        return list(self.options.scope) if self.options.scope is not None else list(self.spec.scopes)

    @property
    def audiences(self) -> list[str]:
        return [self.client_id, *self.options.audience]

    @property
    def label(self) -> str:
        return self.options.display_name or self.spec.title

    def client_secret(self, now: float | None = None) -> str | None:
        """The configured secret; for Apple with a key configured, the JWT Apple wants instead."""
        options = self.options
        if self.name == "apple" and options.team_id and options.key_id and options.private_key is not None:
            issued = int(now if now is not None else time.time())
            claims = {"iss": options.team_id, "iat": issued, "exp": issued + APPLE_SECRET_LIFETIME,
                      "aud": "https://appleid.apple.com", "sub": self.client_id}
            return jwt.encode(claims, options.private_key.get_secret_value(), algorithm="ES256",
                              headers={"kid": options.key_id})
        return options.client_secret.get_secret_value() if options.client_secret is not None else None


def _overridden(spec: ProviderSpec, options: ProviderSettings) -> ProviderSpec:
    tenant = options.tenant
    return replace(
        spec,
        authorize_url=(options.authorize_url or spec.authorize_url).replace("{tenant}", tenant),
        token_url=(options.token_url or spec.token_url).replace("{tenant}", tenant),
        userinfo_url=options.userinfo_url or spec.userinfo_url,
        jwks_url=options.jwks_url or spec.jwks_url,
        issuers=(options.issuer,) if options.issuer else spec.issuers,
    )


def _from_discovery(name: str, document: dict[str, Any], options: ProviderSettings) -> ProviderSpec:
    def url(key: str) -> str | None:
        value = document.get(key)
        return value if isinstance(value, str) and value.startswith(("http://", "https://")) else None

    authorize = options.authorize_url or url("authorization_endpoint")
    token = options.token_url or url("token_endpoint")
    issuer = options.issuer or (document.get("issuer") if isinstance(document.get("issuer"), str) else None)
    if authorize is None or token is None or issuer is None:
        raise AuthError(ErrorCode.OAUTH_PROVIDER_ERROR, f"{name}: the discovery document lacks endpoints")
    methods = document.get("token_endpoint_auth_methods_supported")
    token_auth = SECRET_POST if isinstance(methods, list) and SECRET_BASIC not in methods else SECRET_BASIC
    challenges = document.get("code_challenge_methods_supported")
    return ProviderSpec(
        name, options.display_name or name.capitalize(), authorize, token,
        options.userinfo_url or url("userinfo_endpoint"), GENERIC_OIDC_SCOPES, profiles.read_oidc,
        pkce=not isinstance(challenges, list) or "S256" in challenges,  # absent: try it (ignored if unknown)
        token_auth=token_auth, jwks_url=options.jwks_url or url("jwks_uri"), issuers=(issuer,), id_token_sign_in=True,
        generic_oidc=True,
    )


class ProviderDirectory:
    """The enabled providers by name; generic ones are completed from discovery when first used."""

    def __init__(self, enabled: dict[str, ProviderSettings], transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._options = enabled
        self._transport = transport
        self._discovered: dict[str, tuple[float, ProviderSpec]] = {}

    def names(self) -> list[str]:
        return sorted(self._options)

    def labels(self) -> list[tuple[str, str]]:
        """(name, button label) of every enabled provider, for the hosted login page."""
        out = []
        for name in self.names():
            options = self._options[name]
            spec = BUILT_IN.get(name)
            out.append((name, options.display_name or (spec.title if spec else name.capitalize())))
        return out

    async def get(self, name: str) -> Provider:
        """An enabled provider, or `disabled-endpoint` (unknown names too: nothing to learn by probing)."""
        options = self._options.get(name)
        if options is None:
            raise AuthError(ErrorCode.DISABLED_ENDPOINT, f"The provider {name!r} is not enabled")
        spec = BUILT_IN.get(name)
        if spec is not None:
            return Provider(_overridden(spec, options), options)
        cached = self._discovered.get(name)
        if cached is None or cached[0] < time.monotonic():
            spec = _from_discovery(name, await self._discover(name, options), options)
            self._discovered[name] = (time.monotonic() + DISCOVERY_TTL_SECONDS, spec)
            return Provider(spec, options)
        return Provider(cached[1], options)

    async def _discover(self, name: str, options: ProviderSettings) -> dict[str, Any]:
        url = options.discovery_url
        if url is None and options.issuer:
            url = options.issuer.rstrip("/") + "/.well-known/openid-configuration"
        if url is None:
            raise AuthError(ErrorCode.OAUTH_PROVIDER_ERROR,
                            f"{name}: a generic OIDC provider needs DISCOVERY_URL or ISSUER")
        try:
            async with httpx.AsyncClient(transport=self._transport, timeout=HTTP_TIMEOUT) as client:
                response = await client.get(url)
                response.raise_for_status()
                document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise AuthError(ErrorCode.OAUTH_PROVIDER_ERROR, f"{name}: discovery failed") from exc
        if not isinstance(document, dict):
            raise AuthError(ErrorCode.OAUTH_PROVIDER_ERROR, f"{name}: discovery failed")
        return document
