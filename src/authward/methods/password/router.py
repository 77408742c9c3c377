"""POST /signup/email-password and POST /signin/email-password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response
from starlette.types import Scope

from authward.api.deps import provide, user_agent
from authward.api.hot import header, valid_body
from authward.api.nhost.common import ERRORS
from authward.api.nhost.profile import profile_options
from authward.api.nhost.schemas import (
    SessionPayload,
    SignInEmailPasswordRequest,
    SignInEmailPasswordResponse,
    SignUpEmailPasswordRequest,
)
from authward.api.nhost.wire import json_response, session_payload, sign_in_json
from authward.methods.password.service import PasswordService
from authward.services.runtime import Runtime

router = APIRouter(tags=["authentication"])
PasswordServiceDep = Annotated[PasswordService, Depends(provide(PasswordService))]


@router.post(
    "/signup/email-password", operation_id="signUpEmailPassword", response_model=SessionPayload, responses=ERRORS
)
async def sign_up_email_password(
    body: SignUpEmailPasswordRequest, request: Request, svc: PasswordServiceDep
) -> Response:
    options = profile_options(body.options)
    result = await svc.sign_up(body.email, body.password, options, user_agent(request), body.codeChallenge)
    return json_response(session_payload(result.session))


@router.post(
    "/signin/email-password",
    operation_id="signInEmailPassword",
    response_model=SignInEmailPasswordResponse,
    responses=ERRORS,
)
async def sign_in_email_password(
    body: SignInEmailPasswordRequest, request: Request, svc: PasswordServiceDep
) -> Response:
    return await _sign_in(svc, body, user_agent(request))


async def hot_sign_in(runtime: Runtime, scope: Scope, body: bytes) -> Response | None:
    """The route above before FastAPI's routing (api/hot.py): the hottest write after a refresh. A body
    the route's model refuses goes on to the route (None), so every error is still the route's."""
    request = valid_body(SignInEmailPasswordRequest, body)
    if request is None:
        return None
    return await _sign_in(runtime.get(PasswordService), request, header(scope, b"user-agent"))


async def _sign_in(svc: PasswordService, body: SignInEmailPasswordRequest, agent: str | None) -> Response:
    outcome = await svc.sign_in(body.email, body.password, agent)
    return json_response(sign_in_json(outcome))
