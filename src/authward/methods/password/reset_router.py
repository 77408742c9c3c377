"""POST /user/password/reset (mail a reset link) and POST /user/password (set it: ticket or session)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from authward.api.deps import get_core, optional_claims, provide
from authward.api.nhost.common import ERRORS
from authward.api.nhost.email_schemas import UserPasswordRequest, UserPasswordResetRequest
from authward.api.nhost.schemas import OKResponse
from authward.api.nhost.wire import ok_response
from authward.errors import AuthError, ErrorCode
from authward.methods.password.reset import PasswordResetService
from authward.services.core import Core

router = APIRouter(tags=["user"])
PasswordResetServiceDep = Annotated[PasswordResetService, Depends(provide(PasswordResetService))]


@router.post(
    "/user/password/reset", operation_id="sendPasswordResetEmail", response_model=OKResponse, responses=ERRORS
)
async def send_password_reset_email(body: UserPasswordResetRequest, svc: PasswordResetServiceDep) -> Response:
    await svc.request_reset(body.email, body.options.redirectTo if body.options else None, body.codeChallenge)
    return ok_response()


@router.post("/user/password", operation_id="changeUserPassword", response_model=OKResponse, responses=ERRORS)
async def change_user_password(
    body: UserPasswordRequest,
    svc: PasswordResetServiceDep,
    claims: dict[str, Any] | None = Depends(optional_claims),
    core: Core = Depends(get_core),
) -> Response:
    """With `ticket`: a reset. Without: the signed-in user (an elevated token when elevation is required)."""
    if body.ticket is not None:
        await svc.change_with_ticket(body.ticket, body.newPassword)
        return ok_response()
    if claims is None:
        raise AuthError(ErrorCode.UNAUTHENTICATED, "A reset ticket or a bearer access token is required")
    core.elevation.enforce(claims)  # a recent authentication (or elevation): a stolen token cannot lock out
    await svc.change_for_user(claims["sub"], body.newPassword)
    return ok_response()
