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

from authward.clock import Clock, utc_now
from authward.delivery.sms import SmsDeliveryError, SmsMessage, SmsSender
from authward.errors import AuthError, ErrorCode
from authward.methods.sms_otp.deanonymize import finish_deanonymization, stages_deanonymization
from authward.methods.sms_otp.phone import normalise_phone
from authward.observability import metrics
from authward.security.codes import new_code
from authward.services import audit
from authward.services.claims import ClientGrant
from authward.services.method_info import SMS_OTP
from authward.services.sessions import IssuedSession
from authward.services.sign_in import MfaChallenge, SignInCompletion, SignInContext
from authward.services.tickets import TicketKind, TicketOwner, TicketService
from authward.services.users import ProfileOptions, new_user
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import User
from authward.storage.repos import users as users_repo

log = logging.getLogger("authward.sms")

RATE_WINDOW = timedelta(hours=1)


class SmsOtpService:
    def __init__(
        self, db: Database, sign_in: SignInCompletion, tickets: TicketService, sender: SmsSender, settings: Settings,
        clock: Clock = utc_now,
    ) -> None:
        self._db = db
        self._sign_in = sign_in
        self._tickets = tickets
        self._sender = sender
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
        phone = normalise_phone(raw_phone, self._settings.sms.default_region)
        candidate = self._new_user(phone, options)  # validates the options whether or not they are used
        async with self._db.read() as session:
            user = await users_repo.get_by_phone(session, phone)
            if user is not None:
                await self._check_send_rate(session, phone)
        if user is None and (self._settings.users.disable_signup or self._settings.users.disable_auto_signup):
            return
        await self._send_code(phone, user or candidate, is_new=user is None)

    async def start_sign_up(self, raw_phone: str, options: ProfileOptions) -> None:
        """Register a number and send a code; a known number answers the same, without side effects."""
        self._require_enabled()
        if self._settings.users.disable_signup:
            raise AuthError(ErrorCode.SIGNUP_DISABLED)
        phone = normalise_phone(raw_phone, self._settings.sms.default_region)
        candidate = self._new_user(phone, options)
        async with self._db.read() as session:
            if await users_repo.get_by_phone(session, phone) is not None:
                return
        await self._send_code(phone, candidate, is_new=True)

    def _require_enabled(self) -> None:
        if not self._settings.sms.passwordless_enabled:
            raise AuthError(ErrorCode.DISABLED_ENDPOINT)

    def _new_user(self, phone: str, options: ProfileOptions) -> User:
        user = new_user(self._settings, options, email=None, clock=self._clock)
        user.phone_number = phone
        if options.display_name is None:
            user.display_name = phone
        return user

    async def _check_send_rate(self, session: AsyncSession, phone: str) -> None:
        now = self._clock()
        recent = await self._tickets.issued_since(session, TicketKind.SMS_OTP, TicketOwner(address=phone),
                                                  RATE_WINDOW.total_seconds())
        interval = timedelta(seconds=self._settings.sms.otp_resend_interval)
        if recent and now - recent[0] < interval:
            raise AuthError(ErrorCode.TOO_MANY_REQUESTS, "A code was just sent to this number; wait before asking "
                                                         "for another")
        if len(recent) >= self._settings.sms.otp_max_per_hour:
            raise AuthError(ErrorCode.TOO_MANY_REQUESTS, "Too many codes sent to this number; try again later")

    async def _send_code(self, phone: str, user: User, *, is_new: bool) -> None:
        """Send first, then store: the code is issued in the unit of work that follows a delivered SMS."""
        code = new_code()
        message = SmsMessage(phone, self._settings.sms.message_template.format(code=code), code, user.locale)
        try:
            await self._sender.send(message)
        except SmsDeliveryError as exc:
            metrics.delivery("sms", "failed")
            log.warning("SMS to %s not sent: %s", phone, exc)
            raise AuthError(ErrorCode.CANNOT_SEND_SMS) from None
        metrics.delivery("sms", "sent")
        try:
            async with self._db.write() as session:
                if is_new:
                    await users_repo.add(session, user)
                    audit.record(session, "user.signed_up", self._clock(), user.id, method=SMS_OTP.id)
                await self._store_code(session, user.id, phone, code)
        except IntegrityError:
            if not is_new:
                raise
            # A concurrent request registered this number first: the code we sent belongs to that user.
            async with self._db.write() as session:
                owner = await users_repo.get_by_phone(session, phone)
                if owner is None:
                    raise
                await self._store_code(session, owner.id, phone, code)

    async def _store_code(self, session: AsyncSession, user_id: uuid.UUID, phone: str, code: str) -> None:
        """The new code replaces any earlier one: only the newest code is live."""
        await self._tickets.store_code(session, TicketKind.SMS_OTP, self._settings.sms.otp_expires_in,
                                       TicketOwner(user_id, phone), code)
        audit.record(session, "sms_otp.sent", self._clock(), user_id)

    # -- verifying
    async def verify(
        self, raw_phone: str, otp: str, user_agent: str | None = None, *, client: ClientGrant | None = None
    ) -> IssuedSession | MfaChallenge:
        """A right code opens a session (or an MFA challenge when the user has TOTP active).

        Attempts are committed even when the answer is an error.
        """
        self._require_enabled()
        phone = normalise_phone(raw_phone, self._settings.sms.default_region)
        async with self._db.write() as session:
            outcome = await self._check_code(session, phone, otp.strip(), SignInContext(user_agent, client=client))
        if isinstance(outcome, AuthError):
            raise outcome
        return outcome

    async def _check_code(
        self, session: AsyncSession, phone: str, otp: str, context: SignInContext
    ) -> IssuedSession | MfaChallenge | AuthError:
        row = await self._tickets.redeem_code(session, TicketKind.SMS_OTP, otp, self._settings.sms.otp_max_attempts,
                                              phone)
        if isinstance(row, AuthError):
            audit.record(session, "user.sign_in_failed", self._clock(), None, user_agent=context.user_agent,
                         method=SMS_OTP.id, reason=row.code.value)
            return row
        user = await users_repo.get(session, row.user_id) if row.user_id is not None else None
        if user is not None and stages_deanonymization(row.payload):  # POST /user/deanonymize/sms sent it
            refusal = await finish_deanonymization(session, user, phone, row.payload, self._clock)
            if refusal is not None:
                return refusal
        if user is None or user.phone_number != phone:  # the number changed hands since the code was sent
            return AuthError(ErrorCode.INVALID_OTP)
        user.phone_number_verified = True
        user.updated_at = self._clock()
        try:
            return await self._sign_in.complete(session, user, SMS_OTP, context)
        except AuthError as exc:
            return exc
