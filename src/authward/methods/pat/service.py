"""Personal access tokens: created once (the value is shown once), stored as SHA-256, revocable.

A PAT is not a session: `sign_in` exchanges it for an ordinary session whose amr is ["pat"]
(through the sign-in completion; why a PAT skips the second factor is in services/method_info.py).
Revoking a PAT also ends the user's live sessions opened with a PAT (a refresh token does not
record which PAT opened it, so all of them go; scripts simply sign in again with their token).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.security.secrets_at_rest import format_token, hash_secret
from authward.services import audit
from authward.services.method_info import PAT, PAT_AMR
from authward.services.security_notices import Notice, SecurityNotices
from authward.services.sessions import IssuedSession
from authward.services.sign_in import MfaChallenge, SignInCompletion, SignInContext
from authward.services.users import load_registered_user
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import PersonalAccessToken
from authward.storage.repos import personal_access_tokens as pats_repo
from authward.storage.repos import refresh_tokens as tokens_repo
from authward.storage.repos import users as users_repo


@dataclass(frozen=True)
class CreatedPat:
    id: uuid.UUID
    token: str  # returned to the caller once, never stored


class PatService:
    def __init__(self, db: Database, sign_in: SignInCompletion, settings: Settings, clock: Clock = utc_now,
                 notices: SecurityNotices | None = None) -> None:
        self._notices = notices  # a PAT created: a mail to the account (services/security_notices.py)
        self._db = db
        self._sign_in = sign_in
        self._settings = settings
        self._clock = clock

    async def create(self, user_id: str, expires_at: datetime, metadata: dict[str, Any],
                     session_amr: list[str] | None = None) -> CreatedPat:
        """A new PAT; never from a PAT session, never beyond AUTHWARD_PAT_MAX_LIFETIME."""
        if session_amr is not None and PAT_AMR in session_amr:
            raise AuthError(ErrorCode.ELEVATION_REQUIRED, "A personal access token cannot create another one")
        user = await load_registered_user(self._db, user_id)
        now = self._clock()
        if expires_at <= now:
            raise AuthError(ErrorCode.INVALID_REQUEST, "expiresAt must be in the future")
        max_lifetime = self._settings.security.pat_max_lifetime
        if expires_at > now + timedelta(seconds=max_lifetime):
            raise AuthError(ErrorCode.INVALID_REQUEST,
                            f"expiresAt is beyond the longest lifetime of a PAT ({max_lifetime // 86_400} days)")
        token = format_token(secrets.token_bytes(32))
        row = PersonalAccessToken(
            id=uuid.uuid4(), user_id=user.id, token_hash=hash_secret(token), created_at=now, expires_at=expires_at,
            revoked_at=None, last_used_at=None, token_metadata=metadata,
        )
        async with self._db.write() as session:
            await pats_repo.add(session, row)
            audit.record(session, "pat.created", now, user.id, pat_id=str(row.id))
            notice = await self._notices.stage(session, user, Notice.PAT_CREATED) if self._notices else None
        if self._notices is not None:
            await self._notices.dispatch(notice)
        return CreatedPat(row.id, token)

    async def list_tokens(self, user_id: str) -> list[PersonalAccessToken]:
        user = await load_registered_user(self._db, user_id)
        async with self._db.read() as session:
            return await pats_repo.list_unrevoked(session, user.id)

    async def revoke(self, user_id: str, token_id: str) -> None:
        """Idempotent for the owner; another user's token (or none) is `not-found`."""
        user = await load_registered_user(self._db, user_id)
        try:
            pat_id = uuid.UUID(token_id)
        except ValueError as exc:
            raise AuthError(ErrorCode.NOT_FOUND, "No such personal access token") from exc
        now = self._clock()
        async with self._db.write() as session:
            if not await pats_repo.owned_by(session, pat_id, user.id):
                raise AuthError(ErrorCode.NOT_FOUND, "No such personal access token")
            if await pats_repo.revoke(session, pat_id, user.id, now):
                for family_id in await tokens_repo.live_families_with_amr(session, user.id, PAT_AMR):
                    await tokens_repo.revoke_family(session, family_id)
                audit.record(session, "pat.revoked", now, user.id, pat_id=str(pat_id))

    async def sign_in(self, token: str, user_agent: str | None = None) -> IssuedSession | MfaChallenge:
        """Unknown, revoked and expired tokens get the same answer: `invalid-pat` (`disabled-user` for a disabled
        owner's token, revoked when the owner was disabled).

        A user with MFA gets an MFA challenge unless AUTHWARD_PAT_SKIPS_MFA (the sign-in policy decides)."""
        now = self._clock()
        async with self._db.write() as session:
            row = await pats_repo.get_by_hash(session, hash_secret(token))
            if row is None or row.expires_at <= now:
                raise AuthError(ErrorCode.INVALID_PAT)
            user = await users_repo.get(session, row.user_id)
            if user is None:
                raise AuthError(ErrorCode.INVALID_PAT)
            if row.revoked_at is not None:  # revoked by disabling the user: say so, as a refresh does
                raise AuthError(ErrorCode.DISABLED_USER if user.disabled else ErrorCode.INVALID_PAT)
            await pats_repo.touch_last_used(session, row.id, now)
            context = SignInContext(user_agent, audit={"pat_id": str(row.id)})
            return await self._sign_in.complete(session, user, PAT, context)
