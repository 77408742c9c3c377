"""`POST /user/phone-number/change` and `/user/phone-number/change/verify`: a new number, proven by SMS.

The request (an elevated or recent sign-in, as for an email change) sends a code to the new number;
the user's number is left as it is until that code comes back. A number another user holds is refused
with `user-already-exists` on both steps (as Nhost); the code is an `otpPhoneChange` code bound to the
new number and to the user, so it opens nothing else (not a sign-in) and no other user's change.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.methods.sms_otp.code_sender import SmsCodeSender
from authward.services import audit
from authward.services.tickets import TicketKind, TicketOwner
from authward.services.users import registered_user_for_change
from authward.storage.db import Database
from authward.storage.models import User
from authward.storage.repos import users as users_repo

KIND = TicketKind.PHONE_CHANGE_OTP


async def taken_by_other(session: AsyncSession, phone: str, user: User) -> bool:
    holder = await users_repo.get_by_phone(session, phone)
    return holder is not None and holder.id != user.id


class PhoneChangeService:
    def __init__(self, db: Database, codes: SmsCodeSender, clock: Clock = utc_now) -> None:
        self._db = db
        self._codes = codes
        self._clock = clock

    async def request_change(self, user_id: str, raw_phone: str) -> None:
        self._codes.require_enabled()
        phone = self._codes.phone(raw_phone)
        async with self._db.read() as session:
            user = await registered_user_for_change(session, user_id)
            if await taken_by_other(session, phone, user):
                raise AuthError(ErrorCode.USER_ALREADY_EXISTS)
        await self._codes.check_rate(KIND.value, phone)
        code = await self._codes.send(phone, user.locale)
        async with self._db.write() as session:
            # A newer request replaces the older ones: only the newest number's newest code is live.
            await self._codes.tickets.retire(session, KIND, TicketOwner(user_id=user.id))
            await self._codes.store(session, KIND, TicketOwner(user.id, phone), code)
            audit.record(session, "user.phone_change_requested", self._clock(), user.id)

    async def verify_change(self, user_id: str, raw_phone: str, otp: str) -> None:
        """The number becomes the user's, verified. Guesses are committed even when the answer is an error."""
        self._codes.require_enabled()
        phone = self._codes.phone(raw_phone)
        try:
            async with self._db.write() as session:
                user = await registered_user_for_change(session, user_id)
                refusal = await self._confirm(session, user, phone, otp)
        except IntegrityError as exc:  # a concurrent sign-up or change took the number meanwhile
            raise AuthError(ErrorCode.USER_ALREADY_EXISTS) from exc
        if refusal is not None:
            raise refusal

    async def _confirm(self, session: AsyncSession, user: User, phone: str, otp: str) -> AuthError | None:
        row = await self._codes.redeem(session, KIND, otp, TicketOwner(user.id, phone))  # this user's code only
        if isinstance(row, AuthError):
            return row
        if await taken_by_other(session, phone, user):
            return AuthError(ErrorCode.USER_ALREADY_EXISTS)
        now = self._clock()
        previous = user.phone_number
        user.phone_number = phone
        user.phone_number_verified = True
        user.updated_at = now
        await session.flush()
        await self._codes.tickets.retire(session, TicketKind.SMS_OTP, TicketOwner(user_id=user.id))
        audit.record(session, "user.phone_changed", now, user.id, had_number=previous is not None)
        return None
