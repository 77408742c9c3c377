"""Email + password rules. Hashing happens outside the write transaction (it is slow)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from authward.errors import AuthError, ErrorCode
from authward.methods.base import PASSWORD
from authward.methods.totp.challenge import MfaChallenge, open_challenge, requires_second_factor
from authward.security.passwords import PasswordHasher
from authward.services import audit
from authward.services.clock import Clock, utc_now
from authward.services.email_verification import EmailVerificationService
from authward.services.sessions import IssuedSession, SessionService
from authward.services.users import ProfileOptions, new_user, normalise_email
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import User
from authward.storage.repos import users as users_repo


@dataclass(frozen=True)
class SignUpResult:
    user: User
    session: IssuedSession | None


class PasswordService:
    def __init__(
        self, db: Database, sessions: SessionService, hasher: PasswordHasher, settings: Settings,
        clock: Clock = utc_now, verification: EmailVerificationService | None = None,
    ) -> None:
        self._db = db
        self._sessions = sessions
        self._hasher = hasher
        self._settings = settings
        self._clock = clock
        self._verification = verification  # mails the verification link after sign-up (docs/email.md)

    def check_password_policy(self, password: str) -> None:
        """Length in code points, never truncated; no composition rules (NIST 800-63B)."""
        if len(password) < self._settings.password_min_length:
            raise AuthError(ErrorCode.PASSWORD_TOO_SHORT)
        if len(password) > self._settings.password_max_length:
            raise AuthError(ErrorCode.INVALID_REQUEST, "Password is too long")

    async def sign_up(
        self, email: str, password: str, options: ProfileOptions, user_agent: str | None = None
    ) -> SignUpResult:
        if self._settings.disable_signup:
            raise AuthError(ErrorCode.SIGNUP_DISABLED)
        normalised = normalise_email(email)
        self.check_password_policy(password)
        user = new_user(self._settings, options, email=normalised, clock=self._clock)
        redirect_to = self._verification.redirect_for(options.redirect_to) if self._verification else None
        async with self._db.read() as session:
            if await users_repo.email_taken(session, normalised):
                raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE)
        user.password_hash = await self._hasher.hash(password)
        try:
            async with self._db.write() as session:
                if await users_repo.email_taken(session, normalised):
                    raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE)
                await users_repo.add(session, user)
                audit.record(session, "user.signed_up", self._clock(), user.id, method=PASSWORD.id)
                issued = None
                mail = None
                if self._verification is not None and redirect_to and self._verification.wanted_for(user):
                    mail = await self._verification.stage(session, user, redirect_to)
                if self._session_allowed(user):
                    issued = await self._sessions.issue(session, user, [PASSWORD.amr], user_agent=user_agent,
                                                        elevated=True)
        except IntegrityError as exc:  # a concurrent sign-up with the same email won
            raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE) from exc
        if mail is not None and self._verification is not None:  # after the commit, never inside it
            await self._verification.dispatch(mail)
        return SignUpResult(user, issued)

    def _session_allowed(self, user: User) -> bool:
        if user.disabled:
            return False
        return not (self._settings.email_verification_required and not user.email_verified)

    async def sign_in(
        self, email: str, password: str, user_agent: str | None = None
    ) -> IssuedSession | MfaChallenge:
        """Same error, same time for an unknown email and a wrong password.

        A user with TOTP active gets an MFA challenge (ticket) instead of a session.
        """
        try:
            normalised = normalise_email(email)
        except AuthError:
            normalised = None
        user = None
        if normalised is not None:
            async with self._db.read() as session:
                user = await users_repo.get_by_email(session, normalised)
        result = await self._hasher.verify(user.password_hash if user else None, password)
        if user is None or not result.ok:
            raise AuthError(ErrorCode.INVALID_EMAIL_PASSWORD)
        if user.disabled:
            raise AuthError(ErrorCode.DISABLED_USER)
        if self._settings.email_verification_required and not user.email_verified:
            raise AuthError(ErrorCode.UNVERIFIED_USER)
        async with self._db.write() as session:
            if result.new_hash is not None:
                await users_repo.set_password_hash(session, user.id, result.new_hash, self._clock())
            if requires_second_factor(user):
                return await open_challenge(session, user, [PASSWORD.amr], self._clock())
            audit.record(session, "user.signed_in", self._clock(), user.id, method=PASSWORD.id)
            return await self._sessions.issue(session, user, [PASSWORD.amr], user_agent=user_agent, elevated=True)
