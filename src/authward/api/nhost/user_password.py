"""POST /user/password/reset (mail a reset link) and POST /user/password (set it: ticket or session)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from authward.api.deps import optional_claims, services
from authward.api.nhost.common import ERRORS
from authward.api.nhost.email_schemas import UserPasswordRequest, UserPasswordResetRequest
from authward.api.nhost.pkce import refuse_code_challenge
from authward.api.nhost.schemas import OKResponse
from authward.api.nhost.wire import ok_response
from authward.container import Services
from authward.errors import AuthError, ErrorCode

router = APIRouter(tags=["user"])


@router.post(
    "/user/password/reset", operation_id="sendPasswordResetEmail", response_model=OKResponse, responses=ERRORS
)
async def send_password_reset_email(body: UserPasswordResetRequest, svc: Services = Depends(services)) -> Response:
    refuse_code_challenge(body.codeChallenge)
    await svc.password_reset.request_reset(body.email, body.options.redirectTo if body.options else None)
    return ok_response()


@router.post("/user/password", operation_id="changeUserPassword", response_model=OKResponse, responses=ERRORS)
async def change_user_password(
    body: UserPasswordRequest,
    claims: dict[str, Any] | None = Depends(optional_claims),
    svc: Services = Depends(services),
) -> Response:
    """With `ticket`: a reset. Without: the signed-in user (an elevated token when elevation is required)."""
    if body.ticket is not None:
        await svc.password_reset.change_with_ticket(body.ticket, body.newPassword)
        return ok_response()
    if claims is None:
        raise AuthError(ErrorCode.UNAUTHENTICATED, "A reset ticket or a bearer access token is required")
    svc.elevation.enforce(claims)
    await svc.password_reset.change_for_user(claims["sub"], body.newPassword)
    return ok_response()
