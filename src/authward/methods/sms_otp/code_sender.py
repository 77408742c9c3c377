"""Sending a code by SMS for the account routes (phone-number change, deanonymization).

As for sign-in codes (service.py): the SMS goes out before anything is written, outside any
transaction, and a number gets at most one code per `sms_otp_resend_interval` and
`sms_otp_max_per_hour` codes an hour for each purpose (a number just changed to can still get its
sign-in code at once), counted with the rate limiter's atomic hit: a burst of parallel requests cannot
send more than the limit.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.delivery.sms import SmsDeliveryError, SmsMessage, SmsSender
from authward.errors import AuthError, ErrorCode
from authward.methods.sms_otp.phone import normalise_phone
from authward.observability import metrics
from authward.security.codes import new_code
from authward.services.sign_in_attempts import SignInAttempts
from authward.services.tickets import TicketKind, TicketOwner, TicketService
from authward.settings import Settings
from authward.storage.models import Ticket

log = logging.getLogger("authward.sms")



class SmsCodeSender:
    def __init__(self, tickets: TicketService, sender: SmsSender, settings: Settings, attempts: SignInAttempts,
                 clock: Clock = utc_now) -> None:
        self.tickets = tickets
        self._attempts = attempts
        self._sender = sender
        self._settings = settings
        self._clock = clock

    def require_enabled(self) -> None:
        """Nhost serves the phone routes only with SMS sign-in on (`disabled-endpoint` otherwise)."""
        if not self._settings.sms.passwordless_enabled:
            raise AuthError(ErrorCode.DISABLED_ENDPOINT)

    def phone(self, raw: str) -> str:
        return normalise_phone(raw, self._settings.sms.default_region)

    async def check_rate(self, purpose: str, phone: str) -> None:
        """Count one SMS for `purpose` to `phone`: one per `otp_resend_interval`, `otp_max_per_hour` an hour."""
        sms = self._settings.sms
        if sms.otp_resend_interval and not await self._attempts.send_allowed(
            phone, f"1/{sms.otp_resend_interval} seconds", f"{purpose}-resend"
        ):
            raise AuthError(ErrorCode.TOO_MANY_REQUESTS, "A code was just sent to this number; wait before asking "
                                                         "for another")
        if not await self._attempts.send_allowed(phone, f"{sms.otp_max_per_hour}/hour", f"{purpose}-hourly"):
            raise AuthError(ErrorCode.TOO_MANY_REQUESTS, "Too many codes sent to this number; try again later")

    async def send(self, phone: str, locale: str) -> str:
        """The code, once the provider took the SMS (`cannot-send-sms` otherwise); the caller stores it."""
        code = new_code()
        message = SmsMessage(phone, self._settings.sms.message_template.format(code=code), code, locale)
        try:
            await self._sender.send(message)
        except SmsDeliveryError as exc:
            metrics.delivery("sms", "failed")
            log.warning("SMS to %s not sent: %s", phone, exc)
            raise AuthError(ErrorCode.CANNOT_SEND_SMS) from None
        metrics.delivery("sms", "sent")
        return code

    async def store(
        self, session: AsyncSession, kind: TicketKind, owner: TicketOwner, code: str,
        payload: dict[str, object] | None = None,
    ) -> None:
        await self.tickets.store_code(session, kind, self._settings.sms.otp_expires_in, owner, code, payload)

    async def redeem(
        self, session: AsyncSession, kind: TicketKind, otp: str, owner: TicketOwner
    ) -> Ticket | AuthError:
        """The owner's code's ticket, or the error to answer (returned: the caller commits the counted guess)."""
        return await self.tickets.redeem_code(session, kind, otp.strip(), self._settings.sms.otp_max_attempts,
                                              owner.address or "", owner.user_id)
