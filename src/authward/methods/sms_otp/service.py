"""SMS one-time-password rules: who gets a code, how often, and when a code opens a session.

Nothing is created before proof: an unknown number gets a code whose ticket carries the sign-up
options, and the user is created only when that code is verified (no squatting a number with
chosen roles or metadata). Known and unknown numbers get the same answer; the send limits count
requests for a number whoever owns it, atomically (security/ratelimit.py `hit`), so a burst of
parallel requests sends no more than the limit. From an IP that signed in to the number recently,
the limits count apart (services/sign_in_attempts.py): a stranger's requests cannot lock its owner
out. The SMS goes out before its code is stored, outside any transaction (a slow provider must not
hold SQLite's write lock): a provider failure leaves nothing behind. Only the newest code of a
number is live; each code allows `sms_otp_max_attempts` guesses, counted atomically.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.delivery.sms import SmsSender
from authward.errors import AuthError, ErrorCode
from authward.methods.sms_otp.code_sender import SmsCodeSender
from authward.methods.sms_otp.deanonymize import finish_deanonymization, stages_deanonymization
from authward.methods.sms_otp.phone import normalise_phone
from authward.services import audit
from authward.services.claims import ClientGrant
from authward.services.email_accounts import options_from_payload, options_payload
from authward.services.method_info import SMS_OTP
from authward.services.sessions import IssuedSession
from authward.services.sign_in import MfaChallenge, SignInCompletion, SignInContext
from authward.services.sign_in_attempts import SignInAttempts
from authward.services.tickets import TicketKind, TicketOwner, TicketService
from authward.services.users import ProfileOptions, new_user
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import User
from authward.storage.repos import users as users_repo


class SmsOtpService:
    def __init__(
        self, db: Database, sign_in: SignInCompletion, tickets: TicketService, sender: SmsSender, settings: Settings,
        clock: Clock = utc_now, *, attempts: SignInAttempts,
    ) -> None:
        self._db = db
        self._sign_in = sign_in
        self._tickets = tickets
        self._sender = sender
        self._settings = settings
        self._clock = clock
        self._attempts = attempts  # the per-number send limits and known IPs
        self._codes = SmsCodeSender(tickets, sender, settings, attempts, clock)  # limits and delivery of codes

    async def aclose(self) -> None:
        await self._sender.aclose()

    # -- sending
    async def start_sign_in(self, raw_phone: str, options: ProfileOptions) -> None:
        """Send a code; an unknown number gets one too, and becomes a user when the code is verified.

        With sign-up (or auto sign-up) disabled, an unknown number gets the same answer and no SMS,
        as the spec says for AUTH_DISABLE_AUTO_SIGNUP: the answer does not tell who is registered.
        """
        self._require_enabled()
        phone = normalise_phone(raw_phone, self._settings.sms.default_region)
        self._new_user(phone, options)  # validates the options whether or not they are used
        await self._check_send_rate(phone)
        async with self._db.read() as session:
            user = await users_repo.get_by_phone(session, phone)
        if user is None and (self._settings.users.disable_signup or self._settings.users.disable_auto_signup):
            return
        await self._send_code(phone, user, options)

    async def start_sign_up(self, raw_phone: str, options: ProfileOptions) -> None:
        """Send a code to register a number.

        A known number gets the same answer and, in the same time, a code too: a sign-in code for its
        account (the options are not applied). Only the phone's owner can use it, and answering without
        sending would tell a caller, by the time it takes, that the number is registered."""
        self._require_enabled()
        if self._settings.users.disable_signup:
            raise AuthError(ErrorCode.SIGNUP_DISABLED)
        phone = normalise_phone(raw_phone, self._settings.sms.default_region)
        self._new_user(phone, options)
        await self._check_send_rate(phone)
        async with self._db.read() as session:
            user = await users_repo.get_by_phone(session, phone)
        await self._send_code(phone, user, options)

    def _require_enabled(self) -> None:
        if not self._settings.sms.passwordless_enabled:
            raise AuthError(ErrorCode.DISABLED_ENDPOINT)

    def _new_user(self, phone: str, options: ProfileOptions) -> User:
        user = new_user(self._settings, options, email=None, clock=self._clock)
        user.phone_number = phone
        if options.display_name is None:
            user.display_name = phone
        return user

    async def _check_send_rate(self, phone: str) -> None:
        """Per number, known or not: the sign-in codes' own buckets (`sms-resend`, `sms-hourly`)."""
        await self._codes.check_rate("sms", phone)

    async def _send_code(self, phone: str, user: User | None, options: ProfileOptions) -> None:
        """Send first, then store: the code is issued in the unit of work that follows a delivered SMS.

        A code for an unknown number carries the validated sign-up options, not a user."""
        locale = user.locale if user is not None else (options.locale or self._settings.users.default_locale)
        code = await self._codes.send(phone, locale)
        payload = None if user is not None else {"options": options_payload(options)}
        async with self._db.write() as session:
            await self._tickets.store_code(session, TicketKind.SMS_OTP, self._settings.sms.otp_expires_in,
                                           TicketOwner(user.id if user else None, phone), code, payload)
            audit.record(session, "sms_otp.sent", self._clock(), user.id if user else None)

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
        await self._attempts.succeeded(phone)  # this IP is now known for the number (send limits apart)
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
        if row.user_id is not None:
            user = await users_repo.get(session, row.user_id)
            if user is not None and stages_deanonymization(row.payload):  # POST /user/deanonymize/sms sent it
                refusal = await finish_deanonymization(session, user, phone, row.payload, self._clock)
                if refusal is not None:
                    return refusal
            if user is None or user.phone_number != phone:  # the number changed hands since the code was sent
                return AuthError(ErrorCode.INVALID_OTP)
        else:
            try:
                user = await self._user_for_proven_number(session, phone, row.payload.get("options"))
            except AuthError as exc:
                return exc
        user.phone_number_verified = True
        user.updated_at = self._clock()
        try:
            return await self._sign_in.complete(session, user, SMS_OTP, context)
        except AuthError as exc:
            return exc

    async def _user_for_proven_number(self, session: AsyncSession, phone: str, options: Any) -> User:
        """The user of a number just proven: created now from the code's options when there is none yet."""
        user = await users_repo.get_by_phone(session, phone)
        if user is not None:  # registered meanwhile (another code, a phone change): the proof is the number's
            return user
        if self._settings.users.disable_signup:
            raise AuthError(ErrorCode.SIGNUP_DISABLED)
        user = self._new_user(phone, options_from_payload(options if isinstance(options, dict) else None))
        try:
            async with session.begin_nested():
                await users_repo.add(session, user)
        except IntegrityError:  # a concurrent verification registered the number first
            owner = await users_repo.get_by_phone(session, phone)
            if owner is None:
                raise
            return owner
        audit.record(session, "user.signed_up", self._clock(), user.id, method=SMS_OTP.id)
        return user
