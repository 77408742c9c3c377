"""Typed views of the OAuth 2.0 / OpenID Connect wire shapes, and what `client.oauth` keeps between calls.

The OAuth endpoints speak snake_case (RFC 6749, OIDC); every model keeps the fields a server adds
beyond the typed ones (`model_extra`, or `claim(name)`), so nothing a provider sends is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from authward.client.errors import CallbackMismatch, oauth_error_from_response

if TYPE_CHECKING:
    from authward.client.verifier import TokenVerifier

__all__ = [
    "STANDARD_PATHS",
    "AuthorizationRequest",
    "IdTokenClaims",
    "Introspection",
    "LoginRequest",
    "ProviderCache",
    "ProviderMetadata",
    "TokenSet",
    "UserInfo",
]

# Where authward serves each endpoint: used when discovery does not name it (or is not served).
STANDARD_PATHS = {
    "authorization_endpoint": "/authorize",
    "token_endpoint": "/oauth/token",
    "userinfo_endpoint": "/userinfo",
    "jwks_uri": "/.well-known/jwks.json",
    "revocation_endpoint": "/oauth/revoke",
    "introspection_endpoint": "/oauth/introspect",
    "end_session_endpoint": "/oidc/logout",
}


class OAuthModel(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    def claim(self, name: str, default: Any = None) -> Any:
        """A field by its wire name, typed or extra."""
        if name in type(self).model_fields:
            return getattr(self, name)
        return (self.model_extra or {}).get(name, default)


def _scopes(scope: str | None) -> tuple[str, ...]:
    return tuple(scope.split()) if scope else ()


class ProviderMetadata(OAuthModel):
    """The provider's discovery document (OIDC Discovery 1.0 §3, RFC 8414); endpoints are complete URLs."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    revocation_endpoint: str
    introspection_endpoint: str
    end_session_endpoint: str
    scopes_supported: list[str] = Field(default_factory=list)
    grant_types_supported: list[str] = Field(default_factory=list)
    code_challenge_methods_supported: list[str] = Field(default_factory=list)
    token_endpoint_auth_methods_supported: list[str] = Field(default_factory=list)
    id_token_signing_alg_values_supported: list[str] = Field(default_factory=list)

    @classmethod
    def from_document(cls, document: dict[str, Any], base_url: str) -> ProviderMetadata:
        """The document, with the standard path on `base_url` for each endpoint it does not name."""
        fallback: dict[str, Any] = {name: f"{base_url}{path}" for name, path in STANDARD_PATHS.items()}
        given = {key: value for key, value in document.items() if value is not None}
        return cls.model_validate({"issuer": base_url, **fallback, **given})


@dataclass
class ProviderCache:
    """What a client's OAuth flows keep: the discovery document (and when it was read), the signing keys."""

    metadata: ProviderMetadata | None = None
    fetched_at: float = 0.0
    keys: TokenVerifier | None = None


class TokenSet(OAuthModel):
    """A token endpoint's answer (RFC 6749 §5.1; `id_token` with scope `openid`)."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the RFC 6750 token type
    expires_in: int | None = None
    refresh_token: str | None = None
    id_token: str | None = None
    scope: str | None = None

    @property
    def scopes(self) -> tuple[str, ...]:
        return _scopes(self.scope)


class UserInfo(OAuthModel):
    """The userinfo endpoint's claims (OIDC Core §5.3): `sub`, and those the token's scopes release."""

    sub: str
    name: str | None = None
    nickname: str | None = None
    picture: str | None = None
    locale: str | None = None
    updated_at: int | None = None
    email: str | None = None
    email_verified: bool | None = None
    phone_number: str | None = None
    phone_number_verified: bool | None = None


class Introspection(OAuthModel):
    """RFC 7662's answer: `active`, and for an active token what it is (other fields: `claim(name)`)."""

    active: bool
    token_type: str | None = None
    scope: str | None = None
    client_id: str | None = None
    sub: str | None = None
    exp: int | None = None
    iat: int | None = None
    iss: str | None = None
    aud: str | list[str] | None = None
    jti: str | None = None
    sid: str | None = None

    @property
    def scopes(self) -> tuple[str, ...]:
        return _scopes(self.scope)


class IdTokenClaims(OAuthModel):
    """A verified ID token's claims (OIDC Core §2); the profile claims of its scopes are extras or typed."""

    iss: str
    sub: str
    aud: str | list[str]
    exp: int
    iat: int
    azp: str | None = None
    auth_time: int | None = None
    nonce: str | None = None
    sid: str | None = None
    amr: list[str] = Field(default_factory=list)
    acr: str | None = None
    at_hash: str | None = None
    name: str | None = None
    email: str | None = None
    email_verified: bool | None = None


class AuthorizationRequest(OAuthModel):
    """A URL to send the browser to, and the secrets to keep until the callback (state, nonce, PKCE verifier).

    Keep it server-side (the session of your web app) until the browser comes back, then
    `code_from(callback_url)` and `exchange_code(..., code_verifier=request.code_verifier)`.
    """

    url: str
    client_id: str
    redirect_uri: str
    scope: str
    state: str
    issuer: str
    nonce: str | None = None
    code_verifier: str | None = None

    def code_from(self, callback_url: str) -> str:
        """The code of the redirect back to `redirect_uri`, after checking its `state` (and `iss`, RFC 9207).

        An error answer (`?error=access_denied...`) raises its OAuthError (AccessDenied, ...); a
        callback for another request raises CallbackMismatch.
        """
        params = dict(parse_qsl(urlsplit(callback_url).query, keep_blank_values=True))
        if params.get("state") != self.state:
            raise CallbackMismatch("The callback's state is not this request's (a forged or stale callback)")
        if "iss" in params and params["iss"] != self.issuer:
            raise CallbackMismatch(f"The callback comes from issuer {params['iss']!r}, not {self.issuer!r}")
        if "error" in params:
            raise oauth_error_from_response(400, params["error"], params.get("error_description"))
        code = params.get("code")
        if not code:
            raise CallbackMismatch("The callback carries neither a code nor an error")
        return code


class LoginRequest(OAuthModel):
    """A pending authorization request, as Nhost's `GET /oauth2/login?request_id=` describes it."""

    model_config = ConfigDict(extra="allow", frozen=True, alias_generator=to_camel, populate_by_name=True)

    request_id: str
    client_id: str
    scopes: list[str] = Field(default_factory=list)
    redirect_uri: str | None = None
    client_name: str | None = None
    logo_url: str | None = None
    first_party: bool | None = None
