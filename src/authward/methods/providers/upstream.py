"""Talking to a provider: the authorization URL, the code exchange, the profile, a token refresh,
all through Authlib's OAuth 2.0 client over httpx (`AsyncOAuth2Client`).

Failures become the spec's codes: `oauth-token-echange-failed` (sic), `oauth-profile-fetch-failed`.
What the provider answered is never logged (it holds tokens).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.deprecate import AuthlibDeprecationWarning

with warnings.catch_warnings():
    # Authlib 1.7+ prefers the `httpx2` package and warns when it falls back to httpx, which is what this
    # server uses everywhere; the client below is the same either way.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

from authward.errors import AuthError, ErrorCode
from authward.methods.providers.configured import HTTP_TIMEOUT, Provider
from authward.methods.providers.id_tokens import IdTokenVerifier
from authward.methods.providers.profiles import ProviderProfile


def new_code_verifier() -> str:
    return str(generate_token(64))  # RFC 7636 §4.1: 43-128 characters of the unreserved set


@dataclass
class _Source:
    """A `ProfileSource` over one signed-in client."""

    client: AsyncOAuth2Client
    provider: Provider
    token: dict[str, Any]
    id_claims: dict[str, Any] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)

    @property
    def userinfo_url(self) -> str | None:
        return self.provider.spec.userinfo_url

    async def userinfo(self) -> dict[str, Any]:
        url = self.userinfo_url
        if url is None:
            raise ValueError(f"{self.provider.name} has no userinfo endpoint")
        data = await self.get_json(url)
        if not isinstance(data, dict):
            raise ValueError("userinfo is not a JSON object")
        return data

    async def get_json(self, url: str) -> Any:
        headers = {"Accept": "application/json"}
        if self.provider.spec.userinfo_headers_client_id:
            headers["Client-Id"] = self.provider.client_id
        response = await self.client.get(url, headers=headers)
        response.raise_for_status()
        return response.json()


class Upstream:
    def __init__(self, id_tokens: IdTokenVerifier, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._id_tokens = id_tokens
        self._transport = transport

    def _client(self, provider: Provider, redirect_uri: str | None = None, **kwargs: Any) -> AsyncOAuth2Client:
        spec = provider.spec
        return AsyncOAuth2Client(
            client_id=provider.client_id, client_secret=provider.client_secret(), redirect_uri=redirect_uri,
            scope=spec.scope_separator.join(provider.scopes) or None, token_endpoint_auth_method=spec.token_auth,
            timeout=HTTP_TIMEOUT, transport=self._transport, **kwargs,
        )

    def authorization_url(self, provider: Provider, redirect_uri: str, state: str, code_verifier: str | None,
                          nonce: str | None, extra: dict[str, str]) -> str:
        client = self._client(provider, redirect_uri,
                              code_challenge_method="S256" if code_verifier is not None else None)
        params: dict[str, str] = {**provider.spec.extra_authorize_params, **extra}
        if nonce is not None:
            params["nonce"] = nonce
        url, _ = client.create_authorization_url(provider.spec.authorize_url, state=state, code_verifier=code_verifier,
                                                 **params)
        return str(url)

    async def sign_in(self, provider: Provider, redirect_uri: str, code: str, code_verifier: str | None,
                      nonce: str | None, form: dict[str, str]) -> tuple[ProviderProfile, dict[str, Any]]:
        """The code exchanged for tokens, then the profile; (profile, token answer)."""
        async with self._client(provider, redirect_uri) as client:
            try:
                token = dict(await client.fetch_token(provider.spec.token_url, code=code, code_verifier=code_verifier))
            except Exception as exc:  # whatever went wrong at the provider, the exchange failed (never a 500)
                raise AuthError(ErrorCode.OAUTH_TOKEN_EXCHANGE_FAILED) from exc
            if "access_token" not in token:
                raise AuthError(ErrorCode.OAUTH_TOKEN_EXCHANGE_FAILED)
            claims: dict[str, Any] = {}
            raw_id_token = token.get("id_token")
            if isinstance(raw_id_token, str) and provider.spec.jwks_url is not None:
                # Nhost's nonce hashing is for tokens made by an app; here we sent the nonce ourselves.
                claims = await self._id_tokens.verify(provider, raw_id_token, nonce, hashed_nonce=False)
            source = _Source(client, provider, token, claims, form)
            try:
                profile = await provider.spec.read_profile(source)
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                raise AuthError(ErrorCode.OAUTH_PROFILE_FETCH_FAILED) from exc
        if claims and claims.get("sub") != profile.id:
            raise AuthError(ErrorCode.OAUTH_PROFILE_FETCH_FAILED, "the profile and the ID token disagree")
        return profile, token

    async def refresh(self, provider: Provider, refresh_token: str) -> dict[str, Any]:
        async with self._client(provider) as client:
            try:
                token = await client.refresh_token(provider.spec.token_url, refresh_token=refresh_token)
            except Exception as exc:
                raise AuthError(ErrorCode.OAUTH_TOKEN_EXCHANGE_FAILED) from exc
        if "access_token" not in token:
            raise AuthError(ErrorCode.OAUTH_TOKEN_EXCHANGE_FAILED)
        return dict(token)
