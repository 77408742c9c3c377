"""POST /oauth/token, /oauth/revoke, /oauth/introspect (and Nhost's /oauth2/* paths): form or JSON bodies."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from authward.api.deps import provide, user_agent
from authward.api.oauth.schemas import (
    ERRORS,
    NO_STORE_HEADERS,
    OAuth2IntrospectRequest,
    OAuth2IntrospectResponse,
    OAuth2RevokeRequest,
    OAuth2TokenRequest,
    OAuth2TokenResponse,
    request_body,
)
from authward.api.oauth.wire import json_answer, presented_client, read_params
from authward.services.oauth.grants import TokenEndpoint
from authward.services.oauth.token_state import TokenState

router = APIRouter(tags=["oauth"])

# The bodies are read by hand (read_params): these only document them.
TOKEN: dict[str, Any] = {
    "summary": "OAuth2 Token Endpoint",
    "description": "Exchange an authorization code for tokens, rotate a refresh token, or get a client's own "
                   "token (client_credentials). The client authenticates with HTTP Basic, client_secret in the "
                   "body, a private_key_jwt assertion, or (public client) its client_id alone.",
    "response_model": OAuth2TokenResponse,
    "responses": {**ERRORS, 200: {"description": "Token response", "headers": NO_STORE_HEADERS}},
    "openapi_extra": request_body(OAuth2TokenRequest, "Token request parameters (RFC 6749 Section 4.1.3)."),
}
REVOKE: dict[str, Any] = {
    "summary": "OAuth2 Token Revocation (RFC 7009)",
    "description": "Revoke a refresh token (its whole session) or an access token's session. 200 for every "
                   "token, known or not.",
    "responses": {**ERRORS, 200: {
        "description": "Token revoked (or was already invalid)",
        "content": {"application/json": {"schema": {"type": "object", "maxProperties": 0}}},
    }},
    "openapi_extra": request_body(OAuth2RevokeRequest, "Token revocation request parameters (RFC 7009 Section 2.1)."),
}
INTROSPECT: dict[str, Any] = {
    "summary": "OAuth2 Token Introspection (RFC 7662)",
    "description": "The state of a token, for an authenticated confidential client.",
    "response_model": OAuth2IntrospectResponse,
    "responses": ERRORS,
    "openapi_extra": request_body(OAuth2IntrospectRequest,
                                  "Token introspection request parameters (RFC 7662 Section 2.1)."),
}


@router.post("/oauth/token", operation_id="oauthToken", **TOKEN)
@router.post("/oauth2/token", operation_id="oauth2Token", **TOKEN)
async def token(request: Request, tokens: TokenEndpoint = Depends(provide(TokenEndpoint))) -> Response:
    params = await read_params(request)
    answer = await tokens.token(params, presented_client(request, params), user_agent(request))
    return json_answer(answer)


@router.post("/oauth/revoke", operation_id="oauthRevoke", **REVOKE)
@router.post("/oauth2/revoke", operation_id="oauth2Revoke", **REVOKE)
async def revoke(request: Request, state: TokenState = Depends(provide(TokenState))) -> Response:
    """RFC 7009: 200 for every token, known or not (openid-client wants exactly 200)."""
    params = await read_params(request)
    await state.revoke(params.get("token", ""), params.get("token_type_hint"), presented_client(request, params))
    return json_answer({})


@router.post("/oauth/introspect", operation_id="oauthIntrospect", **INTROSPECT)
@router.post("/oauth2/introspect", operation_id="oauth2Introspect", **INTROSPECT)
async def introspect(request: Request, state: TokenState = Depends(provide(TokenState))) -> Response:
    params = await read_params(request)
    answer = await state.introspect(params.get("token", ""), params.get("token_type_hint"),
                                    presented_client(request, params))
    return json_answer(answer)
