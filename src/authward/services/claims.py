"""What an access token says: the registered claims, then the face's claim sets.

`AccessClaims.build` writes the claims every token has (`iss`, `sub`, `iat`, `exp`, `jti`,
`auth_time`, `amr`) and, for a token issued to an OAuth client, `client_id`, `scope` and `aud`.
Claim sets add the rest: `HasuraClaims` (the Nhost face's default, what Hasura reads) is one of
them, not the only possible one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from authward.storage.models import User

ELEVATED_CLAIM = "x-hasura-auth-elevated"


@dataclass(frozen=True)
class TokenGrant:
    """How a session was authenticated and for whom its tokens are (None client: a first-party session)."""

    amr: list[str]
    user_agent: str | None = None
    client_id: str | None = None
    scopes: tuple[str, ...] = ()
    audience: tuple[str, ...] = field(default_factory=tuple)


class ClaimSet(Protocol):
    def __call__(self, user: User, grant: TokenGrant, *, elevated: bool) -> dict[str, Any]: ...


class HasuraClaims:
    """Hasura's namespaced claims (the Nhost face's tokens); `elevated` adds Nhost's elevation claim."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def __call__(self, user: User, grant: TokenGrant, *, elevated: bool) -> dict[str, Any]:
        roles = list(dict.fromkeys([*user.roles, user.default_role]))
        claims: dict[str, Any] = {
            "x-hasura-user-id": str(user.id),
            "x-hasura-default-role": user.default_role,
            "x-hasura-allowed-roles": roles,
            "x-hasura-user-is-anonymous": "true" if user.is_anonymous else "false",
        }
        if elevated:  # Nhost's elevation claim: the user id (rule in services/elevation.py)
            claims[ELEVATED_CLAIM] = str(user.id)
        return {self.namespace: claims}

    def is_user_token(self, claims: dict[str, Any]) -> bool:
        """An access token of ours for a user (not an ID token, not a client's own token)."""
        namespaced = claims.get(self.namespace)
        return isinstance(namespaced, dict) and namespaced.get("x-hasura-user-id") == claims.get("sub")


class AccessClaims:
    def __init__(self, issuer: str, claim_sets: Sequence[ClaimSet]) -> None:
        self._issuer = issuer
        self._claim_sets = tuple(claim_sets)

    def build(
        self, user: User, grant: TokenGrant, auth_time: datetime, now: datetime, ttl: int, *, elevated: bool = False
    ) -> dict[str, Any]:
        iat = int(now.timestamp())
        claims: dict[str, Any] = {
            "sub": str(user.id),
            "jti": uuid.uuid4().hex,  # two tokens minted in the same second are still distinct
            "iss": self._issuer,
            "iat": iat,
            "exp": iat + ttl,
            "auth_time": int(auth_time.timestamp()),
            "amr": list(grant.amr),
        }
        if grant.client_id is not None:
            claims["client_id"] = grant.client_id
            claims["scope"] = " ".join(grant.scopes)
        if grant.audience:
            claims["aud"] = grant.audience[0] if len(grant.audience) == 1 else list(grant.audience)
        for claim_set in self._claim_sets:
            claims.update(claim_set(user, grant, elevated=elevated))
        return claims
