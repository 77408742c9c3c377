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
class ClientGrant:
    """What a session opened for an OAuth client is for: its client, scopes, audience; the login's time."""

    client_id: str
    scopes: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    auth_time: datetime | None = None  # when the user logged in (the code relays an earlier login)
    access_ttl: int | None = None  # the client's access-token lifetime, when it has its own
    refresh_ttl: int | None = None

    def to_payload(self) -> dict[str, Any]:
        """As JSON, to travel in a ticket (an MFA challenge opened for a client's grant)."""
        return {"client_id": self.client_id, "scopes": list(self.scopes), "audience": list(self.audience),
                "auth_time": self.auth_time.isoformat() if self.auth_time else None,
                "access_ttl": self.access_ttl, "refresh_ttl": self.refresh_ttl}

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> ClientGrant:
        auth_time = data.get("auth_time")
        return cls(client_id=str(data["client_id"]), scopes=tuple(data.get("scopes") or ()),
                   audience=tuple(data.get("audience") or ()),
                   auth_time=datetime.fromisoformat(auth_time) if auth_time else None,
                   access_ttl=data.get("access_ttl"), refresh_ttl=data.get("refresh_ttl"))


@dataclass(frozen=True)
class TokenGrant:
    """How a session was authenticated and for whom its tokens are (None client: a first-party session)."""

    amr: list[str]
    user_agent: str | None = None
    client_id: str | None = None
    scopes: tuple[str, ...] = ()
    audience: tuple[str, ...] = field(default_factory=tuple)
    session_id: str | None = None  # the refresh-token family, as `sid` in a client's tokens

    @classmethod
    def for_client(cls, amr: list[str], client: ClientGrant | None, user_agent: str | None = None) -> TokenGrant:
        if client is None:
            return cls(amr=amr, user_agent=user_agent)
        return cls(amr=amr, user_agent=user_agent, client_id=client.client_id, scopes=client.scopes,
                   audience=client.audience)


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
        """A first-party access token of ours for a user: not an ID token, and not a token issued to an
        OAuth client (a third-party app's token must not open the Nhost face's routes: PATs, MFA...)."""
        namespaced = claims.get(self.namespace)
        return isinstance(namespaced, dict) and namespaced.get("x-hasura-user-id") == claims.get("sub") \
            and "client_id" not in claims


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
            if grant.session_id is not None:
                claims["sid"] = grant.session_id
        if grant.audience:
            claims["aud"] = grant.audience[0] if len(grant.audience) == 1 else list(grant.audience)
        for claim_set in self._claim_sets:
            claims.update(claim_set(user, grant, elevated=elevated))
        return claims

    def build_for_client(
        self, client_id: str, scopes: tuple[str, ...], audience: tuple[str, ...], now: datetime, ttl: int
    ) -> dict[str, Any]:
        """A client's own access token (client_credentials): the client is the subject; no user claims."""
        iat = int(now.timestamp())
        return {
            "sub": client_id, "client_id": client_id, "jti": uuid.uuid4().hex, "iss": self._issuer, "iat": iat,
            "exp": iat + ttl, "scope": " ".join(scopes),
            "aud": audience[0] if len(audience) == 1 else list(audience),
        }
