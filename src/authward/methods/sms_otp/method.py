"""Six-digit codes sent by SMS: sign-in and sign-up, and the account routes that prove a number
(phone-number change, deanonymization by SMS)."""

from __future__ import annotations

from authward.methods.base import Built, Method
from authward.methods.sms_otp import account_router, router
from authward.methods.sms_otp.code_sender import SmsCodeSender
from authward.methods.sms_otp.deanonymize import SmsDeanonymization
from authward.methods.sms_otp.phone_change import PhoneChangeService
from authward.methods.sms_otp.service import SmsOtpService
from authward.services.core import Core
from authward.services.method_info import SMS_OTP


def build(core: Core) -> Built:
    codes = SmsCodeSender(core.tickets, core.sms_sender, core.settings, core.attempts, core.clock)
    return Built((
        SmsOtpService(core.db, core.sign_in, core.tickets, core.sms_sender, core.settings, core.clock,
                      attempts=core.attempts),
        PhoneChangeService(core.db, codes, core.clock),
        SmsDeanonymization(core.db, codes, core.settings, core.clock),
    ))


METHOD = Method(SMS_OTP, build, {"nhost": (router.router, account_router.router)})
