"""SMS one-time-password rules: who gets a code, how often, and when a code opens a session.

The SMS goes out before anything is written, outside any transaction (a slow provider must not
hold SQLite's write lock): a provider failure leaves no user and no ticket behind. Only the newest
code of a user is live; each code allows `sms_otp_max_attempts` guesses, counted atomically.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from authward.delivery.sms import SmsDeliveryError, SmsMessage, SmsSender
from authward.errors import AuthError, ErrorCode
from authward.methods.base import Factor, MethodInfo
from authward.methods.sms_otp.phone import normalise_phone
from authward.methods.totp.challenge import MfaChallenge, open_challenge, requires_second_factor
from authward.security.codes import CodeHasher, new_code
from authward.services import audit
from authward.services.clock import Clock, utc_now
from authward.services.sessions import IssuedSession, SessionService
from authward.services.users import ProfileOptions, new_user
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import Ticket, User
from authward.storage.repos import tickets as tickets_repo
from authward.storage.repos import users as users_repo

log = logging.getLogger("authward.sms")

SMS_OTP = MethodInfo("sms_otp", Factor.FIRST, "sms")
TICKET_KIND = "sms_otp"
RATE_WINDOW = timedelta(hours=1)
# Expired codes are kept this long (the hourly send limit counts them), then pruned.
KEEP_EXPIRED = timedelta(days=1)


class SmsOtpService:
    def __init__(
        self, db: Database, sessions: SessionService, sender: SmsSender, code_key: bytes, settings: Settings,
        clock: Clock = utc_now,
    ) -> None:
        self._db = db
        self._sessions = sessions
        self._sender = sender
        self._codes = CodeHasher(code_key)
        self._settings = settings
        self._clock = clock

    async def aclose(self) -> None:
        await self._sender.aclose()

    # -- sending
    async def start_sign_in(self, raw_phone: str, options: ProfileOptions) -> None:
        """Send a code; an unknown number becomes a new user.

        With sign-up (or auto sign-up) disabled, an unknown number gets the same answer and no SMS,
        as the spec says for AUTH_DISABLE_AUTO_SIGNUP: the answer does not tell who is registered.
        """
        self._require_enabled()
        phone = normalise_phone(raw_phone, self._settings.sms_default_region)
        candidate = self._new_user(phone, options)  # validates the options whether or not they are used
        async with self._db.read() as session:
            user = await users_repo.get_by_phone(session, phone)
            if user is not None:
                await self._check_send_rate(session, user.id)
        if user is None and (self._settings.disable_signup or self._settings.disable_auto_signup):
            return
        await self._send_code(phone, user or candidate, is_new=user is None)

    async def start_sign_up(self, raw_phone: str, options: ProfileOptions) -> None:
        """Register a number and send a code; a known number answers the same, without side effects."""
        self._require_enabled()
        if self._settings.disable_signup:
            raise AuthError(ErrorCode.SIGNUP_DISABLED)
        phone = normalise_phone(raw_phone, self._settings.sms_default_region)
        candidate = self._new_user(phone, options)
        async with self._db.read() as session:
            if await users_repo.get_by_phone(session, phone) is not None:
                return
        await self._send_code(phone, candidate, is_new=True)

    def _require_enabled(self) -> None:
        if not self._settings.sms_passwordless_enabled:
            raise AuthError(ErrorCode.DISABLED_ENDPOINT)

    def _new_user(self, phone: str, options: ProfileOptions) -> User:
        user = new_user(self._settings, options, email=None, clock=self._clock)
        user.phone_number = phone
        if options.display_name is None:
            user.display_name = phone
        return user

    async def _check_send_rate(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        now = self._clock()
        recent = await tickets_repo.issued_since(session, user_id, TICKET_KIND, now - RATE_WINDOW)
        interval = timedelta(seconds=self._settings.sms_otp_resend_interval)
        if recent and now - recent[0] < interval:
            raise AuthError(ErrorCode.TOO_MANY_REQUESTS, "A code was just sent to this number; wait before asking "
                                                         "for another")
        if len(recent) >= self._settings.sms_otp_max_per_hour:
            raise AuthError(ErrorCode.TOO_MANY_REQUESTS, "Too many codes sent to this number; try again later")

    async def _send_code(self, phone: str, user: User, *, is_new: bool) -> None:
        code = new_code()
        message = SmsMessage(phone, self._settings.sms_message_template.format(code=code), code, user.locale)
        try:
            await self._sender.send(message)
        except SmsDeliveryError as exc:
            log.warning("SMS to %s not sent: %s", phone, exc)
            raise AuthError(ErrorCode.CANNOT_SEND_SMS) from None
        now = self._clock()
        ticket_id = uuid.uuid4()
        ticket = Ticket(
            id=ticket_id, kind=TICKET_KIND, secret_hash=self._codes.digest(ticket_id, phone, code),
            created_at=now, expires_at=now + timedelta(seconds=self._settings.sms_otp_expires_in),
            consumed_at=None, attempts=0, payload={"phone": phone},
        )
        try:
            async with self._db.write() as session:
                if is_new:
                    await users_repo.add(session, user)
                    audit.record(session, "user.signed_up", now, user.id, method=SMS_OTP.id)
                await self._store_ticket(session, user.id, ticket)
        except IntegrityError:
            if not is_new:
                raise
            # A concurrent request registered this number first: the code we sent belongs to that user.
            async with self._db.write() as session:
                owner = await users_repo.get_by_phone(session, phone)
                if owner is None:
                    raise
                await self._store_ticket(session, owner.id, ticket)

    async def _store_ticket(self, session: AsyncSession, user_id: uuid.UUID, ticket: Ticket) -> None:
        """The new code replaces any earlier one: only the newest code is live."""
        await tickets_repo.consume_live(session, user_id, TICKET_KIND, ticket.created_at)
        ticket.user_id = user_id
        await tickets_repo.add(session, ticket)
        audit.record(session, "sms_otp.sent", ticket.created_at, user_id)

    # -- verifying
    async def verify(self, raw_phone: str, otp: str, user_agent: str | None = None) -> IssuedSession | MfaChallenge:
        """A right code opens a session (or an MFA challenge when the user has TOTP active).

        Attempts are committed even when the answer is an error.
        """
        self._require_enabled()
        phone = normalise_phone(raw_phone, self._settings.sms_default_region)
        async with self._db.write() as session:
            outcome = await self._check_code(session, phone, otp.strip(), user_agent)
        if isinstance(outcome, AuthError):
            raise outcome
        return outcome

    async def _check_code(
        self, session: AsyncSession, phone: str, otp: str, user_agent: str | None
    ) -> IssuedSession | MfaChallenge | AuthError:
        now = self._clock()
        user = await users_repo.get_by_phone(session, phone)
        ticket = await tickets_repo.latest_live(session, user.id, TICKET_KIND) if user is not None else None
        if user is None or ticket is None or ticket.expires_at <= now or ticket.payload.get("phone") != phone:
            self._codes.digest(uuid.uuid4(), phone, otp)  # the same work as a real check
            return AuthError(ErrorCode.INVALID_OTP)
        if not await tickets_repo.claim_attempt(session, ticket.id, self._settings.sms_otp_max_attempts):
            return AuthError(ErrorCode.OTP_TOO_MANY_ATTEMPTS)
        if not self._codes.matches(ticket.id, phone, otp, ticket.secret_hash):
            return AuthError(ErrorCode.INVALID_OTP)
        if not await tickets_repo.consume(session, ticket.id, now):
            return AuthError(ErrorCode.INVALID_OTP)
        if user.disabled:
            return AuthError(ErrorCode.DISABLED_USER)
        if self._settings.email_verification_required and user.email is not None and not user.email_verified:
            return AuthError(ErrorCode.UNVERIFIED_USER)
        user.phone_number_verified = True
        user.updated_at = now
        if requires_second_factor(user):
            return await open_challenge(session, user, [SMS_OTP.amr], now)
        audit.record(session, "user.signed_in", now, user.id, method=SMS_OTP.id)
        return await self._sessions.issue(session, user, [SMS_OTP.amr], user_agent=user_agent, elevated=True)

    # -- housekeeping
    async def prune_expired(self) -> int:
        async with self._db.write() as session:
            return await tickets_repo.delete_expired(session, TICKET_KIND, self._clock() - KEEP_EXPIRED)
