"""Anonymous users: sign in without credentials, deanonymize keeping the same id, forget the stale ones.

An anonymous user has the single role `anonymous` (the session issuer puts
`x-hasura-user-is-anonymous: "true"` in its tokens). Deanonymizing keeps the user's id, so every row
the application keyed on it stays theirs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.security.breached_passwords import BreachedPasswords
from authward.security.passwords import PasswordHasher
from authward.security.redirects import RedirectPolicy
from authward.services import audit
from authward.services.method_info import ANONYMOUS
from authward.services.password_policy import check_password_policy
from authward.services.sessions import IssuedSession
from authward.services.sign_in import SignInCompletion, SignInContext
from authward.services.ticket_mail import TicketMail, recipient_of
from authward.services.tickets import TicketKind
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
from authward.storage.models import User
from authward.storage.repos import refresh_tokens as tokens_repo
from authward.storage.repos import users as users_repo

ANONYMOUS_ROLE = "anonymous"
ANONYMOUS_DISPLAY_NAME = "Anonymous User"
EMAIL_PASSWORD = "email-password"  # noqa: S105 (a method name, not a secret)
PASSWORDLESS = "passwordless"


@dataclass(frozen=True)
class Deanonymized:
    user: User
    sessions_revoked: bool  # the user must sign in again (through the emailed link) to go on


class AnonymousService:
    def __init__(
        self, db: Database, sign_in: SignInCompletion, hasher: PasswordHasher, settings: Settings,
        clock: Clock = utc_now, *, mail: TicketMail | None = None, redirects: RedirectPolicy | None = None,
        breached: BreachedPasswords | None = None,
    ) -> None:
        self._db = db
        self._sign_in = sign_in
        self._hasher = hasher
        self._settings = settings
        self._clock = clock
        self._mail = mail  # the magic link / verification email after deanonymizing (docs/anonymous.md)
        self._redirects = redirects
        self._breached = breached  # the optional HIBP check of the password set on deanonymizing

    async def sign_in(self, options: ProfileOptions, user_agent: str | None = None) -> IssuedSession | None:
        """A brand-new anonymous user and its session (None when new users start disabled)."""
        if self._settings.users.disable_signup:
            raise AuthError(ErrorCode.SIGNUP_DISABLED)
        if not self._settings.anonymous.enabled:
            raise AuthError(ErrorCode.DISABLED_ENDPOINT, "Anonymous users are disabled")
        profile = ProfileOptions(display_name=options.display_name or ANONYMOUS_DISPLAY_NAME, locale=options.locale,
                                 metadata=options.metadata)
        user = new_user(self._settings, profile, email=None, is_anonymous=True, clock=self._clock)
        user.default_role = ANONYMOUS_ROLE
        user.roles = [ANONYMOUS_ROLE]
        async with self._db.write() as session:
            await users_repo.add(session, user)
            audit.record(session, "user.signed_up", self._clock(), user.id, method=ANONYMOUS.id)
            return await self._sign_in.session_if_eligible(session, user, ANONYMOUS, SignInContext(user_agent))

    async def deanonymize(
        self, user_id: str, method: str, email: str, password: str | None, options: ProfileOptions,
        *, code_challenge: str | None = None,
    ) -> Deanonymized:
        """Give the anonymous user an email (and a password): same id, same data, regular roles.

        The sessions are ended when the user must prove the address first (passwordless, or
        email verification required), so an unproven address cannot be squatted with a live session;
        the magic link (passwordless) or verification link is mailed, and following it signs in.
        """
        uid = _user_uuid(user_id)
        async with self._db.read() as session:
            current = await users_repo.get(session, uid)
        if current is None:
            raise AuthError(ErrorCode.UNAUTHENTICATED)
        if not current.is_anonymous:
            raise AuthError(ErrorCode.USER_NOT_ANONYMOUS)
        if current.disabled:
            raise AuthError(ErrorCode.DISABLED_USER)
        normalised = normalise_email(email)
        if method == EMAIL_PASSWORD:
            if not password:
                raise AuthError(ErrorCode.INVALID_REQUEST, "password is required with signInMethod email-password")
            check_password_policy(self._settings, password)
        default_role, roles = resolve_roles(self._settings, options.default_role, options.allowed_roles)
        locale = resolve_locale(self._settings, options.locale) if options.locale is not None else None
        if options.display_name is not None and not valid_display_name(options.display_name):
            raise AuthError(ErrorCode.INVALID_REQUEST, "Invalid display name")
        redirect_to = self._redirects.resolve(options.redirect_to) if self._redirects is not None else None
        async with self._db.read() as session:
            if await users_repo.email_taken(session, normalised):
                raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE)
        if method == EMAIL_PASSWORD and password and self._breached is not None:
            await self._breached.check(password)
        password_hash = await self._hasher.hash(password) if method == EMAIL_PASSWORD and password else None
        revoke = method == PASSWORDLESS or self._settings.users.email_verification_required
        now = self._clock()
        message_id = None
        try:
            async with self._db.write() as session:
                user = await users_repo.get(session, uid)
                if user is None or not user.is_anonymous:  # changed since the first read
                    raise AuthError(ErrorCode.USER_NOT_ANONYMOUS)
                if await users_repo.email_taken(session, normalised):
                    raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE)
                user.email = normalised
                user.email_verified = False
                user.password_hash = password_hash
                user.is_anonymous = False
                user.default_role = default_role
                user.roles = roles
                if locale is not None:
                    user.locale = locale
                if options.display_name is not None:
                    user.display_name = options.display_name
                elif user.display_name == ANONYMOUS_DISPLAY_NAME:
                    user.display_name = normalised
                if options.metadata:
                    user.user_metadata = {**(user.user_metadata or {}), **options.metadata}
                user.updated_at = now
                await session.flush()
                if revoke:
                    await tokens_repo.revoke_all_for_user(session, uid)
                    message_id = await self._stage_link(session, user, method, redirect_to, code_challenge)
                audit.record(session, "user.deanonymized", now, uid, method=method, sessions_revoked=revoke)
        except IntegrityError as exc:  # a concurrent sign-up took the address
            raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE) from exc
        if self._mail is not None:  # after the commit, never inside it
            await self._mail.dispatch(message_id)
        return Deanonymized(user, revoke)

    async def _stage_link(
        self, session: AsyncSession, user: User, method: str, redirect_to: str | None,
        code_challenge: str | None = None,
    ) -> uuid.UUID | None:
        """The magic link (passwordless) or the verification link, queued in the same unit of work."""
        if self._mail is None or redirect_to is None or user.email is None:
            return None
        if method == PASSWORDLESS:
            return await self._mail.stage_link(
                session, TicketKind.PASSWORDLESS_EMAIL, self._settings.email.link_expires_in, recipient_of(user),
                redirect_to, user_id=user.id, payload={"email": user.email}, code_challenge=code_challenge,
            )
        return await self._mail.stage_link(
            session, TicketKind.VERIFY_EMAIL, self._settings.email.verification_expires_in, recipient_of(user),
            redirect_to, user_id=user.id, code_challenge=code_challenge,
        )

    async def delete_stale(self) -> int:
        """Delete anonymous users unseen for `anonymous_users_max_age` seconds (0 keeps them forever)."""
        max_age = self._settings.anonymous.max_age
        if not max_age:
            return 0
        now = self._clock()
        async with self._db.write() as session:
            deleted = await users_repo.delete_stale_anonymous(session, now - timedelta(seconds=max_age))
            if deleted:
                audit.record(session, "anonymous.deleted_stale", now, None, count=deleted)
        return deleted


def _user_uuid(user_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(user_id)
    except ValueError as exc:
        raise AuthError(ErrorCode.UNAUTHENTICATED) from exc
