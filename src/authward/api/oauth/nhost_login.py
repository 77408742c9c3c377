"""Nhost's login contract for its OAuth provider: an app with its own login UI finishes /oauth2/authorize.

`/oauth2/authorize` without a login session sends the browser to the login UI with `?request_id=`.
`GET /oauth2/login?request_id=` describes the request (client, scopes); after the user signed in (and
agreed), `POST /oauth2/login {"requestId"}` with the user's bearer access token answers the client's
redirect, code included. These two answer in the Nhost shape (`{status, error, message}`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from authward.api.deps import get_core, provide, required_claims
from authward.api.nhost.common import ERRORS
from authward.api.nhost.wire import json_response
from authward.api.oauth.schemas import OAuth2LoginCompleteResponse, OAuth2LoginRequest, OAuth2LoginResponse
from authward.errors import AuthError, ErrorCode
from authward.services.core import Core
from authward.services.oauth.authorization import AuthorizationService, LoginState
from authward.services.users import load_active_user

router = APIRouter(tags=["authentication"])


@router.get("/oauth2/login", operation_id="oauth2LoginGet", summary="The pending authorization request, for a login UI",
            response_model=OAuth2LoginResponse, responses=ERRORS)
async def oauth2_login_get(
    request_id: uuid.UUID = Query(description="The pending authorization request identifier."),
    authorization: AuthorizationService = Depends(provide(AuthorizationService)),
) -> Response:
    pending = await authorization.pending(str(request_id))
    return json_response({
        "requestId": pending.request_id, "clientId": pending.client.client_id, "scopes": list(pending.request.scopes),
        "redirectUri": pending.request.redirect_uri,
        # authward extensions, for a consent screen
        "clientName": pending.client.name, "logoUrl": pending.client.logo_url,
        "firstParty": pending.client.first_party,
    })


@router.post("/oauth2/login", operation_id="oauth2LoginPost", summary="Complete login/consent for a pending request",
             response_model=OAuth2LoginCompleteResponse, responses=ERRORS)
async def oauth2_login_post(
    body: OAuth2LoginRequest,
    claims: dict[str, Any] = Depends(required_claims),
    core: Core = Depends(get_core),
    authorization: AuthorizationService = Depends(provide(AuthorizationService)),
) -> Response:
    """The caller's UI showed the request and the user agreed: consent is recorded for a third-party client."""
    user = await load_active_user(core.db, claims["sub"])
    if user.is_anonymous:
        raise AuthError(ErrorCode.FORBIDDEN_ANONYMOUS)
    login = LoginState(user.id, datetime.fromtimestamp(int(claims["auth_time"]), UTC), list(claims.get("amr", [])))
    redirect = await authorization.resume(str(body.requestId), login, consented=True)
    return json_response({"redirectUri": redirect.url})
