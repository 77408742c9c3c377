"""Request and response models named and shaped as the Nhost spec's components."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from authward.api.request_text import check_metadata_size, check_request_text


class StrictModel(BaseModel):
    """Requests reject unknown fields, as the spec's `additionalProperties: false`, and unstorable text."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        check_request_text(data)
        return data


Metadata = Annotated[dict[str, Any], AfterValidator(check_metadata_size)]
"""A user's or token's free-form `metadata`: any JSON object, at most `METADATA_MAX_BYTES` as compact JSON."""


class SignUpOptions(StrictModel):
    allowedRoles: list[str] | None = None
    defaultRole: str | None = None
    displayName: str | None = Field(default=None, max_length=32)
    locale: str | None = Field(default=None, min_length=2, max_length=3)
    metadata: Metadata | None = None
    redirectTo: str | None = Field(default=None, max_length=2048)


class SignUpEmailPasswordRequest(StrictModel):
    email: str = Field(max_length=320, json_schema_extra={"format": "email"})
    # Longer than the spec's 50: passwords of 64+ characters are accepted whole (ASVS 6.2.9).
    password: str = Field(min_length=1, max_length=4096)
    options: SignUpOptions | None = None
    codeChallenge: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{43}$")


class SignInEmailPasswordRequest(StrictModel):
    email: str = Field(max_length=320, json_schema_extra={"format": "email"})
    password: str = Field(min_length=1, max_length=4096)


class RefreshTokenRequest(StrictModel):
    refreshToken: str = Field(min_length=1, max_length=256)


class SignOutRequest(StrictModel):
    refreshToken: str | None = Field(default=None, max_length=256)
    all: bool = False


class VerifyTokenRequest(StrictModel):
    token: str | None = Field(default=None, max_length=8192)


class User(BaseModel):
    id: str
    createdAt: str = Field(json_schema_extra={"format": "date-time"})
    displayName: str
    avatarUrl: str
    locale: str
    email: str | None = Field(default=None, json_schema_extra={"format": "email"})
    emailVerified: bool
    phoneNumber: str | None = None
    phoneNumberVerified: bool
    isAnonymous: bool
    defaultRole: str
    roles: list[str]
    metadata: dict[str, Any] | None
    activeMfaType: str | None = None


class Session(BaseModel):
    accessToken: str
    accessTokenExpiresIn: int
    refreshToken: str
    refreshTokenId: str
    user: User | None = None


class SessionPayload(BaseModel):
    session: Session | None = None


class MFAChallengePayload(BaseModel):
    ticket: str


class SignInEmailPasswordResponse(BaseModel):
    session: Session | None = None
    mfa: MFAChallengePayload | None = None


class JWK(BaseModel):
    model_config = ConfigDict(extra="allow")
    alg: str
    kid: str
    kty: str
    use: str
    e: str | None = None
    n: str | None = None


class JWKSet(BaseModel):
    keys: list[JWK]


class ErrorResponse(BaseModel):
    status: int
    message: str
    error: str


class VersionResponse(BaseModel):
    version: str


OKResponse = Literal["OK"]
