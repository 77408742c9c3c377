"""Every sign-in method this server knows: one line each. The composition root builds the enabled
ones and each face mounts the routers a method names for it, in this order (Starlette matches in order)."""

from __future__ import annotations

from authward.methods.anonymous.method import METHOD as ANONYMOUS
from authward.methods.base import Method
from authward.methods.email_link.method import METHOD as EMAIL_LINK
from authward.methods.email_otp.method import METHOD as EMAIL_OTP
from authward.methods.magic_link.method import METHOD as MAGIC_LINK
from authward.methods.password.method import METHOD as PASSWORD
from authward.methods.pat.method import METHOD as PAT
from authward.methods.providers.method import METHOD as PROVIDERS
from authward.methods.sms_otp.method import METHOD as SMS_OTP
from authward.methods.totp.method import METHOD as TOTP
from authward.methods.webauthn.method import METHOD as WEBAUTHN

METHODS: tuple[Method, ...] = (PASSWORD, SMS_OTP, ANONYMOUS, PAT, TOTP, MAGIC_LINK, EMAIL_OTP, EMAIL_LINK, WEBAUTHN,
                              PROVIDERS)
