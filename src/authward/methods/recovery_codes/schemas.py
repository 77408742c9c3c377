"""Models of the recovery-code route."""

from __future__ import annotations

from pydantic import BaseModel, Field

from authward.api.nhost.schemas import StrictModel
from authward.methods.totp.schemas import CODE_MAX_LENGTH


class RecoveryCodesRequest(StrictModel):
    code: str = Field(max_length=CODE_MAX_LENGTH, description="A current TOTP code (not a recovery code)")


class RecoveryCodesResponse(BaseModel):
    recoveryCodes: list[str]
