"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): GET|POST /oidc/logout.

With a valid `id_token_hint` (ours, expired or not) the browser's login session and the client's
session the hint names (`sid`) end at once, then the browser goes to `post_logout_redirect_uri` if
the client registered it (with `state`). Without a hint, the hosted page asks the user first.
An unregistered `post_logout_redirect_uri` is never followed.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from authward.api.deps import get_core, provide
from authward.api.oauth.error_page import error_page
from authward.api.oauth.schemas import REDIRECTS, OAuth2LogoutRequest, query_parameters, request_body
from authward.api.oauth.wire import query_params, read_params
from authward.security.jwt import InvalidToken
from authward.services.core import Core
from authward.services.oauth.authorization import with_query
from authward.services.oauth.browser_sessions import COOKIE_NAME
from authward.services.oauth.clients import ClientRegistry
from authward.storage.repos import refresh_tokens as tokens_repo

router = APIRouter(tags=["oauth"])
NO_STORE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}
# The parameters are read by hand (query_params, read_params): these only document them.
GET: dict[str, Any] = {
    "summary": "OpenID Connect RP-Initiated Logout (end_session_endpoint)",
    "description": "With a valid id_token_hint the login session and the client's session end, then the browser "
                   "goes to post_logout_redirect_uri (if registered); without one, the logout page asks the user.",
    "status_code": 302, "response_class": Response, "responses": REDIRECTS,
    "openapi_extra": query_parameters(OAuth2LogoutRequest),
}
POST: dict[str, Any] = {
    **GET, "summary": "OpenID Connect RP-Initiated Logout (POST)",
    "openapi_extra": request_body(OAuth2LogoutRequest, "RP-initiated logout parameters (form-encoded, or JSON).",
                                  required=False),
}


async def _logout(request: Request, params: dict[str, str], core: Core, clients: ClientRegistry) -> Response:
    hint = params.get("id_token_hint")
    claims = None
    if hint:
        try:
            claims = await core.codec.verify_signed(hint, verify_exp=False)
        except InvalidToken:
            claims = None
    client_id = params.get("client_id") or (str(claims["aud"]) if claims and isinstance(claims.get("aud"), str)
                                            else None)
    if claims is not None and params.get("client_id") and claims.get("aud") != params["client_id"]:
        return error_page("invalid_request", "id_token_hint was not issued to this client_id",
                          request.headers.get("accept-language"))
    target = params.get("post_logout_redirect_uri")
    client = await clients.get(client_id) if client_id else None
    if target and (client is None or target not in (client.post_logout_redirect_uris or [])):
        return error_page("invalid_request", "post_logout_redirect_uri is not registered for this application",
                          request.headers.get("accept-language"))
    if claims is None:  # no proof the request comes from the user's app: the page asks them
        query = {k: v for k, v in params.items() if k in ("post_logout_redirect_uri", "state", "client_id",
                                                           "ui_locales")}
        return RedirectResponse(f"/logout?{urlencode(query)}", status_code=302, headers=NO_STORE)
    await core.browser_sessions.end(request.cookies.get(COOKIE_NAME))
    sid = claims.get("sid")
    if isinstance(sid, str):
        async with core.db.write() as session:
            await tokens_repo.revoke_family(session, uuid.UUID(sid))
    destination = with_query(target, {"state": params["state"]} if "state" in params else {}) if target \
        else "/logout?done=1"
    response = RedirectResponse(destination, status_code=302, headers=NO_STORE)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@router.get("/oidc/logout", operation_id="endSession", **GET)
async def end_session_get(
    request: Request, core: Core = Depends(get_core), clients: ClientRegistry = Depends(provide(ClientRegistry))
) -> Response:
    return await _logout(request, query_params(request), core, clients)


@router.post("/oidc/logout", operation_id="endSessionPost", **POST)
async def end_session_post(
    request: Request, core: Core = Depends(get_core), clients: ClientRegistry = Depends(provide(ClientRegistry))
) -> Response:
    return await _logout(request, await read_params(request), core, clients)
