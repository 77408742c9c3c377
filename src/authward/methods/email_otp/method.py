"""Six-digit codes mailed to the address."""

from __future__ import annotations

from authward.methods.base import Built, Method
from authward.methods.email_otp import router
from authward.methods.email_otp.service import EmailOtpService
from authward.services.core import Core
from authward.services.method_info import EMAIL_OTP


def build(core: Core) -> Built:
    return Built((EmailOtpService(core.db, core.passwordless_email, core.sign_in, core.settings, core.clock,
                                  core.attempts),))


METHOD = Method(EMAIL_OTP, build, {"nhost": (router.router,)})
