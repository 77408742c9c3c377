"""POST /signin/passwordless/sms, /signin/passwordless/sms/otp and /signup/passwordless/sms."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from authward.api.deps import provide, user_agent
from authward.api.nhost.common import ERRORS
from authward.api.nhost.profile import profile_options
from authward.api.nhost.schemas import OKResponse
from authward.api.nhost.wire import json_response, ok_response, sign_in_json
from authward.methods.sms_otp.schemas import (
    SignInPasswordlessSmsOtpRequest,
    SignInPasswordlessSmsOtpResponse,
    SignInPasswordlessSmsRequest,
    SignUpPasswordlessSmsRequest,
)
from authward.methods.sms_otp.service import SmsOtpService

router = APIRouter(tags=["authentication"])
SmsOtpServiceDep = Annotated[SmsOtpService, Depends(provide(SmsOtpService))]


@router.post(
    "/signin/passwordless/sms", operation_id="signInPasswordlessSms", response_model=OKResponse, responses=ERRORS
)
async def sign_in_passwordless_sms(body: SignInPasswordlessSmsRequest, svc: SmsOtpServiceDep) -> Response:
    await svc.start_sign_in(body.phoneNumber, profile_options(body.options))
    return ok_response()


@router.post(
    "/signin/passwordless/sms/otp",
    operation_id="verifySignInPasswordlessSms",
    response_model=SignInPasswordlessSmsOtpResponse,
    responses=ERRORS,
)
async def verify_sign_in_passwordless_sms(
    body: SignInPasswordlessSmsOtpRequest, request: Request, svc: SmsOtpServiceDep
) -> Response:
    outcome = await svc.verify(body.phoneNumber, body.otp, user_agent(request))
    return json_response(sign_in_json(outcome))


@router.post(
    "/signup/passwordless/sms", operation_id="signUpPasswordlessSms", response_model=OKResponse, responses=ERRORS
)
async def sign_up_passwordless_sms(body: SignUpPasswordlessSmsRequest, svc: SmsOtpServiceDep) -> Response:
    await svc.start_sign_up(body.phoneNumber, profile_options(body.options))
    return ok_response()
