"""Session routes: refresh, sign out, verify a token, read the signed-in user."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from starlette.responses import Response

from authward.api.deps import bearer_token, claims_from_header, get_core, optional_claims
from authward.api.nhost.common import ERRORS
from authward.api.nhost.schemas import (
    OKResponse,
    RefreshTokenRequest,
    Session,
    SignOutRequest,
    User,
    VerifyTokenRequest,
)
from authward.api.nhost.wire import json_response, ok_response, session_json, user_json
from authward.errors import AuthError, ErrorCode
from authward.security.jwt import InvalidToken
from authward.services.core import Core
from authward.services.users import load_active_user

router = APIRouter()


@router.post("/token", operation_id="refreshToken", response_model=Session, responses=ERRORS, tags=["session"])
async def refresh_token(body: RefreshTokenRequest, core: Core = Depends(get_core)) -> Response:
    """Normally answered by api/hot.py before routing (a valid body); this is the same answer, and the docs."""
    return await refresh_response(core, body)


async def refresh_response(core: Core, body: RefreshTokenRequest) -> Response:
    issued = await core.sessions.refresh(body.refreshToken)
    return json_response(session_json(issued))


@router.post("/signout", operation_id="signOut", response_model=OKResponse, responses=ERRORS, tags=["session"])
async def sign_out(
    body: SignOutRequest,
    core: Core = Depends(get_core),
    claims: dict[str, Any] | None = Depends(optional_claims),
) -> Response:
    if body.all and claims is None:
        raise AuthError(ErrorCode.UNAUTHENTICATED, "Signing out of all sessions needs a bearer access token")
    if not body.all and not body.refreshToken:
        raise AuthError(ErrorCode.INVALID_REQUEST, "refreshToken is required unless all is true")
    user_id = uuid.UUID(claims["sub"]) if claims else None
    await core.sessions.sign_out(body.refreshToken, user_id, body.all)
    return ok_response()


@router.post(
    "/token/verify", operation_id="verifyToken", response_model=OKResponse, responses=ERRORS, tags=["session"]
)
async def verify_token(
    request: Request, body: VerifyTokenRequest | None = Body(default=None), core: Core = Depends(get_core)
) -> Response:
    token = body.token if body is not None and body.token else bearer_token(request)
    return await verify_response(core, token)


async def verify_response(core: Core, token: str | None) -> Response:
    if not token:
        raise AuthError(ErrorCode.UNAUTHENTICATED, "No token given in the body or the Authorization header")
    try:
        await core.codec.decode(token)
    except InvalidToken as exc:
        raise AuthError(ErrorCode.UNAUTHENTICATED, "Invalid or expired access token") from exc
    return ok_response()


@router.get("/user", operation_id="getUser", response_model=User, responses=ERRORS, tags=["user"])
async def get_user(request: Request, core: Core = Depends(get_core)) -> Response:
    """Normally answered by api/hot.py before routing; this is the same answer, and the docs."""
    return await user_response(core, request.headers.get("authorization"))


async def user_response(core: Core, authorization: str | None) -> Response:
    claims = await claims_from_header(core, authorization)
    if claims is None:
        raise AuthError(ErrorCode.UNAUTHENTICATED)
    user = await load_active_user(core.db, claims["sub"], profile_only=True)
    return json_response(user_json(user))
