"""Request and response models of the provider routes, named and shaped as the spec's components."""

from __future__ import annotations

from pydantic import BaseModel, Field

from authward.api.nhost.schemas import SignUpOptions, StrictModel

# The spec lists apple and google; generic OIDC providers are named by the operator (docs/social.md).
ProviderName = Field(pattern=r"^[a-z][a-z0-9]{0,31}$", description="apple, google, or a generic OIDC provider")
ID_TOKEN_MAX = 16_384


class SignInIdTokenRequest(StrictModel):
    provider: str = ProviderName
    idToken: str = Field(max_length=ID_TOKEN_MAX)
    nonce: str | None = Field(default=None, max_length=512)
    options: SignUpOptions | None = None


class SignUpIdTokenRequest(SignInIdTokenRequest):
    pass


class LinkIdTokenRequest(StrictModel):
    provider: str = ProviderName
    idToken: str = Field(max_length=ID_TOKEN_MAX)
    nonce: str | None = Field(default=None, max_length=512)


class RefreshProviderTokenRequest(StrictModel):
    refreshToken: str = Field(min_length=1, max_length=4096)


class ProviderSession(BaseModel):
    accessToken: str
    expiresIn: int
    expiresAt: str = Field(json_schema_extra={"format": "date-time"})
    refreshToken: str | None = None


class ProviderLinkInfo(BaseModel):
    id: str
    provider: str
    providerUserId: str
    createdAt: str = Field(json_schema_extra={"format": "date-time"})


class ProviderLinkList(BaseModel):
    providers: list[ProviderLinkInfo]
