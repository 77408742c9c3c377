"""GET|POST /userinfo (and /oauth2/userinfo): the user's claims by the access token's scopes; the JWKS."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from authward.api.deps import get_core, provide
from authward.api.nhost.system import jwks_response
from authward.api.oauth.schemas import (
    ERRORS,
    OAuth2JWKSResponse,
    OAuth2UserinfoRequest,
    OAuth2UserinfoResponse,
    request_body,
)
from authward.api.oauth.wire import json_answer, read_params
from authward.errors import OAuthError
from authward.services.core import Core
from authward.services.oauth.token_state import TokenState

router = APIRouter(tags=["oauth"])
CHALLENGE = {"www-authenticate": 'Bearer realm="authward"'}
GET: dict[str, Any] = {
    "summary": "OpenID Connect UserInfo Endpoint (GET)",
    "description": "Claims about the user of the bearer access token, by its scopes (openid required).",
    "response_model": OAuth2UserinfoResponse, "responses": ERRORS,
}
POST: dict[str, Any] = {
    **GET, "summary": "OpenID Connect UserInfo Endpoint (POST)",
    "openapi_extra": request_body(OAuth2UserinfoRequest, "The access token, if not in the Authorization header.",
                                  required=False),
}


def _bearer(request: Request, body: dict[str, str] | None = None) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if header and scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if body and body.get("access_token"):  # RFC 6750 §2.2: the form-encoded body parameter
        return body["access_token"]
    raise OAuthError("invalid_request", "A bearer access token is required", 401, CHALLENGE)


@router.get("/userinfo", operation_id="userinfoGet", **GET)
@router.get("/oauth2/userinfo", operation_id="oauth2UserinfoGet", **GET)
async def userinfo_get(request: Request, state: TokenState = Depends(provide(TokenState))) -> Response:
    return json_answer(await state.userinfo(_bearer(request)))


@router.post("/userinfo", operation_id="userinfoPost", **POST)
@router.post("/oauth2/userinfo", operation_id="oauth2UserinfoPost", **POST)
async def userinfo_post(request: Request, state: TokenState = Depends(provide(TokenState))) -> Response:
    body = await read_params(request) if request.headers.get("content-type") else {}
    return json_answer(await state.userinfo(_bearer(request, body)))


@router.get("/oauth2/jwks", operation_id="oauth2Jwks", summary="OAuth2 Provider JWKS Endpoint",
            response_model=OAuth2JWKSResponse, responses=ERRORS)
async def oauth2_jwks(core: Core = Depends(get_core)) -> Response:
    return jwks_response(core)
