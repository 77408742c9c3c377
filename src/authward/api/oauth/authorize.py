"""GET|POST /authorize (and Nhost's /oauth2/authorize): the authorization code flow's front door."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from authward.api.deps import get_core, provide
from authward.api.oauth.error_page import error_page
from authward.api.oauth.schemas import REDIRECTS, OAuth2AuthorizeRequest, query_parameters, request_body
from authward.api.oauth.wire import query_params, read_params
from authward.services.core import Core
from authward.services.oauth.authorization import AuthorizationService, ErrorPage
from authward.services.oauth.browser_sessions import COOKIE_NAME

router = APIRouter(tags=["oauth"])
NO_STORE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}
DESCRIPTION = (
    "Starts the authorization code flow: the browser goes to the login UI (then the consent page), or back to "
    "the client's redirect_uri with a code or an error. Without a known client and one of its redirect URIs, "
    "an HTML page explains instead (nothing is redirected)."
)
# response_class=Response: a 302 without a JSON body; errors about the client itself are an HTML page.
# The parameters are read by hand (query_params refuses a repeated one): these only document them.
GET: dict[str, Any] = {
    "summary": "OAuth2 Authorization Endpoint", "description": DESCRIPTION, "status_code": 302,
    "response_class": Response, "responses": REDIRECTS, "openapi_extra": query_parameters(OAuth2AuthorizeRequest),
}
POST: dict[str, Any] = {
    **GET, "summary": "OAuth2 Authorization Endpoint (POST)",
    "openapi_extra": request_body(OAuth2AuthorizeRequest,
                                  "OAuth2 authorization request parameters (RFC 6749 Section 4.1.1)."),
}


async def _authorize(request: Request, params: dict[str, str], core: Core,
                     authorization: AuthorizationService) -> Response:
    login = await core.browser_sessions.login_state(request.cookies.get(COOKIE_NAME))
    outcome = await authorization.authorize(params, login)
    if isinstance(outcome, ErrorPage):
        return error_page(outcome.error, outcome.description, request.headers.get("accept-language"))
    return RedirectResponse(outcome.url, status_code=302, headers=NO_STORE)


@router.get("/authorize", operation_id="authorize", **GET)
@router.get("/oauth2/authorize", operation_id="oauth2Authorize", **GET)
async def authorize_get(
    request: Request, core: Core = Depends(get_core),
    authorization: AuthorizationService = Depends(provide(AuthorizationService)),
) -> Response:
    return await _authorize(request, query_params(request), core, authorization)


@router.post("/authorize", operation_id="authorizePost", **POST)
@router.post("/oauth2/authorize", operation_id="oauth2AuthorizePost", **POST)
async def authorize_post(
    request: Request, core: Core = Depends(get_core),
    authorization: AuthorizationService = Depends(provide(AuthorizationService)),
) -> Response:
    return await _authorize(request, await read_params(request), core, authorization)
