"""Managing users as an administrator: the one service behind the admin API and `authward users`.

Every change runs in one unit of work with its audit row, which names the acting admin (`actor`).
Disabling a user revokes every refresh token and PAT in the same transaction, so the account is shut at
once: sign-in, refresh and every route that loads the user answer `disabled-user`. Access tokens already
issued stay valid signatures until they expire, but no route that reads the user honours them, and the
stateless token checks refuse them too: at once on this instance, on every instance with Redis (see
security/revocations.py, docs/admin.md and docs/production.md). Deleting a user cascades to its sessions,
tickets, credentials, PATs, provider links and consents (foreign keys with ON DELETE CASCADE; SQLite
enforces them, see storage/db.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, as_utc, utc_now
from authward.errors import AuthError, ErrorCode
from authward.security.passwords import PasswordHasher
from authward.security.redirects import RedirectPolicy
from authward.security.revocations import Revocations
from authward.services import audit
from authward.services.admin.actor import Actor
from authward.services.core import Core
from authward.services.invitations import Invitation, InvitationService
from authward.services.password_policy import check_password_policy
from authward.services.recovery_codes import CREDENTIAL_TYPE as RECOVERY_CREDENTIAL
from authward.services.sign_in_policy import MFA_TYPE_TOTP
from authward.services.ticket_mail import TicketMail, recipient_of
from authward.services.tickets import TicketKind, TicketOwner
from authward.services.user_removal import deleting_user
from authward.services.users import (
    ProfileOptions,
    new_user,
    normalise_email,
    resolve_locale,
    resolve_roles,
    valid_display_name,
)
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import RefreshToken, User
from authward.storage.repos import credentials as credentials_repo
from authward.storage.repos import personal_access_tokens as pats_repo
from authward.storage.repos import refresh_tokens as tokens_repo
from authward.storage.repos import users as users_repo
from authward.storage.repos.users import UserFilter

TOTP_CREDENTIAL = "totp"  # methods/totp/verifier.py's credential type (a method's, named here to remove it)
MAX_PAGE = 500


def _no_such_user() -> AuthError:
    return AuthError(ErrorCode.NOT_FOUND, "No such user")


@dataclass
class NewUser:
    """`POST /admin/users`: with or without a password, verified or not."""

    email: str
    password: str | None = None
    email_verified: bool = False
    roles: list[str] | None = None
    default_role: str | None = None
    display_name: str | None = None
    locale: str | None = None
    phone_number: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class UserChanges:
    """`PATCH /admin/users/{id}`: only the fields given (not None) change."""

    display_name: str | None = None
    avatar_url: str | None = None
    locale: str | None = None
    roles: list[str] | None = None
    default_role: str | None = None
    metadata: dict[str, Any] | None = None
    email: str | None = None
    email_verified: bool | None = None
    phone_number: str | None = None
    phone_number_verified: bool | None = None
    password: str | None = None

    def given(self) -> list[str]:
        return [name for name, value in vars(self).items() if value is not None and name != "password"] + (
            ["password"] if self.password is not None else [])


@dataclass(frozen=True)
class UserPage:
    users: list[User]
    total: int


@dataclass(frozen=True)
class SessionView:
    """A live session of a user: its family id, device, when it began and when it was last used."""

    id: uuid.UUID
    user_agent: str | None
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    amr: list[str]
    client_id: str | None

    @classmethod
    def of(cls, row: RefreshToken) -> SessionView:
        return cls(row.family_id, row.user_agent, row.auth_time, row.created_at, row.expires_at, list(row.amr),
                   row.client_id)


def parse_user_id(raw: str | uuid.UUID) -> uuid.UUID:
    """A user id from a path or an argument; anything else is `not-found` (no user has that id)."""
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise AuthError(ErrorCode.NOT_FOUND, "No such user") from exc


class UserAdmin:
    def __init__(self, db: Database, hasher: PasswordHasher, mail: TicketMail, redirects: RedirectPolicy,
                 settings: Settings, clock: Clock = utc_now, invitations: InvitationService | None = None,
                 revocations: Revocations | None = None) -> None:
        self._db = db
        self._revocations = revocations
        self.invitations = invitations or InvitationService(db, hasher, mail, settings, clock)
        self._hasher = hasher
        self._mail = mail
        self._redirects = redirects
        self._settings = settings
        self._clock = clock

    # -- reading
    async def search(self, filters: UserFilter, limit: int = 50, offset: int = 0) -> UserPage:
        limit = max(1, min(limit, MAX_PAGE))
        filters = replace(filters, created_after=as_utc(filters.created_after),
                          created_before=as_utc(filters.created_before))
        async with self._db.read() as session:
            return UserPage(await users_repo.search(session, filters, limit, max(0, offset)),
                            await users_repo.count(session, filters))

    async def get(self, user_id: str | uuid.UUID) -> User:
        async with self._db.read() as session:
            return await self._existing(session, parse_user_id(user_id))

    async def sessions(self, user_id: str | uuid.UUID) -> list[SessionView]:
        async with self._db.read() as session:
            user = await self._existing(session, parse_user_id(user_id))
            return [SessionView.of(row) for row in await tokens_repo.live_sessions(session, user.id, self._clock())]

    async def find_by_email(self, email: str) -> User | None:
        async with self._db.read() as session:
            return await users_repo.get_by_email(session, normalise_email(email))

    # -- creating and changing
    async def create(self, spec: NewUser, actor: Actor) -> User:
        email = normalise_email(spec.email)
        if spec.password is not None:
            check_password_policy(self._settings, spec.password)
        options = ProfileOptions(display_name=spec.display_name, locale=spec.locale, default_role=spec.default_role,
                                 allowed_roles=spec.roles, metadata=spec.metadata)
        user = new_user(self._settings, options, email=email, clock=self._clock, by_admin=True)
        user.disabled = False  # an admin's user is enabled (AUTHWARD_DISABLE_NEW_USERS is for sign-ups)
        user.email_verified = spec.email_verified
        user.phone_number = spec.phone_number
        if spec.password is not None:
            user.password_hash = await self._hasher.hash(spec.password)
        try:
            async with self._db.write() as session:
                if await users_repo.email_taken(session, email):
                    raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE)
                await users_repo.add(session, user)
                audit.record(session, "admin.user_created", self._clock(), user.id, actor=actor.label,
                             email_verified=spec.email_verified, with_password=spec.password is not None)
        except IntegrityError as exc:  # a concurrent sign-up won the address (or the phone number)
            raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE) from exc
        return user

    async def update(self, user_id: str | uuid.UUID, changes: UserChanges, actor: Actor) -> User:
        uid = parse_user_id(user_id)
        if changes.password is not None:
            check_password_policy(self._settings, changes.password)
        password_hash = await self._hasher.hash(changes.password) if changes.password is not None else None
        try:
            async with self._db.write() as session:
                user = await self._locked(session, uid)
                now = self._clock()
                await self._apply(session, user, changes, now, actor)
                if password_hash is not None:
                    user.password_hash = password_hash
                    await _shut_credentials(session, user.id, now)
                    audit.record(session, "user.password_changed", now, user.id, actor=actor.label, via="admin")
                user.updated_at = now
                audit.record(session, "admin.user_updated", now, user.id, actor=actor.label, fields=changes.given())
        except IntegrityError as exc:
            raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE, "That email or phone number is another user's") from exc
        return user

    async def _apply(self, session: AsyncSession, user: User, changes: UserChanges, now: datetime,
                     actor: Actor) -> None:
        if changes.display_name is not None:
            if not valid_display_name(changes.display_name):
                raise AuthError(ErrorCode.INVALID_REQUEST, "Invalid display name")
            user.display_name = changes.display_name
        if changes.avatar_url is not None:
            user.avatar_url = changes.avatar_url
        if changes.locale is not None:
            user.locale = resolve_locale(self._settings, changes.locale)
        if changes.roles is not None or changes.default_role is not None:
            roles = changes.roles if changes.roles is not None else list(user.roles)
            user.default_role, user.roles = resolve_roles(
                self._settings, changes.default_role or user.default_role, roles, by_admin=True)
        if changes.metadata is not None:
            user.user_metadata = changes.metadata
        if changes.email is not None:
            email = normalise_email(changes.email)
            if email != user.email:
                if await users_repo.email_taken_by_other(session, email, user.id):
                    raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE)
                audit.record(session, "user.email_changed", now, user.id, actor=actor.label, previous=user.email)
                user.email, user.new_email = email, None
        if changes.email_verified is not None:
            user.email_verified = changes.email_verified
        if changes.phone_number is not None:
            user.phone_number = changes.phone_number or None
        if changes.phone_number_verified is not None:
            user.phone_number_verified = changes.phone_number_verified

    async def set_disabled(self, user_id: str | uuid.UUID, disabled: bool, actor: Actor) -> User:
        """Disable (every refresh token and PAT revoked in the same transaction) or enable a user."""
        async with self._db.write() as session:
            user = await self._locked(session, parse_user_id(user_id))
            now = self._clock()
            user.disabled = disabled
            user.updated_at = now
            if disabled:
                sessions, pats = await _shut_credentials(session, user.id, now)
                audit.record(session, "admin.user_disabled", now, user.id, actor=actor.label,
                             sessions_revoked=sessions, pats_revoked=pats)
            else:
                audit.record(session, "admin.user_enabled", now, user.id, actor=actor.label)
        if self._revocations is not None:  # after the commit: the token checks that read no user row
            if disabled:
                await self._revocations.revoke_user(user.id)
            else:
                await self._revocations.restore_user(user.id)
        return user

    async def delete(self, user_id: str | uuid.UUID, actor: Actor) -> None:
        uid = parse_user_id(user_id)
        async with deleting_user(self._db, self._revocations, uid, _no_such_user) as (session, user):
            audit.record(session, "admin.user_deleted", self._clock(), uid, actor=actor.label,
                         email=user.email)

    async def revoke_sessions(self, user_id: str | uuid.UUID, actor: Actor) -> int:
        async with self._db.write() as session:
            user = await self._existing(session, parse_user_id(user_id))
            revoked = await tokens_repo.revoke_all_for_user(session, user.id)
            audit.record(session, "admin.sessions_revoked", self._clock(), user.id, actor=actor.label,
                         revoked=revoked)
        return revoked

    async def remove_mfa(self, user_id: str | uuid.UUID, actor: Actor) -> bool:
        """Remove the user's TOTP and recovery codes (a lost phone); False when none was active."""
        async with self._db.write() as session:
            user = await self._locked(session, parse_user_id(user_id))
            now = self._clock()
            removed = await credentials_repo.delete_for_user(session, user.id, [TOTP_CREDENTIAL, RECOVERY_CREDENTIAL])
            await self._mail.tickets.retire(session, TicketKind.MFA_TOTP, TicketOwner(user_id=user.id))
            was_active = user.active_mfa_type == MFA_TYPE_TOTP
            await users_repo.set_active_mfa_type(session, user.id, None, now)
            user.active_mfa_type = None
            if was_active or removed:
                audit.record(session, "mfa.totp.deactivated", now, user.id, actor=actor.label, method="admin")
        return was_active

    async def send_password_reset(self, user_id: str | uuid.UUID, redirect_to: str | None, actor: Actor) -> None:
        """Mail the user a reset link (the very mail of `POST /user/password/reset`), delivered after the commit."""
        redirect = self._redirects.resolve(redirect_to)
        async with self._db.write() as session:
            user = await self._existing(session, parse_user_id(user_id))
            if user.email is None:
                raise AuthError(ErrorCode.INVALID_REQUEST, "The user has no email address")
            if user.disabled:
                raise AuthError(ErrorCode.DISABLED_USER)
            message_id = await self._mail.stage_link(
                session, TicketKind.PASSWORD_RESET, self._settings.email.link_expires_in, recipient_of(user),
                redirect, user_id=user.id,
            )
            audit.record(session, "admin.password_reset_sent", self._clock(), user.id, actor=actor.label)
        await self._mail.dispatch(message_id)

    async def invite(self, invitation: Invitation, actor: Actor) -> User:
        """Create the account and mail the invitee a link to choose a password (services/invitations.py)."""
        return await self.invitations.invite(invitation, actor.label)

    # -- rows
    async def _existing(self, session: AsyncSession, user_id: uuid.UUID) -> User:
        user = await users_repo.get(session, user_id)
        if user is None:
            raise _no_such_user()
        return user

    async def _locked(self, session: AsyncSession, user_id: uuid.UUID) -> User:
        user = await users_repo.get_for_update(session, user_id)
        if user is None:
            raise _no_such_user()
        return user


async def _shut_credentials(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> tuple[int, int]:
    """Revoke every refresh token and PAT of the user (disabled, or a password set by an admin)."""
    return (await tokens_repo.revoke_all_for_user(session, user_id),
            await pats_repo.revoke_all_for_user(session, user_id, now))


def build_user_admin(core: Core) -> UserAdmin:
    """The service from a running server's core (the admin face) or the CLI's (`authward users`)."""
    return UserAdmin(core.db, core.hasher, core.mail, core.redirects, core.settings, core.clock,
                     revocations=core.revocations)
