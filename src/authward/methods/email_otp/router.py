"""POST /signin/otp/email, /signup/otp/email and /signin/otp/email/verify."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from authward.api.deps import provide, user_agent
from authward.api.nhost.common import ERRORS
from authward.api.nhost.email_schemas import (
    SignInOTPEmailRequest,
    SignInOTPEmailVerifyRequest,
    SignInOTPEmailVerifyResponse,
    SignUpOTPEmailRequest,
)
from authward.api.nhost.profile import profile_options
from authward.api.nhost.schemas import OKResponse
from authward.api.nhost.wire import json_response, ok_response, session_json
from authward.methods.email_otp.service import EmailOtpService
from authward.services.sign_in import MfaChallenge

router = APIRouter(tags=["authentication"])
EmailOtpServiceDep = Annotated[EmailOtpService, Depends(provide(EmailOtpService))]


@router.post("/signin/otp/email", operation_id="signInOTPEmail", response_model=OKResponse, responses=ERRORS)
async def sign_in_otp_email(body: SignInOTPEmailRequest, svc: EmailOtpServiceDep) -> Response:
    await svc.start(body.email, profile_options(body.options), sign_up=False)
    return ok_response()


@router.post("/signup/otp/email", operation_id="signUpOTPEmail", response_model=OKResponse, responses=ERRORS)
async def sign_up_otp_email(body: SignUpOTPEmailRequest, svc: EmailOtpServiceDep) -> Response:
    await svc.start(body.email, profile_options(body.options), sign_up=True)
    return ok_response()


@router.post(
    "/signin/otp/email/verify", operation_id="verifySignInOTPEmail", response_model=SignInOTPEmailVerifyResponse,
    responses=ERRORS,
)
async def verify_sign_in_otp_email(
    body: SignInOTPEmailVerifyRequest, request: Request, svc: EmailOtpServiceDep
) -> Response:
    outcome = await svc.verify(body.email, body.otp, user_agent(request))
    if isinstance(outcome, MfaChallenge):  # TOTP active: finish at /signin/mfa/totp
        return json_response({"session": None, "mfa": {"ticket": outcome.ticket}})
    return json_response({"session": session_json(outcome)})
