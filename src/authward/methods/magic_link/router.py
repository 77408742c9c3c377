"""POST /signin/passwordless/email and POST /signup/passwordless/email (the link opens GET /verify)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from authward.api.deps import provide
from authward.api.nhost.common import ERRORS
from authward.api.nhost.email_schemas import SignInPasswordlessEmailRequest, SignUpPasswordlessEmailRequest
from authward.api.nhost.profile import profile_options
from authward.api.nhost.schemas import OKResponse
from authward.api.nhost.wire import ok_response
from authward.methods.magic_link.service import MagicLinkService

router = APIRouter(tags=["authentication"])
MagicLinkServiceDep = Annotated[MagicLinkService, Depends(provide(MagicLinkService))]


@router.post(
    "/signin/passwordless/email", operation_id="signInPasswordlessEmail", response_model=OKResponse,
    responses=ERRORS,
)
async def sign_in_passwordless_email(
    body: SignInPasswordlessEmailRequest, svc: MagicLinkServiceDep
) -> Response:
    await svc.start(body.email, profile_options(body.options), sign_up=False, code_challenge=body.codeChallenge)
    return ok_response()


@router.post(
    "/signup/passwordless/email", operation_id="signUpPasswordlessEmail", response_model=OKResponse,
    responses=ERRORS,
)
async def sign_up_passwordless_email(
    body: SignUpPasswordlessEmailRequest, svc: MagicLinkServiceDep
) -> Response:
    await svc.start(body.email, profile_options(body.options), sign_up=True, code_challenge=body.codeChallenge)
    return ok_response()
