"""The single issuer of sessions: mints access tokens, issues and rotates refresh tokens.

Only the sign-in completion (services/sign_in.py) calls `SessionService.issue(...)`; no other code
creates a token. A refresh re-applies the sign-in policy (a user disabled since is refused).

Refresh tokens are 256-bit random values, stored only as SHA-256. Rotation creates a child row in
the same family. Reuse of a rotated token inside `refresh_token_reuse_interval` returns the same
successor (its value is derived from the presented token with a keyed HMAC, so no plaintext is
stored); later reuse revokes the whole family (RFC 9700 §4.14).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.security.jwt import AccessTokenCodec
from authward.security.secrets_at_rest import format_token, hash_secret
from authward.services import audit
from authward.services.claims import AccessClaims, TokenGrant
from authward.services.sign_in_policy import SignInPolicy
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import RefreshToken, User
from authward.storage.repos import refresh_tokens as tokens_repo
from authward.storage.repos import users as users_repo

# How far a chain of rotations inside the reuse interval is followed to its live end.
MAX_SUCCESSOR_WALK = 16


@dataclass(frozen=True)
class IssuedSession:
    access_token: str
    access_token_expires_in: int
    refresh_token: str
    refresh_token_id: uuid.UUID
    user: User


class SessionService:
    def __init__(self, db: Database, codec: AccessTokenCodec, claims: AccessClaims, policy: SignInPolicy,
                 settings: Settings, successor_key: bytes, clock: Clock = utc_now) -> None:
        self._db = db
        self._codec = codec
        self._claims = claims
        self._policy = policy
        self._settings = settings
        self._successor_key = successor_key
        self._clock = clock

    # -- issuing
    async def issue(
        self,
        session: AsyncSession,
        user: User,
        grant: TokenGrant,
        *,
        elevated: bool = False,
    ) -> IssuedSession:
        """Start a new session (a new refresh-token family) inside the caller's unit of work.

        `elevated=True` only for a fresh authentication (see services/elevation.py): the access
        token then carries `x-hasura-auth-elevated`; tokens refreshed from it do not.
        """
        now = self._clock()
        token = format_token(secrets.token_bytes(32))
        family_id = uuid.uuid4()
        row = RefreshToken(
            id=uuid.uuid4(),
            family_id=family_id,
            parent_id=None,
            user_id=user.id,
            token_hash=hash_secret(token),
            status="active",
            created_at=now,
            expires_at=self._sliding_expiry(now, now + self._absolute),
            family_expires_at=now + self._absolute,
            amr=list(grant.amr),
            auth_time=now,
            user_agent=(grant.user_agent or "")[:512] or None,
            client_id=grant.client_id,
            scopes=list(grant.scopes) if grant.client_id is not None else None,
        )
        await tokens_repo.add(session, row)
        await users_repo.touch_last_seen(session, user.id, now)
        audit.record(session, "session.issued", now, user.id, amr=row.amr, family_id=str(family_id),
                     client_id=grant.client_id)
        return self._session(user, row, token, now, elevated=elevated)

    @property
    def _absolute(self) -> timedelta:
        return timedelta(seconds=self._settings.tokens.refresh_token_absolute_lifetime)

    def _sliding_expiry(self, now: datetime, family_expires_at: datetime) -> datetime:
        return min(now + timedelta(seconds=self._settings.tokens.refresh_token_expires_in), family_expires_at)

    def _session(
        self, user: User, row: RefreshToken, token: str, now: datetime, *, elevated: bool = False
    ) -> IssuedSession:
        ttl = self._settings.tokens.access_token_expires_in
        grant = TokenGrant(amr=list(row.amr), client_id=row.client_id, scopes=tuple(row.scopes or ()))
        claims = self._claims.build(user, grant, row.auth_time, now, ttl, elevated=elevated)
        # refreshTokenId names the session (the family): stable across rotations, as Nhost's.
        return IssuedSession(self._codec.encode(claims), ttl, token, row.family_id, user)

    # -- rotation
    def successor_of(self, token: str) -> str:
        return format_token(hmac.new(self._successor_key, token.encode(), hashlib.sha256).digest())

    async def refresh(self, token: str) -> IssuedSession:
        """Rotate `token`. Failures that revoke a family commit the revocation before raising."""
        async with self._db.write() as session:
            outcome = await self._rotate(session, token)
        if isinstance(outcome, AuthError):
            raise outcome
        return outcome

    async def _rotate(self, session: AsyncSession, token: str) -> IssuedSession | AuthError:
        now = self._clock()
        row = await tokens_repo.get_by_hash(session, hash_secret(token))
        if row is None or row.status == "revoked":
            return AuthError(ErrorCode.INVALID_REFRESH_TOKEN)
        if await tokens_repo.lock_family(session, row.family_id):
            row = await tokens_repo.get_by_hash(session, hash_secret(token))  # as it is under the lock
            if row is None or row.status == "revoked":
                return AuthError(ErrorCode.INVALID_REFRESH_TOKEN)
        if row.status == "active":
            if row.expires_at <= now:
                return AuthError(ErrorCode.INVALID_REFRESH_TOKEN)
            user = await self._usable_user(session, row)
            if isinstance(user, AuthError):
                return user
            if await tokens_repo.claim_for_rotation(session, row.id, now):
                return await self._issue_successor(session, row, token, user, now)
            row = await tokens_repo.get_by_hash(session, hash_secret(token))  # lost a race: re-read
            if row is None or row.status != "rotated":
                return AuthError(ErrorCode.INVALID_REFRESH_TOKEN)
        return await self._reuse(session, row, token, now)

    async def _issue_successor(
        self, session: AsyncSession, parent: RefreshToken, token: str, user: User, now: datetime
    ) -> IssuedSession:
        successor = self.successor_of(token)
        child = RefreshToken(
            id=uuid.uuid4(),
            family_id=parent.family_id,
            parent_id=parent.id,
            user_id=parent.user_id,
            token_hash=hash_secret(successor),
            status="active",
            created_at=now,
            expires_at=self._sliding_expiry(now, parent.family_expires_at),
            family_expires_at=parent.family_expires_at,
            amr=parent.amr,
            auth_time=parent.auth_time,
            user_agent=parent.user_agent,
            client_id=parent.client_id,
            scopes=parent.scopes,
        )
        await tokens_repo.add(session, child)
        await users_repo.touch_last_seen(session, user.id, now)
        return self._session(user, child, successor, now)

    async def _reuse(
        self, session: AsyncSession, row: RefreshToken, token: str, now: datetime
    ) -> IssuedSession | AuthError:
        """A rotated token came back: inside the interval, hand out the live successor; else revoke."""
        interval = timedelta(seconds=self._settings.tokens.refresh_token_reuse_interval)
        if interval and row.rotated_at is not None and now - row.rotated_at <= interval:
            current = token
            for _ in range(MAX_SUCCESSOR_WALK):
                current = self.successor_of(current)
                child = await tokens_repo.get_by_hash(session, hash_secret(current))
                if child is None or child.status == "revoked":
                    break
                if child.status == "active":
                    if child.expires_at <= now:
                        break
                    user = await self._usable_user(session, child)
                    if isinstance(user, AuthError):
                        return user
                    return self._session(user, child, current, now)
            return AuthError(ErrorCode.INVALID_REFRESH_TOKEN)
        await tokens_repo.revoke_family(session, row.family_id)
        audit.record(session, "session.reuse_detected", now, row.user_id, family_id=str(row.family_id))
        return AuthError(ErrorCode.INVALID_REFRESH_TOKEN)

    async def _usable_user(self, session: AsyncSession, row: RefreshToken) -> User | AuthError:
        user = await users_repo.get(session, row.user_id)
        if user is None:
            return AuthError(ErrorCode.INVALID_REFRESH_TOKEN)
        return self._policy.refusal(user) or user

    # -- ending
    async def sign_out(self, token: str | None, user_id: uuid.UUID | None, everywhere: bool) -> None:
        """End this session (the token's family), or every session of the user."""
        async with self._db.write() as session:
            now = self._clock()
            if everywhere and user_id is not None:
                await tokens_repo.revoke_all_for_user(session, user_id)
                audit.record(session, "session.signed_out_everywhere", now, user_id)
                return
            if token:
                row = await tokens_repo.get_by_hash(session, hash_secret(token))
                if row is not None:
                    await tokens_repo.revoke_family(session, row.family_id)
                    audit.record(session, "session.signed_out", now, row.user_id)

    async def prune_expired(self) -> int:
        async with self._db.write() as session:
            return await tokens_repo.delete_expired(session, self._clock())
