"""ID tokens (OIDC Core §2) and the user's claims by scope (§5.4), shared with /userinfo.

An ID token says who logged in, for which client, when and how: `iss`, `sub`, `aud` (the client),
`azp`, `exp`, `iat`, `auth_time`, `nonce` (only when the request had one: clients refuse a stray one),
`at_hash` (Authlib's half hash of the access token), `amr`, `acr`, `sid`, and the scope's claims.
It is signed by the ring's current key, with its `kid`, like every token.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from authlib.oidc.core.util import create_half_hash

from authward.security.jwt import AccessTokenCodec
from authward.services.method_info import MFA_AMR
from authward.storage.models import User

ACR_MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
ACR_SINGLE = "0"
SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "profile": ("name", "nickname", "picture", "locale", "updated_at"),
    "email": ("email", "email_verified"),
    "phone": ("phone_number", "phone_number_verified"),
}
CLAIMS_SUPPORTED = ["sub", "iss", "aud", "azp", "exp", "iat", "auth_time", "nonce", "at_hash", "amr", "acr", "sid",
                    *[claim for claims in SCOPE_CLAIMS.values() for claim in claims]]


def user_claims(user: User, scopes: Iterable[str]) -> dict[str, Any]:
    """`sub` and the standard claims each granted scope releases (absent values are left out)."""
    granted = set(scopes)
    claims: dict[str, Any] = {"sub": str(user.id)}
    if "profile" in granted:
        claims["name"] = user.display_name or user.email or ""
        nickname = (user.user_metadata or {}).get("nickname")
        claims["nickname"] = nickname if isinstance(nickname, str) and nickname else \
            (user.email or "").split("@")[0] or user.display_name
        if user.avatar_url:
            claims["picture"] = user.avatar_url
        claims["locale"] = user.locale
        claims["updated_at"] = int(user.updated_at.timestamp())
    if "email" in granted and user.email is not None:
        claims["email"] = user.email
        claims["email_verified"] = bool(user.email_verified)
    if "phone" in granted and user.phone_number is not None:
        claims["phone_number"] = user.phone_number
        claims["phone_number_verified"] = bool(user.phone_number_verified)
    return claims


def acr_of(amr: list[str]) -> str:
    return ACR_MFA if MFA_AMR in amr else ACR_SINGLE


class IdTokens:
    def __init__(self, codec: AccessTokenCodec, issuer: str, ttl: int) -> None:
        self._codec = codec
        self._issuer = issuer
        self.ttl = ttl

    def issue(
        self, user: User, client_id: str, *, scopes: Iterable[str], auth_time: datetime, amr: list[str], now: datetime,
        nonce: str | None = None, access_token: str | None = None, session_id: uuid.UUID | None = None,
    ) -> str:
        iat = int(now.timestamp())
        claims: dict[str, Any] = {
            **user_claims(user, scopes),
            "iss": self._issuer, "aud": client_id, "azp": client_id, "iat": iat, "exp": iat + self.ttl,
            "auth_time": int(auth_time.timestamp()), "amr": list(amr), "acr": acr_of(amr),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        if session_id is not None:
            claims["sid"] = str(session_id)
        if access_token is not None:
            half = create_half_hash(access_token, self._codec.algorithm)
            if half is not None:
                claims["at_hash"] = half.decode("ascii")
        return self._codec.encode(claims)
