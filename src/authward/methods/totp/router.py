"""TOTP routes: the Nhost ones (generate, /user/mfa, /signin/mfa/totp) and /elevate/totp, plus status
and balena's disable-with-password."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from authward.api.deps import provide, required_claims, user_agent
from authward.api.elevation import require_elevated
from authward.api.nhost.common import ERRORS
from authward.api.nhost.schemas import OKResponse, SessionPayload
from authward.api.nhost.wire import json_response, ok_response, session_payload
from authward.methods.totp.schemas import (
    DisableMfaRequest,
    ElevateTotpRequest,
    MfaStatusResponse,
    RecoveryCodesRequest,
    RecoveryCodesResponse,
    SignInMfaTotpRequest,
    TotpGenerateResponse,
    UserMfaRequest,
)
from authward.methods.totp.service import TotpService

router = APIRouter()
TotpServiceDep = Annotated[TotpService, Depends(provide(TotpService))]


@router.get("/mfa/totp/generate", operation_id="changeUserMfa", response_model=TotpGenerateResponse,
            responses=ERRORS, tags=["user"])
async def generate_totp(
    svc: TotpServiceDep,
    claims: dict[str, Any] = Depends(require_elevated),
) -> Response:
    setup = await svc.generate(claims["sub"])
    return json_response({"imageUrl": setup.image_url, "totpSecret": setup.secret,
                          "recoveryCodes": setup.recovery_codes})


@router.post("/user/mfa", operation_id="verifyChangeUserMfa", response_model=OKResponse, responses=ERRORS,
             tags=["security"])
async def change_user_mfa(
    body: UserMfaRequest,
    svc: TotpServiceDep,
    claims: dict[str, Any] = Depends(require_elevated),
) -> Response:
    if body.activeMfaType == "totp":
        await svc.activate(claims["sub"], body.code)
    else:  # "" or absent deactivates, as Nhost
        await svc.deactivate(claims["sub"], body.code)
    return ok_response()


@router.get("/user/mfa", operation_id="getUserMfa", response_model=MfaStatusResponse, responses=ERRORS,
            tags=["security"])
async def get_user_mfa(
    svc: TotpServiceDep,
    claims: dict[str, Any] = Depends(required_claims),
) -> Response:
    status = await svc.status(claims)
    return json_response({"activeMfaType": status.active_mfa_type, "secondFactorPassed": status.second_factor_passed,
                          "elevated": status.elevated, "recoveryCodesRemaining": status.recovery_codes_remaining})


@router.post("/user/mfa/disable", operation_id="disableUserMfa", response_model=SessionPayload, responses=ERRORS,
             tags=["security"])
async def disable_user_mfa(
    body: DisableMfaRequest,
    request: Request,
    svc: TotpServiceDep,
    claims: dict[str, Any] = Depends(require_elevated),
) -> Response:
    issued = await svc.disable_with_password(claims, body.password, user_agent(request))
    return json_response(session_payload(issued))


@router.post("/signin/mfa/totp", operation_id="verifySignInMfaTotp", response_model=SessionPayload,
             responses=ERRORS, tags=["authentication"])
async def sign_in_mfa_totp(body: SignInMfaTotpRequest, request: Request,
                           svc: TotpServiceDep) -> Response:
    issued = await svc.complete_sign_in(body.ticket, body.otp, user_agent(request))
    return json_response(session_payload(issued))


@router.post("/elevate/totp", operation_id="elevateTotp", response_model=SessionPayload, responses=ERRORS,
             tags=["security"])
async def elevate_totp(
    body: ElevateTotpRequest,
    request: Request,
    svc: TotpServiceDep,
    claims: dict[str, Any] = Depends(required_claims),
) -> Response:
    issued = await svc.elevate(claims, body.otp, user_agent(request))
    return json_response(session_payload(issued))


@router.post("/user/mfa/recovery-codes", operation_id="regenerateRecoveryCodes",
             response_model=RecoveryCodesResponse, responses=ERRORS, tags=["security"])
async def regenerate_recovery_codes(
    body: RecoveryCodesRequest,
    svc: TotpServiceDep,
    claims: dict[str, Any] = Depends(require_elevated),
) -> Response:
    """A new set of recovery codes for a current TOTP code (beyond Nhost)."""
    codes = await svc.regenerate_recovery_codes(claims["sub"], body.code)
    return json_response({"recoveryCodes": codes})
