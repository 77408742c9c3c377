"""POST /signin/idtoken, POST /signup/idtoken, POST /link/idtoken (elevated)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from authward.api.deps import provide, user_agent
from authward.api.elevation import require_elevated
from authward.api.nhost.common import ERRORS
from authward.api.nhost.profile import profile_options
from authward.api.nhost.schemas import OKResponse, SessionPayload
from authward.api.nhost.wire import json_response, ok_response, session_payload, sign_in_json
from authward.methods.providers.id_token_flow import IdTokenSignIn
from authward.methods.providers.schemas import LinkIdTokenRequest, SignInIdTokenRequest, SignUpIdTokenRequest

router = APIRouter(tags=["authentication"])
IdTokenDep = Annotated[IdTokenSignIn, Depends(provide(IdTokenSignIn))]


@router.post("/signin/idtoken", operation_id="signInIdToken", response_model=SessionPayload, responses=ERRORS)
async def sign_in_id_token(body: SignInIdTokenRequest, request: Request, svc: IdTokenDep) -> Response:
    outcome = await svc.sign_in(body.provider, body.idToken, body.nonce, profile_options(body.options),
                                user_agent(request))
    return json_response(sign_in_json(outcome))


@router.post("/signup/idtoken", operation_id="signUpIdToken", response_model=SessionPayload, responses=ERRORS)
async def sign_up_id_token(body: SignUpIdTokenRequest, request: Request, svc: IdTokenDep) -> Response:
    issued = await svc.sign_up(body.provider, body.idToken, body.nonce, profile_options(body.options),
                               user_agent(request))
    return json_response(session_payload(issued))


@router.post("/link/idtoken", operation_id="linkIdToken", response_model=OKResponse, responses=ERRORS,
             tags=["security"])
async def link_id_token(body: LinkIdTokenRequest, svc: IdTokenDep,
                        claims: dict[str, Any] = Depends(require_elevated)) -> Response:
    await svc.link(claims["sub"], body.provider, body.idToken, body.nonce)
    return ok_response()
