"""Typed views of the Nhost wire shapes, plus the session record the SDK persists.

Wire models accept the camelCase JSON and expose snake_case attributes; unknown fields are
ignored so a newer server never breaks an older client. `model_dump(by_alias=True)` gives
back the wire shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

__all__ = [
    "JWK",
    "JWKSet",
    "MfaChallenge",
    "PersonalAccessToken",
    "ServerVersion",
    "Session",
    "SessionPayload",
    "SignInResponse",
    "SignUpOptions",
    "StoredSession",
    "TotpSetup",
    "User",
]


class WireModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)


class User(WireModel):
    id: str
    created_at: datetime | None = None
    display_name: str = ""
    avatar_url: str = ""
    locale: str = ""
    email: str | None = None
    email_verified: bool = False
    phone_number: str | None = None
    phone_number_verified: bool = False
    is_anonymous: bool = False
    default_role: str = ""
    roles: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] | None = None
    active_mfa_type: str | None = None


class Session(WireModel):
    access_token: str
    access_token_expires_in: int
    refresh_token: str
    refresh_token_id: str
    user: User | None = None


class SessionPayload(WireModel):
    """`{session}`: null when the server needs the email verified first."""

    session: Session | None = None


class MfaChallenge(WireModel):
    ticket: str


class SignInResponse(WireModel):
    """Either a session, or an MFA challenge whose ticket completes the sign-in."""

    session: Session | None = None
    mfa: MfaChallenge | None = None

    @property
    def mfa_required(self) -> bool:
        return self.session is None and self.mfa is not None


class JWK(WireModel):
    # RSA keys carry n/e, EC keys crv/x/y, OKP keys crv/x: keep everything the server sends.
    model_config = ConfigDict(extra="allow", frozen=True)

    kty: str
    kid: str
    alg: str | None = None
    use: str | None = None


class JWKSet(WireModel):
    keys: list[JWK]

    def as_dict(self) -> dict[str, Any]:
        """The JSON Web Key Set as plain data, e.g. for PyJWT's `PyJWKSet.from_dict`."""
        return {"keys": [key.model_dump(exclude_none=True) for key in self.keys]}


class TotpSetup(WireModel):
    image_url: str
    totp_secret: str


class ServerVersion(WireModel):
    version: str


class PersonalAccessToken(WireModel):
    id: str
    personal_access_token: str


class SignUpOptions(WireModel):
    """`options` of the sign-up and passwordless requests; unset fields are not sent."""

    allowed_roles: list[str] | None = None
    default_role: str | None = None
    display_name: str | None = None
    locale: str | None = None
    metadata: dict[str, Any] | None = None
    redirect_to: str | None = None

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)


class StoredSession(BaseModel):
    """What storage keeps between runs: enough to call the API and refresh without the user.

    `expires_at` is the client's own clock reading (seconds since the epoch) when the access
    token stops being valid, so server/client clock skew does not matter. `mfa_ticket` is set
    while a sign-in waits for its second factor.
    """

    model_config = ConfigDict(extra="ignore")

    base_url: str
    access_token: str | None = None
    refresh_token: str | None = None
    refresh_token_id: str | None = None
    expires_at: float | None = None
    lifetime: float | None = None
    user: User | None = None
    mfa_ticket: str | None = None
