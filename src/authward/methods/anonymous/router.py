"""POST /signin/anonymous and POST /user/deanonymize."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from starlette.responses import Response

from authward.api.deps import provide, required_claims, user_agent
from authward.api.nhost.common import ERRORS
from authward.api.nhost.profile import profile_options
from authward.api.nhost.schemas import OKResponse, SessionPayload
from authward.api.nhost.wire import json_response, ok_response, session_payload
from authward.methods.anonymous.schemas import SignInAnonymousRequest, UserDeanonymizeRequest
from authward.methods.anonymous.service import AnonymousService
from authward.services.users import ProfileOptions

router = APIRouter(tags=["authentication"])
AnonymousServiceDep = Annotated[AnonymousService, Depends(provide(AnonymousService))]


@router.post("/signin/anonymous", operation_id="signInAnonymous", response_model=SessionPayload, responses=ERRORS)
async def sign_in_anonymous(
    request: Request,
    svc: AnonymousServiceDep,
    body: SignInAnonymousRequest | None = Body(default=None),
) -> Response:
    options = ProfileOptions()
    if body is not None:
        options = ProfileOptions(display_name=body.displayName, locale=body.locale, metadata=body.metadata or {})
    issued = await svc.sign_in(options, user_agent(request))
    return json_response(session_payload(issued))


@router.post("/user/deanonymize", operation_id="deanonymizeUser", response_model=OKResponse, responses=ERRORS)
async def deanonymize_user(
    body: UserDeanonymizeRequest,
    svc: AnonymousServiceDep,
    claims: dict[str, Any] = Depends(required_claims),
) -> Response:
    await svc.deanonymize(
        claims["sub"], body.signInMethod, body.email, body.password, profile_options(body.options),
        code_challenge=body.codeChallenge,
    )
    return ok_response()
