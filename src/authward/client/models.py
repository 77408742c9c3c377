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
    "MfaStatus",
    "PersonalAccessToken",
    "PersonalAccessTokenInfo",
    "PersonalAccessTokenList",
    "RecoveryCodes",
    "SecurityKey",
    "SecurityKeyAdded",
    "SecurityKeyList",
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
    """A new TOTP secret. `recovery_codes` (authward) become valid on activation and are shown once;
    `otpauth_url` is the URI inside the QR image when the server sends it."""

    image_url: str
    totp_secret: str
    recovery_codes: list[str] = Field(default_factory=list)
    otpauth_url: str | None = None


class MfaStatus(WireModel):
    """authward's `GET /user/mfa`: the user's MFA and what this access token proves."""

    active_mfa_type: str | None = None
    second_factor_passed: bool = False
    elevated: bool = False
    recovery_codes_remaining: int = 0


class ServerVersion(WireModel):
    version: str


class PersonalAccessToken(WireModel):
    id: str
    personal_access_token: str


class PersonalAccessTokenInfo(WireModel):
    """A PAT as authward's `GET /pat` lists it (the secret itself is never shown again)."""

    id: str
    created_at: datetime | None = None
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class ProviderSession(WireModel):
    """A social provider's own tokens (`GET /signin/provider/{provider}/callback/tokens`)."""

    access_token: str
    expires_in: int
    expires_at: datetime
    refresh_token: str | None = None


class ProviderLink(WireModel):
    """(authward) One of the user's provider identities (`GET /user/providers`)."""

    id: str  # what unlink_user_provider takes
    provider: str
    provider_user_id: str
    created_at: datetime | None = None


class PersonalAccessTokenList(WireModel):
    personal_access_tokens: list[PersonalAccessTokenInfo]


class SecurityKey(WireModel):
    """A passkey or security key, as authward's `GET /user/webauthn` lists it (public data only)."""

    id: str  # what rename_security_key / remove_security_key take
    credential_id: str = ""  # the WebAuthn credential id, base64url
    nickname: str | None = None
    transports: list[str] = Field(default_factory=list)
    backed_up: bool = False  # a synced passkey
    created_at: datetime | None = None
    last_used_at: datetime | None = None


class SecurityKeyList(WireModel):
    security_keys: list[SecurityKey]


class SecurityKeyAdded(WireModel):
    """What `POST /user/webauthn/verify` answers: the new key's id (and its nickname)."""

    id: str
    nickname: str | None = None


class RecoveryCodes(WireModel):
    recovery_codes: list[str]


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

    @classmethod
    def wire(cls, options: SignUpOptions | dict[str, Any] | None) -> dict[str, Any] | None:
        """The `options` object to send (snake_case dict keys accepted), None when empty."""
        if options is None:
            return None
        model = options if isinstance(options, SignUpOptions) else cls(**options)
        return model.to_wire() or None


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
