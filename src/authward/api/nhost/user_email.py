"""POST /user/email/change and POST /user/email/send-verification-email."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from authward.api.deps import get_core
from authward.api.elevation import require_elevated
from authward.api.nhost.common import ERRORS
from authward.api.nhost.email_schemas import UserEmailChangeRequest, UserEmailSendVerificationEmailRequest
from authward.api.nhost.schemas import OKResponse
from authward.api.nhost.wire import ok_response
from authward.services.core import Core

router = APIRouter(tags=["user"])


@router.post("/user/email/change", operation_id="changeUserEmail", response_model=OKResponse, responses=ERRORS)
async def change_user_email(
    body: UserEmailChangeRequest,
    claims: dict[str, Any] = Depends(require_elevated),
    core: Core = Depends(get_core),
) -> Response:
    redirect_to = body.options.redirectTo if body.options else None
    await core.email_change.request_change(claims["sub"], body.newEmail, redirect_to, body.codeChallenge)
    return ok_response()


@router.post(
    "/user/email/send-verification-email", operation_id="sendVerificationEmail", response_model=OKResponse,
    responses=ERRORS,
)
async def send_verification_email(
    body: UserEmailSendVerificationEmailRequest, core: Core = Depends(get_core)
) -> Response:
    redirect_to = body.options.redirectTo if body.options else None
    await core.email_verification.resend(body.email, redirect_to, body.codeChallenge)
    return ok_response()
