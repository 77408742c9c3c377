"""Request and response models of the TOTP routes (Nhost names, camelCase; extensions marked)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from authward.api.nhost.schemas import StrictModel

# Long enough for a recovery code typed with spaces; short enough to refuse junk early.
CODE_MAX_LENGTH = 64


class TotpGenerateResponse(BaseModel):
    imageUrl: str = Field(description="The otpauth:// URI as a QR code PNG data: URL")
    totpSecret: str = Field(description="The base32 secret, for manual entry in an authenticator app")
    # authward extension: the recovery codes that become valid when this secret is activated (shown once)
    recoveryCodes: list[str] = Field(default_factory=list)


class UserMfaRequest(StrictModel):
    code: str = Field(max_length=CODE_MAX_LENGTH)
    activeMfaType: Literal["totp", ""] | None = None


class SignInMfaTotpRequest(StrictModel):
    ticket: str = Field(max_length=128, pattern=r"^mfaTotp:.*$")
    otp: str = Field(max_length=CODE_MAX_LENGTH)


class ElevateTotpRequest(StrictModel):
    otp: str = Field(max_length=CODE_MAX_LENGTH)


class DisableMfaRequest(StrictModel):
    password: str = Field(min_length=1, max_length=4096)


class MfaStatusResponse(BaseModel):
    activeMfaType: str | None = None
    secondFactorPassed: bool = Field(description="This access token's sign-in included a second factor (amr: mfa)")
    elevated: bool = Field(description="This access token passes the elevation rule now")
    recoveryCodesRemaining: int


class RecoveryCodesRequest(StrictModel):
    code: str = Field(max_length=CODE_MAX_LENGTH, description="A current TOTP code (not a recovery code)")


class RecoveryCodesResponse(BaseModel):
    recoveryCodes: list[str]

