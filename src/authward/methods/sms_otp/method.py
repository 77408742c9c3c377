"""Six-digit codes sent by SMS."""

from __future__ import annotations

from authward.methods.base import Built, Method
from authward.methods.sms_otp import router
from authward.methods.sms_otp.service import SmsOtpService
from authward.services.core import Core
from authward.services.method_info import SMS_OTP


def build(core: Core) -> Built:
    return Built((SmsOtpService(core.db, core.sign_in, core.tickets, core.sms_sender, core.settings, core.clock,
                                attempts=core.attempts),))


METHOD = Method(SMS_OTP, build, {"nhost": (router.router,)})
