"""Email + password rules. Hashing happens outside the write transaction (it is slow)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.security.breached_passwords import BreachedPasswords
from authward.security.passwords import PasswordHasher
from authward.services import audit
from authward.services.claims import ClientGrant
from authward.services.email_verification import EmailVerificationService
from authward.services.method_info import PASSWORD
from authward.services.password_policy import check_password_policy
from authward.services.sessions import IssuedSession
from authward.services.sign_in import MfaChallenge, SignInCompletion, SignInContext
from authward.services.sign_in_attempts import SignInAttempts
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
        self, db: Database, sign_in: SignInCompletion, hasher: PasswordHasher, settings: Settings,
        clock: Clock = utc_now, verification: EmailVerificationService | None = None,
        attempts: SignInAttempts | None = None, breached: BreachedPasswords | None = None,
    ) -> None:
        self._db = db
        self._sign_in = sign_in
        self._hasher = hasher
        self._settings = settings
        self._clock = clock
        self._verification = verification  # mails the verification link after sign-up (docs/email.md)
        self._attempts = attempts  # per-account failure limits (services/sign_in_attempts.py)
        self._breached = breached  # the optional HIBP check of a new password

    async def sign_up(
        self, email: str, password: str, options: ProfileOptions, user_agent: str | None = None,
        code_challenge: str | None = None,
    ) -> SignUpResult:
        if self._settings.users.disable_signup:
            raise AuthError(ErrorCode.SIGNUP_DISABLED)
        normalised = normalise_email(email)
        check_password_policy(self._settings, password)
        user = new_user(self._settings, options, email=normalised, clock=self._clock)
        if self._breached is not None:
            await self._breached.check(password)
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
                    mail = await self._verification.stage(session, user, redirect_to, code_challenge)
                issued = await self._sign_in.session_if_eligible(session, user, PASSWORD, SignInContext(user_agent))
        except IntegrityError as exc:  # a concurrent sign-up with the same email won
            raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE) from exc
        if mail is not None and self._verification is not None:  # after the commit, never inside it
            await self._verification.dispatch(mail)
        return SignUpResult(user, issued)

    async def sign_in(
        self, email: str, password: str, user_agent: str | None = None, *, client: ClientGrant | None = None
    ) -> IssuedSession | MfaChallenge:
        """Same error, same time for an unknown email and a wrong password.

        The sign-in completion decides between a session and an MFA challenge (services/sign_in.py).
        """
        try:
            normalised = normalise_email(email)
        except AuthError:
            normalised = None
        user = None
        if normalised is not None and self._attempts is not None:
            await self._attempts.check(normalised)  # unknown addresses too: the answer must not tell them apart
        if normalised is not None:  # a read-only view with User's attribute names (no unit of work)
            user = await users_repo.view_by_email(self._db, normalised)
        result = await self._hasher.verify(user.password_hash if user else None, password)
        if user is None or not result.ok:
            if normalised is not None and self._attempts is not None:
                await self._attempts.failed(normalised)
            await self._failed(user, ErrorCode.INVALID_EMAIL_PASSWORD, user_agent)  # known or not: the same work
            raise AuthError(ErrorCode.INVALID_EMAIL_PASSWORD)
        if self._attempts is not None:
            await self._attempts.succeeded(user.email or str(user.id))
        refusal = self._sign_in.policy.refusal_for(user, PASSWORD)
        if refusal is not None:  # before the write: a refused sign-in writes only its audit row
            await self._failed(user, refusal.code, user_agent)
            raise refusal
        context = SignInContext(user_agent, client=client)
        if result.new_hash is None:  # the common case: nothing to write but the session (one short write)
            issued = await self._sign_in.complete_alone(user, PASSWORD, context)
            if issued is not None:
                return issued
        async with self._db.write() as session:
            if result.new_hash is not None:
                await users_repo.set_password_hash(session, user.id, result.new_hash, self._clock())
            return await self._sign_in.complete(session, user, PASSWORD, context)

    async def _failed(self, user: User | None, reason: ErrorCode, user_agent: str | None) -> None:
        """The audit row of a refused sign-in (the address is not recorded: the row names the user, if any)."""
        await audit.record_alone(self._db, "user.sign_in_failed", self._clock(), user.id if user else None,
                                 user_agent=user_agent, method=PASSWORD.id, reason=reason.value)
