"""Request and response models of the SMS routes, named as the spec's components."""

from __future__ import annotations

from pydantic import BaseModel

from authward.api.nhost.schemas import MFAChallengePayload, Session, SignUpOptions, StrictModel


class SignInPasswordlessSmsRequest(StrictModel):
    phoneNumber: str
    options: SignUpOptions | None = None


class SignUpPasswordlessSmsRequest(StrictModel):
    phoneNumber: str
    options: SignUpOptions | None = None


class SignInPasswordlessSmsOtpRequest(StrictModel):
    phoneNumber: str
    otp: str


class SignInPasswordlessSmsOtpResponse(BaseModel):
    session: Session | None = None
    mfa: MFAChallengePayload | None = None


class UserPhoneNumberChangeRequest(StrictModel):
    newPhoneNumber: str


class UserPhoneNumberChangeVerifyRequest(StrictModel):
    newPhoneNumber: str
    otp: str


class UserDeanonymizeSmsRequest(StrictModel):
    phoneNumber: str
    options: SignUpOptions | None = None
