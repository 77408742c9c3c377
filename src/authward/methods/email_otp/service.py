"""Email codes: `POST /signin/otp/email`, `/signup/otp/email` and `/signin/otp/email/verify`.

A code is a ticket holding a keyed HMAC of 6 digits, valid `AUTHWARD_EMAIL_OTP_EXPIRES_IN`
(10 minutes), good for `AUTHWARD_EMAIL_OTP_MAX_ATTEMPTS` guesses; a new code retires the older
one, and at most `AUTHWARD_EMAIL_OTP_MAX_PER_HOUR` codes are issued to an address per hour, so a
guesser gets at most max_attempts x max_per_hour tries an hour. That limit counts atomically, apart for
IPs that signed in to the address before (services/sign_in_attempts.py): a stranger asking five codes
does not stop the owner from getting one. Attempts are committed even when
the answer is an error.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.services import audit
from authward.services.claims import ClientGrant
from authward.services.email_accounts import mark_email_proven, options_payload, user_for_proven_email
from authward.services.method_info import EMAIL_OTP
from authward.services.passwordless_email import PasswordlessEmail, PasswordlessRequest
from authward.services.sessions import IssuedSession
from authward.services.sign_in import MfaChallenge, SignInCompletion, SignInContext
from authward.services.sign_in_attempts import SignInAttempts
from authward.services.tickets import TicketKind, TicketOwner
from authward.services.users import ProfileOptions, normalise_email
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import User
from authward.storage.repos import users as users_repo

log = logging.getLogger("authward.mail")

HOUR = 3600
MAX_OTP_LENGTH = 16


class EmailOtpService:
    def __init__(
        self, db: Database, front: PasswordlessEmail, sign_in: SignInCompletion, settings: Settings,
        clock: Clock = utc_now, attempts: SignInAttempts | None = None,
    ) -> None:
        self._attempts = attempts
        self._db = db
        self._front = front
        self._sign_in = sign_in
        self._settings = settings
        self._clock = clock

    # -- sending
    async def start(self, email: str, options: ProfileOptions, *, sign_up: bool) -> None:
        request = self._front.prepare(email, options, sign_up=sign_up, enabled=self._settings.email.otp_enabled)
        self._front.start(request, self._stage, name="email-otp")

    async def _stage(
        self, session: AsyncSession, request: PasswordlessRequest, user: User | None
    ) -> uuid.UUID | None:
        user_id = user.id if user is not None else None
        if not await self._may_issue(session, request.email):
            log.warning("email code not sent: the address had %d codes in the last hour",
                        self._settings.email.otp_max_per_hour)
            return None
        payload = {"options": options_payload(request.options)} if user is None else None
        return await self._front.mail.stage_code(
            session, self._settings.email.otp_expires_in, request.recipient(user), user_id=user_id, payload=payload,
        )

    async def _may_issue(self, session: AsyncSession, email: str) -> bool:
        per_hour = self._settings.email.otp_max_per_hour
        if self._attempts is not None:
            return await self._attempts.send_allowed(email, f"{per_hour}/hour", "email-otp")
        issued = await self._front.mail.tickets.issued_since(session, TicketKind.EMAIL_OTP,
                                                             TicketOwner(address=email), HOUR)
        return len(issued) < per_hour

    # -- verifying
    async def verify(
        self, email: str, otp: str, user_agent: str | None = None, *, client: ClientGrant | None = None
    ) -> IssuedSession | MfaChallenge:
        if not self._settings.email.otp_enabled:
            raise AuthError(ErrorCode.DISABLED_ENDPOINT)
        try:
            normalised = normalise_email(email)
        except AuthError:
            raise AuthError(ErrorCode.INVALID_OTP) from None
        code = otp.strip()[:MAX_OTP_LENGTH]
        async with self._db.write() as session:
            outcome = await self._check(session, normalised, code, SignInContext(user_agent, client=client))
        if isinstance(outcome, AuthError):
            raise outcome
        if self._attempts is not None:
            await self._attempts.succeeded(normalised)  # this IP is now known for the address
        return outcome

    async def _check(
        self, session: AsyncSession, email: str, code: str, context: SignInContext
    ) -> IssuedSession | MfaChallenge | AuthError:
        """Errors are returned so the unit of work commits the counted attempt."""
        user = await users_repo.get_by_email(session, email)
        row = await self._front.mail.tickets.redeem_code(
            session, TicketKind.EMAIL_OTP, code, self._settings.email.otp_max_attempts, email
        )
        if isinstance(row, AuthError):
            audit.record(session, "user.sign_in_failed", self._clock(), user.id if user else None,
                         user_agent=context.user_agent, method=EMAIL_OTP.id, reason=row.code.value)
            return row
        try:
            if user is None:
                user = await user_for_proven_email(session, self._settings, email, row.payload.get("options"),
                                                   EMAIL_OTP.id, self._clock)
            else:
                await mark_email_proven(session, user, self._settings, self._clock)
            return await self._sign_in.complete(session, user, EMAIL_OTP, context)
        except AuthError as exc:
            return exc
