"""POST /user/phone-number/change, /user/phone-number/change/verify and /user/deanonymize/sms."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from authward.api.deps import provide, required_claims
from authward.api.elevation import require_elevated
from authward.api.nhost.common import ERRORS
from authward.api.nhost.profile import profile_options
from authward.api.nhost.schemas import OKResponse
from authward.api.nhost.wire import ok_response
from authward.methods.sms_otp.deanonymize import SmsDeanonymization
from authward.methods.sms_otp.phone_change import PhoneChangeService
from authward.methods.sms_otp.schemas import (
    UserDeanonymizeSmsRequest,
    UserPhoneNumberChangeRequest,
    UserPhoneNumberChangeVerifyRequest,
)

router = APIRouter()
PhoneChangeDep = Annotated[PhoneChangeService, Depends(provide(PhoneChangeService))]
DeanonymizationDep = Annotated[SmsDeanonymization, Depends(provide(SmsDeanonymization))]
ElevatedClaims = Annotated[dict[str, Any], Depends(require_elevated)]  # spec: BearerAuthElevated


@router.post("/user/phone-number/change", operation_id="changeUserPhoneNumber", response_model=OKResponse,
             responses=ERRORS, tags=["user"])
async def change_user_phone_number(
    body: UserPhoneNumberChangeRequest, svc: PhoneChangeDep, claims: ElevatedClaims
) -> Response:
    await svc.request_change(claims["sub"], body.newPhoneNumber)
    return ok_response()


@router.post("/user/phone-number/change/verify", operation_id="verifyChangeUserPhoneNumber",
             response_model=OKResponse, responses=ERRORS, tags=["user"])
async def verify_change_user_phone_number(
    body: UserPhoneNumberChangeVerifyRequest, svc: PhoneChangeDep, claims: ElevatedClaims
) -> Response:
    await svc.verify_change(claims["sub"], body.newPhoneNumber, body.otp)
    return ok_response()


@router.post("/user/deanonymize/sms", operation_id="deanonymizeUserSms", response_model=OKResponse,
             responses=ERRORS, tags=["authentication"])
async def deanonymize_user_sms(
    body: UserDeanonymizeSmsRequest, svc: DeanonymizationDep, claims: dict[str, Any] = Depends(required_claims)
) -> Response:
    await svc.start(claims["sub"], body.phoneNumber, profile_options(body.options))
    return ok_response()
