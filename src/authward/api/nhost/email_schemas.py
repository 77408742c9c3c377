"""Request and response models of the email routes, named and shaped as the Nhost spec's components."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from authward.api.nhost.schemas import Session, SignUpOptions, StrictModel

Email = Annotated[str, Field(json_schema_extra={"format": "email"})]
CodeChallenge = Annotated[str, Field(min_length=43, max_length=43, pattern=r"^[A-Za-z0-9_-]{43}$")]


class OptionsRedirectTo(StrictModel):
    # Bounded and checked in code (security.redirects): an unreadable URL is `redirectTo-not-allowed`.
    redirectTo: str | None = Field(default=None, json_schema_extra={"format": "uri"})


class SignInPasswordlessEmailRequest(StrictModel):
    email: Email
    options: SignUpOptions | None = None
    codeChallenge: CodeChallenge | None = None


class SignUpPasswordlessEmailRequest(StrictModel):
    email: Email
    options: SignUpOptions | None = None
    codeChallenge: CodeChallenge | None = None


class SignInOTPEmailRequest(StrictModel):
    email: Email
    options: SignUpOptions | None = None


class SignUpOTPEmailRequest(StrictModel):
    email: Email
    options: SignUpOptions | None = None


class SignInOTPEmailVerifyRequest(StrictModel):
    otp: str
    email: Email


class SignInOTPEmailVerifyResponse(BaseModel):
    session: Session | None = None


class UserEmailChangeRequest(StrictModel):
    newEmail: Email
    options: OptionsRedirectTo | None = None
    codeChallenge: CodeChallenge | None = None


class UserEmailSendVerificationEmailRequest(StrictModel):
    email: Email
    options: OptionsRedirectTo | None = None
    codeChallenge: CodeChallenge | None = None


class UserPasswordResetRequest(StrictModel):
    email: Email
    options: OptionsRedirectTo | None = None
    codeChallenge: CodeChallenge | None = None


class UserPasswordRequest(StrictModel):
    # Longer than the spec's 50 and no schema minimum: as sign-up, the policy is enforced in code.
    newPassword: str = Field(min_length=1, max_length=4096)
    ticket: str | None = Field(default=None, pattern=r"^passwordReset\:.*$")
