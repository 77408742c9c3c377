"""The single issuer of sessions: mints access tokens, issues and rotates refresh tokens.

Only the sign-in completion (services/sign_in.py) calls `SessionService.issue(...)` (or `issue_alone`,
its short write of its own); no other code creates a token. A refresh re-applies the sign-in policy (a
user disabled since is refused).

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
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode, OAuthError
from authward.observability import metrics
from authward.security.jwt import AccessTokenCodec
from authward.security.secrets_at_rest import format_token, hash_secret
from authward.services import audit
from authward.services.claims import AccessClaims, ClientGrant, TokenGrant
from authward.services.sign_in_policy import SignInPolicy
from authward.settings import Settings
from authward.storage.db import Database, DriverTransaction
from authward.storage.models import RefreshToken, User
from authward.storage.repos import refresh_tokens as tokens_repo
from authward.storage.repos import users as users_repo

# How far a chain of rotations inside the reuse interval is followed to its live end.
MAX_SUCCESSOR_WALK = 16
# `last_seen` is a day-to-day figure: a refresh writes it when it is older than this, not on every rotation.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


class _NotTheCommonCase(Exception):
    """The fast rotation found something other than a live token of a usable user: undo, take the full path."""


@dataclass(frozen=True)
class IssuedSession:
    access_token: str
    access_token_expires_in: int
    refresh_token: str
    refresh_token_id: uuid.UUID  # the family: the session's stable id
    user: User
    grant: TokenGrant  # amr, and for a client: its id, scopes, audience
    auth_time: datetime


@dataclass(frozen=True)
class _Rotation:
    """What the caller of a refresh asks for: its client, narrower scopes, its access-token lifetime."""

    client_id: str | None
    scopes: list[str] | None
    access_ttl: int | None


def grant_of(row: RefreshToken) -> TokenGrant:
    """The grant a family's tokens carry (a client's family names its session in `sid`)."""
    if row.client_id is None:
        return TokenGrant(amr=list(row.amr))
    return TokenGrant(amr=list(row.amr), client_id=row.client_id, scopes=tuple(row.scopes or ()),
                      audience=tuple(row.audience or ()), session_id=str(row.family_id))


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
        client: ClientGrant | None = None,
    ) -> IssuedSession:
        """Start a new session (a new refresh-token family) inside the caller's unit of work.

        `elevated=True` only for a fresh authentication (see services/elevation.py): the access
        token then carries `x-hasura-auth-elevated`; tokens refreshed from it do not.
        """
        now = self._clock()
        token = format_token(secrets.token_bytes(32))
        row = RefreshToken(**self._new_family(user.id, token, grant, now, client))
        await tokens_repo.add(session, row)
        await users_repo.touch_last_seen(session, user.id, now)
        audit.add(session, self._issued_entry(row.user_id, row.amr, row.family_id, grant, now))
        return self._session(user, row, token, now, elevated=elevated,
                             access_ttl=client.access_ttl if client else None)

    async def issue_alone(
        self, user: User, grant: TokenGrant, entries: list[audit.Entry], *, elevated: bool = False
    ) -> IssuedSession:
        """`issue` for a first-party session as one short driver transaction of its own, with the sign-in's
        audit `entries`: one INSERT per row, no unit of work. On SQLite it joins the writes waiting to commit
        (storage/group_commit.py); the token is signed after the commit, outside SQLite's write lock."""
        now = self._clock()
        token = format_token(secrets.token_bytes(32))
        values = self._new_family(user.id, token, grant, now, None)
        written = [*entries, self._issued_entry(user.id, values["amr"], values["family_id"], grant, now)]

        async def write(tx: DriverTransaction) -> None:
            await tokens_repo.insert_row(tx, values)
            await users_repo.touch_last_seen_on(tx, user.id, now)
            await audit.write_on(tx, written)

        await self._db.driver_transaction(write)
        return self._session(user, RefreshToken(**values), token, now, elevated=elevated)

    def _new_family(
        self, user_id: uuid.UUID, token: str, grant: TokenGrant, now: datetime, client: ClientGrant | None
    ) -> dict[str, Any]:
        """The column values of a new family's first token."""
        lifetime = timedelta(seconds=client.refresh_ttl) if client and client.refresh_ttl else self._absolute
        return {
            "id": uuid.uuid4(),
            "family_id": uuid.uuid4(),
            "parent_id": None,
            "user_id": user_id,
            "token_hash": hash_secret(token),
            "status": "active",
            "created_at": now,
            "expires_at": self._sliding_expiry(now, now + lifetime),
            "family_expires_at": now + lifetime,
            "rotated_at": None,
            "amr": list(grant.amr),
            "auth_time": client.auth_time if client and client.auth_time else now,
            "user_agent": (grant.user_agent or "")[:512] or None,
            "client_id": grant.client_id,
            "scopes": list(grant.scopes) if grant.client_id is not None else None,
            "audience": list(grant.audience) if grant.client_id is not None else None,
        }

    @staticmethod
    def _issued_entry(
        user_id: uuid.UUID, amr: list[str], family_id: uuid.UUID, grant: TokenGrant, now: datetime
    ) -> audit.Entry:
        return audit.entry("session.issued", now, user_id, amr=amr, family_id=str(family_id),
                           client_id=grant.client_id)

    @property
    def _absolute(self) -> timedelta:
        return timedelta(seconds=self._settings.tokens.refresh_token_absolute_lifetime)

    def _sliding_expiry(self, now: datetime, family_expires_at: datetime) -> datetime:
        return min(now + timedelta(seconds=self._settings.tokens.refresh_token_expires_in), family_expires_at)

    def _session(
        self, user: User, row: RefreshToken, token: str, now: datetime, *, elevated: bool = False,
        access_ttl: int | None = None,
    ) -> IssuedSession:
        ttl = access_ttl or self._settings.tokens.access_token_expires_in
        grant = grant_of(row)
        claims = self._claims.build(user, grant, row.auth_time, now, ttl, elevated=elevated)
        # refreshTokenId names the session (the family): stable across rotations, as Nhost's.
        metrics.token_issued("session")
        return IssuedSession(self._codec.encode(claims), ttl, token, row.family_id, user, grant, row.auth_time)

    def mint_user_token(self, user: User, grant: TokenGrant, auth_time: datetime, ttl: int) -> str:
        """An access token for a user without a new session (RFC 8693 exchange: the subject's session stays)."""
        metrics.token_issued("user")
        return self._codec.encode(self._claims.build(user, grant, auth_time, self._clock(), ttl))

    def mint_client_token(self, client_id: str, scopes: tuple[str, ...], audience: tuple[str, ...], ttl: int) -> str:
        """An access token for a client acting for itself (client_credentials): no session, no refresh."""
        metrics.token_issued("client")
        return self._codec.encode(self._claims.build_for_client(client_id, scopes, audience, self._clock(), ttl))

    # -- rotation
    def successor_of(self, token: str) -> str:
        return format_token(hmac.new(self._successor_key, token.encode(), hashlib.sha256).digest())

    async def refresh(
        self, token: str, *, client_id: str | None = None, scopes: list[str] | None = None,
        access_ttl: int | None = None,
    ) -> IssuedSession:
        """Rotate `token`. Failures that revoke a family commit the revocation before raising.

        The family must belong to `client_id` (None: a first-party session of the Nhost face), so a
        client's refresh token works only with that client's authentication. `scopes` narrows the
        family's scopes (never widens: `invalid_scope`).
        """
        if scopes is None:
            issued = await self._rotate_live(token, client_id, access_ttl)
            if issued is not None:
                return issued
        async with self._db.write() as session:
            outcome = await self.rotate(session, token, client_id=client_id, scopes=scopes, access_ttl=access_ttl)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def _rotate_live(self, token: str, client_id: str | None, access_ttl: int | None) -> IssuedSession | None:
        """The common refresh (a live token, a usable user) as one conditional UPDATE and one INSERT.

        Anything else (reuse, revoked, expired, a refused user) rolls back and answers None: `_rotate`
        then tells what it is. The token is signed after the commit, outside SQLite's write lock.
        """
        now = self._clock()
        token_hash, successor = hash_secret(token), self.successor_of(token)

        async def rotate(tx: DriverTransaction) -> tuple[Any, dict[str, Any]]:
            parent = await tokens_repo.claim_active(tx, token_hash, client_id, now)
            if parent is None:
                raise _NotTheCommonCase
            user = await users_repo.view_on(tx, parent.user_id)
            if user is None or self._policy.refusal(user) is not None:
                raise _NotTheCommonCase
            child = self._successor_row(parent, successor, now, parent.scopes)
            await tokens_repo.insert_row(tx, child)
            if user.last_seen is None or now - user.last_seen >= LAST_SEEN_RESOLUTION:
                await users_repo.touch_last_seen_on(tx, user.id, now)
            return user, child

        try:
            user, child = await self._db.driver_transaction(rotate)
        except _NotTheCommonCase:
            return None
        return self._session(user, RefreshToken(**child), successor, now, access_ttl=access_ttl)

    def _successor_row(self, parent: Any, successor: str, now: datetime, scopes: list[str] | None) -> dict[str, Any]:
        """The column values of `parent`'s successor (same family, same grant, a sliding expiry)."""
        return {
            "id": uuid.uuid4(),
            "family_id": parent.family_id,
            "parent_id": parent.id,
            "user_id": parent.user_id,
            "token_hash": hash_secret(successor),
            "status": "active",
            "created_at": now,
            "expires_at": self._sliding_expiry(now, parent.family_expires_at),
            "family_expires_at": parent.family_expires_at,
            "rotated_at": None,
            "amr": parent.amr,
            "auth_time": parent.auth_time,
            "user_agent": parent.user_agent,
            "client_id": parent.client_id,
            "scopes": scopes,
            "audience": parent.audience,
        }

    async def rotate(
        self, session: AsyncSession, token: str, *, client_id: str | None = None, scopes: list[str] | None = None,
        access_ttl: int | None = None,
    ) -> IssuedSession | AuthError | OAuthError:
        """`refresh` inside the caller's unit of work; errors are returned: commit, then raise them."""
        return await self._rotate(session, token, _Rotation(client_id, scopes, access_ttl))

    async def _rotate(
        self, session: AsyncSession, token: str, ask: _Rotation
    ) -> IssuedSession | AuthError | OAuthError:
        now = self._clock()
        row = await tokens_repo.get_by_hash(session, hash_secret(token))
        if row is None or row.client_id != ask.client_id:
            return AuthError(ErrorCode.INVALID_REFRESH_TOKEN)
        if row.status == "revoked":
            return await self._revoked(session, row)
        if ask.scopes is not None and not set(ask.scopes) <= set(row.scopes or ()):
            return OAuthError("invalid_scope", "A refresh can only narrow the scopes granted")
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
                return await self._issue_successor(session, row, token, user, now, ask)
            row = await tokens_repo.get_by_hash(session, hash_secret(token))  # lost a race: re-read
            if row is None or row.status != "rotated":
                return AuthError(ErrorCode.INVALID_REFRESH_TOKEN)
        return await self._reuse(session, row, token, now, ask)

    async def _issue_successor(
        self, session: AsyncSession, parent: RefreshToken, token: str, user: User, now: datetime, ask: _Rotation
    ) -> IssuedSession:
        successor = self.successor_of(token)
        scopes = list(ask.scopes) if ask.scopes is not None else parent.scopes
        child = RefreshToken(**self._successor_row(parent, successor, now, scopes))
        await tokens_repo.add(session, child)
        await users_repo.touch_last_seen(session, user.id, now)
        return self._session(user, child, successor, now, access_ttl=ask.access_ttl)

    async def _reuse(
        self, session: AsyncSession, row: RefreshToken, token: str, now: datetime, ask: _Rotation
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
                    return self._session(user, child, current, now, access_ttl=ask.access_ttl)
            return AuthError(ErrorCode.INVALID_REFRESH_TOKEN)
        await tokens_repo.revoke_family(session, row.family_id)
        audit.record(session, "session.reuse_detected", now, row.user_id, family_id=str(row.family_id))
        return AuthError(ErrorCode.INVALID_REFRESH_TOKEN)

    async def _revoked(self, session: AsyncSession, row: RefreshToken) -> AuthError:
        """A revoked token: `disabled-user` when an admin disabled its user (which revoked it), else invalid."""
        user = await users_repo.get(session, row.user_id)
        if user is not None and user.disabled:
            return AuthError(ErrorCode.DISABLED_USER)
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
