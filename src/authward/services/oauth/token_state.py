"""What a client may learn or end of a token: revocation (RFC 7009), introspection (RFC 7662), userinfo.

Refresh tokens are looked up by hash; access tokens are our JWTs, verified, and live only while the
session they name (`sid`) is. A client revokes and introspects refresh tokens of its own only; any
authenticated confidential client (an API's) may introspect an access token. Unknown tokens are
`{"active": false}` and a 200 on revocation: nothing tells a caller what exists.
"""

from __future__ import annotations

import uuid
from typing import Any

from authward.clock import Clock, utc_now
from authward.errors import OAuthError
from authward.security.jwt import AccessTokenCodec, InvalidToken
from authward.security.secrets_at_rest import hash_secret
from authward.services.oauth.client_auth import ClientAuthenticator, PresentedClient
from authward.services.oauth.id_tokens import user_claims
from authward.storage.db import Database
from authward.storage.models import OAuthClient, RefreshToken
from authward.storage.repos import refresh_tokens as tokens_repo
from authward.storage.repos import users as users_repo

INACTIVE: dict[str, Any] = {"active": False}
MAX_TOKEN = 8192


def _is_client_token(claims: dict[str, Any]) -> bool:
    return isinstance(claims.get("client_id"), str) and isinstance(claims.get("jti"), str)


class TokenState:
    def __init__(self, db: Database, codec: AccessTokenCodec, authenticator: ClientAuthenticator,
                 userinfo_audience: str, clock: Clock = utc_now) -> None:
        self._db = db
        self._codec = codec
        self._authenticator = authenticator
        self._userinfo_audience = userinfo_audience
        self._clock = clock

    async def revoke(self, token: str, hint: str | None, presented: PresentedClient) -> None:
        client = await self._authenticator.authenticate(presented)
        async with self._db.write() as session:
            if not token or len(token) > MAX_TOKEN:
                return
            row = await tokens_repo.get_by_hash(session, hash_secret(token))
            if row is not None:
                if row.client_id == client.client_id:
                    await tokens_repo.revoke_family(session, row.family_id)
                return
            claims = await self._access_claims(token)
            sid = claims.get("sid") if claims is not None and claims.get("client_id") == client.client_id else None
            if isinstance(sid, str):  # an access token: its session ends (the JWT itself lives until `exp`)
                await tokens_repo.revoke_family(session, uuid.UUID(sid))

    async def introspect(self, token: str, hint: str | None, presented: PresentedClient) -> dict[str, Any]:
        client = await self._authenticator.authenticate(presented)
        if client.is_public:
            raise OAuthError("invalid_client", "Introspection needs an authenticated client", 401)
        async with self._db.read() as session:
            if not token or len(token) > MAX_TOKEN:
                return INACTIVE
            row = await tokens_repo.get_by_hash(session, hash_secret(token))
            if row is not None:
                return self._refresh_answer(row, client)
        claims = await self._access_claims(token)
        if claims is None or not await self._session_live(claims):
            return INACTIVE
        answer = {"active": True, "token_type": "Bearer"}
        for name in ("scope", "client_id", "sub", "exp", "iat", "iss", "aud", "jti", "sid"):
            if name in claims:
                answer[name] = claims[name]
        return answer

    def _refresh_answer(self, row: RefreshToken, client: OAuthClient) -> dict[str, Any]:
        live = row.status == "active" and row.expires_at > self._clock()
        if not live or row.client_id != client.client_id:
            return INACTIVE
        return {
            "active": True, "token_type": "refresh_token", "client_id": row.client_id, "sub": str(row.user_id),
            "scope": " ".join(row.scopes or ()), "exp": int(row.expires_at.timestamp()),
            "iat": int(row.created_at.timestamp()), "sid": str(row.family_id),
        }

    async def _access_claims(self, token: str) -> dict[str, Any] | None:
        try:
            return await self._codec.decode(token, accept=_is_client_token)
        except InvalidToken:
            return None

    async def _session_live(self, claims: dict[str, Any]) -> bool:
        sid = claims.get("sid")
        if not isinstance(sid, str):
            return True  # a client's own token: no session behind it
        async with self._db.read() as session:
            return await tokens_repo.family_is_live(session, uuid.UUID(sid), self._clock())

    async def userinfo(self, token: str) -> dict[str, Any]:
        """The claims of the user a client's access token is for, by its scopes (OIDC Core §5.3)."""
        claims = await self._access_claims(token)
        if claims is None or claims.get("sub") == claims.get("client_id"):
            raise _invalid_token("The access token is invalid, expired, or not a user's")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        scopes = str(claims.get("scope", "")).split()
        if "openid" not in scopes or self._userinfo_audience not in audiences:
            raise _invalid_token("The access token was not issued for /userinfo (scope openid)", "insufficient_scope",
                                 403)
        if not await self._session_live(claims):
            raise _invalid_token("The session of this access token has ended")
        async with self._db.read() as session:
            user = await users_repo.get(session, uuid.UUID(str(claims["sub"])))
        if user is None or user.disabled:
            raise _invalid_token("The user of this access token cannot sign in")
        return user_claims(user, scopes)


def _invalid_token(description: str, error: str = "invalid_token", status: int = 401) -> OAuthError:
    challenge = f'Bearer error="{error}", error_description="{description}"'
    return OAuthError(error, description, status, {"www-authenticate": challenge})
