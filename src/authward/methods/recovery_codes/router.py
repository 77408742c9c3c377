"""POST /user/mfa/recovery-codes: a new set of recovery codes for a current TOTP code (beyond Nhost)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from authward.api.deps import required_claims, services
from authward.api.nhost.common import ERRORS
from authward.api.nhost.wire import json_response
from authward.container import Services
from authward.methods.recovery_codes.schemas import RecoveryCodesRequest, RecoveryCodesResponse

router = APIRouter(tags=["security"])


@router.post("/user/mfa/recovery-codes", operation_id="regenerateRecoveryCodes",
             response_model=RecoveryCodesResponse, responses=ERRORS)
async def regenerate_recovery_codes(body: RecoveryCodesRequest, claims: dict[str, Any] = Depends(required_claims),
                                    svc: Services = Depends(services)) -> Response:
    codes = await svc.totp.regenerate_recovery_codes(claims["sub"], body.code)
    return json_response({"recoveryCodes": codes})
