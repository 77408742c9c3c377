"""POST /signin/passwordless/email and POST /signup/passwordless/email (the link opens GET /verify)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import Response

from authward.api.deps import services
from authward.api.nhost.common import ERRORS
from authward.api.nhost.email_schemas import SignInPasswordlessEmailRequest, SignUpPasswordlessEmailRequest
from authward.api.nhost.pkce import refuse_code_challenge
from authward.api.nhost.profile import profile_options
from authward.api.nhost.schemas import OKResponse
from authward.api.nhost.wire import ok_response
from authward.container import Services

router = APIRouter(tags=["authentication"])


@router.post(
    "/signin/passwordless/email", operation_id="signInPasswordlessEmail", response_model=OKResponse,
    responses=ERRORS,
)
async def sign_in_passwordless_email(
    body: SignInPasswordlessEmailRequest, svc: Services = Depends(services)
) -> Response:
    refuse_code_challenge(body.codeChallenge)
    await svc.email.magic_links.start(body.email, profile_options(body.options), sign_up=False)
    return ok_response()


@router.post(
    "/signup/passwordless/email", operation_id="signUpPasswordlessEmail", response_model=OKResponse,
    responses=ERRORS,
)
async def sign_up_passwordless_email(
    body: SignUpPasswordlessEmailRequest, svc: Services = Depends(services)
) -> Response:
    refuse_code_challenge(body.codeChallenge)
    await svc.email.magic_links.start(body.email, profile_options(body.options), sign_up=True)
    return ok_response()
