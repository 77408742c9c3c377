"""Yat's request/response models (UserAuthenticationApi): snake_case, unknown fields refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class YatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(YatRequest):
    email: str = Field(max_length=320)
    password: str = Field(min_length=1, max_length=4096)
    # Accepted for Yat compatibility and ignored: authward does not verify reCAPTCHA.
    g_recaptcha_response: str | None = Field(default=None, alias="g-recaptcha-response", max_length=8192)


class Confirm2Fa(YatRequest):
    code: str = Field(min_length=1, max_length=64, description="A TOTP code or a recovery code")
    refresh_token: str = Field(min_length=1, max_length=256,
                               description="The `refresh_token` of a /auth/token answer that listed `requires_2fa`")


class RefreshRequest(YatRequest):
    refresh_token: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str = Field(description="Empty while a second factor is pending")
    refresh_token: str = Field(description="A refresh token, or the pending MFA ticket (`mfaTotp:...`)")
    requires_2fa: list[str] | None = Field(default=None, description='The pending factor, e.g. ["totp"]')


class MagicLinkLoginRequest(YatRequest):
    email: str = Field(max_length=320)
    redirect: str | None = Field(default=None, max_length=2048,
                                 description="Where the link lands (checked against the redirect allow-list)")
    # Accepted for Yat compatibility and ignored: authward does not verify reCAPTCHA.
    g_recaptcha_response: str | None = Field(default=None, alias="g-recaptcha-response", max_length=8192)


class MagicLinkLoginResponse(BaseModel):
    status: bool
    message: str
