"""What the GDPR asks for, done by the signed-in user: delete their own account, download their own data.

Deleting (`DELETE /user`, behind the elevation rule of services/elevation.py) removes the user row, and
with it, by ON DELETE CASCADE, every session, ticket, credential (TOTP, recovery codes, security keys), PAT,
provider link and consent; a confirmation mail is queued in the same unit of work and goes after the commit.
Like every deletion it goes through services/user_removal.py, so the user's access tokens still in flight
are refused at once (`/token/verify` too), on every instance with Redis.
The audit trail stays (it names the user by id only) until AUTHWARD_AUDIT_RETENTION_DAYS prunes it.

The export (`GET /user/export`) gathers the profile, live sessions, linked providers, security keys, PATs
and the user's audit events: no secret, hash or key material (PATs and sessions by their ids and dates,
providers without their tokens, keys without their public key).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from authward.clock import Clock, utc_now
from authward.delivery.templates import Template
from authward.errors import AuthError, ErrorCode
from authward.security.revocations import Revocations
from authward.services import audit
from authward.services.ticket_mail import TicketMail, recipient_of
from authward.services.user_removal import deleting_user
from authward.storage.db import Database
from authward.storage.models import AuditEvent, Credential, PersonalAccessToken, ProviderLink, RefreshToken, User
from authward.storage.repos import personal_access_tokens as pats_repo
from authward.storage.repos import refresh_tokens as tokens_repo
from authward.storage.repos import users as users_repo

SECURITY_KEY_CREDENTIAL = "webauthn"  # methods/webauthn/keys.py's credential type
EXPORTED_EVENTS = 10_000


@dataclass(frozen=True)
class AccountExport:
    user: User
    sessions: list[RefreshToken]
    providers: list[ProviderLink]
    security_keys: list[Credential]
    personal_access_tokens: list[PersonalAccessToken]
    events: list[AuditEvent]


def _uid(user_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(user_id)
    except ValueError as exc:
        raise AuthError(ErrorCode.UNAUTHENTICATED) from exc


def _unauthenticated() -> AuthError:
    """A token whose user is gone is no authentication."""
    return AuthError(ErrorCode.UNAUTHENTICATED)


class SelfService:
    def __init__(self, db: Database, mail: TicketMail, clock: Clock = utc_now,
                 revocations: Revocations | None = None) -> None:
        self._db = db
        self._revocations = revocations
        self._mail = mail
        self._clock = clock

    async def delete_account(self, user_id: str) -> None:
        """Delete the signed-in user and everything of theirs; mail them a confirmation."""
        uid = _uid(user_id)
        message_id = None
        async with deleting_user(self._db, self._revocations, uid, _unauthenticated) as (session, user):
            if user.disabled:
                raise AuthError(ErrorCode.DISABLED_USER)
            if user.email is not None:
                email = self._mail.composer.plain_email(recipient_of(user), Template.ACCOUNT_DELETED)
                message_id = await self._mail.postman.stage(session, email)
            audit.record(session, "user.deleted_self", self._clock(), uid)
        await self._mail.dispatch(message_id)

    async def export(self, user_id: str) -> AccountExport:
        uid = _uid(user_id)
        async with self._db.read() as session:
            user = await users_repo.get(session, uid)
            if user is None:
                raise AuthError(ErrorCode.UNAUTHENTICATED)
            if user.disabled:
                raise AuthError(ErrorCode.DISABLED_USER)
            return AccountExport(
                user=user,
                sessions=await tokens_repo.live_sessions(session, uid, self._clock()),
                providers=list(await _all(session, select(ProviderLink).where(ProviderLink.user_id == uid))),
                security_keys=list(await _all(session, select(Credential).where(
                    Credential.user_id == uid, Credential.type == SECURITY_KEY_CREDENTIAL))),
                personal_access_tokens=await pats_repo.list_all(session, uid),
                events=await audit.find(session, audit.AuditQuery(user_id=uid, limit=EXPORTED_EVENTS)),
            )


async def _all(session: Any, stmt: Any) -> list[Any]:
    return list((await session.scalars(stmt)).all())
