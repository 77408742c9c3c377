"""RFC 8693 token exchange: a token the client holds for a user becomes an access token for another API.

The subject is one of our access tokens (first-party or this client's), a refresh token of this client,
or an ID token issued to this client. The new token is for an audience the client may call, with the
subject's scopes or fewer (never more), and opens no new session (no refresh token). The user must
still be allowed to sign in (the sign-in policy), and a subject whose session ended is refused.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from authward.clock import Clock, utc_now
from authward.errors import OAuthError
from authward.security.jwt import AccessTokenCodec, InvalidToken
from authward.security.secrets_at_rest import hash_secret
from authward.services.claims import TokenGrant
from authward.services.oauth.grants import GrantRequest, TokenEndpoint, scopes_of
from authward.services.sessions import SessionService
from authward.services.sign_in_policy import SignInPolicy
from authward.storage.db import Database
from authward.storage.models import OAuthClient
from authward.storage.repos import refresh_tokens as tokens_repo
from authward.storage.repos import users as users_repo

ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105 - token type URNs
REFRESH_TOKEN = "urn:ietf:params:oauth:token-type:refresh_token"  # noqa: S105
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105
JWT = "urn:ietf:params:oauth:token-type:jwt"


class Subject:
    """Who the subject token is for, how they signed in, and what it may do."""

    def __init__(self, user_id: uuid.UUID, amr: list[str], auth_time: datetime, scopes: list[str] | None,
                 session_id: uuid.UUID | None) -> None:
        self.user_id = user_id
        self.amr = amr
        self.auth_time = auth_time
        self.scopes = scopes  # None: a first-party session's token, bounded by the client's scopes only
        self.session_id = session_id


class TokenExchange:
    def __init__(self, db: Database, codec: AccessTokenCodec, sessions: SessionService, policy: SignInPolicy,
                 tokens: TokenEndpoint, clock: Clock = utc_now) -> None:
        self._db = db
        self._codec = codec
        self._sessions = sessions
        self._policy = policy
        self._tokens = tokens
        self._clock = clock

    async def __call__(self, ask: GrantRequest) -> dict[str, Any]:
        form, client = ask.form, ask.client
        token, kind = form.get("subject_token"), form.get("subject_token_type")
        if not token or not kind:
            raise OAuthError("invalid_request", "subject_token and subject_token_type are required")
        if form.get("actor_token"):
            raise OAuthError("invalid_request", "Delegation with an actor_token is not supported")
        requested = form.get("requested_token_type")
        if requested not in (None, ACCESS_TOKEN, JWT):
            raise OAuthError("invalid_request", "Only access tokens can be requested")
        subject = await self.subject(client, token, kind)
        wanted = scopes_of(form.get("scope"))
        granted = subject.scopes if subject.scopes is not None else list(client.scopes)
        scopes = wanted if wanted is not None else granted
        if not set(scopes) <= set(granted) or not set(scopes) <= set(client.scopes):
            raise OAuthError("invalid_scope", "An exchange can only keep or narrow the subject's scopes")
        audience = [v for v in dict.fromkeys((form.get("audience"), form.get("resource"))) if v]
        if not audience:
            raise OAuthError("invalid_request", "audience (or resource) names the API the new token is for")
        for api in audience:
            if api not in (client.audiences or []):
                raise OAuthError("invalid_target", f"This client may not get tokens for {api}")
        async with self._db.read() as session:
            user = await users_repo.get(session, subject.user_id)
        if user is None or self._policy.refusal(user) is not None:
            raise OAuthError("invalid_grant", "The subject's user cannot sign in")
        grant = TokenGrant(amr=subject.amr, client_id=client.client_id, scopes=tuple(scopes), audience=tuple(audience),
                           session_id=str(subject.session_id) if subject.session_id else None)
        ttl = client.access_token_ttl or self._tokens.default_access_ttl
        access = self._sessions.mint_user_token(user, grant, subject.auth_time, ttl)
        return {"access_token": access, "issued_token_type": ACCESS_TOKEN, "token_type": "Bearer",
                "expires_in": ttl, "scope": " ".join(scopes)}

    async def subject(self, client: OAuthClient, token: str, kind: str) -> Subject:
        """The validated subject of a token this client holds (also what Auth0's /delegation starts from)."""
        if kind == REFRESH_TOKEN:
            async with self._db.read() as session:
                row = await tokens_repo.get_by_hash(session, hash_secret(token))
            if row is None or row.status != "active" or row.expires_at <= self._clock() \
                    or row.client_id != client.client_id:
                raise OAuthError("invalid_grant", "The subject refresh token is not a live token of this client")
            return Subject(row.user_id, list(row.amr), row.auth_time, list(row.scopes or ()), row.family_id)
        if kind in (ACCESS_TOKEN, JWT):
            try:
                claims = await self._codec.decode(token, accept=lambda c: _of_user(c, client.client_id))
            except InvalidToken:
                raise OAuthError("invalid_grant", "The subject access token is invalid or expired") from None
            scope = claims.get("scope")
            return await self._live(Subject(uuid.UUID(str(claims["sub"])), list(claims.get("amr", [])),
                                            _time(claims.get("auth_time", claims["iat"])),
                                            str(scope).split() if isinstance(scope, str) else None,
                                            _uuid(claims.get("sid"))))
        if kind == ID_TOKEN:
            try:
                claims = await self._codec.verify_signed(token)
            except InvalidToken:
                raise OAuthError("invalid_grant", "The subject ID token is invalid or expired") from None
            if claims.get("aud") != client.client_id or "client_id" in claims:  # an ID token names no client_id
                raise OAuthError("invalid_grant", "The subject ID token was not issued to this client")
            return await self._live(Subject(uuid.UUID(str(claims["sub"])), list(claims.get("amr", [])),
                                            _time(claims.get("auth_time", claims["iat"])), None,
                                            _uuid(claims.get("sid"))))
        raise OAuthError("invalid_request", f"Unsupported subject_token_type {kind}")

    async def _live(self, subject: Subject) -> Subject:
        if subject.session_id is not None:
            async with self._db.read() as session:
                if not await tokens_repo.family_is_live(session, subject.session_id, self._clock()):
                    raise OAuthError("invalid_grant", "The subject token's session has ended")
        return subject


def _of_user(claims: dict[str, Any], client_id: str) -> bool:
    """A user's access token: first-party (Hasura claims, no client) or this client's (not a client's own)."""
    if claims.get("sub") == claims.get("client_id"):
        return False
    owner = claims.get("client_id")
    return owner is None or owner == client_id


def _time(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value), UTC)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
