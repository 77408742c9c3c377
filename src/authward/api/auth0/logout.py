"""GET /v2/logout?client_id&returnTo: Auth0's logout. The browser's login session ends; the browser goes
to `returnTo` only when the client registered it (its post-logout redirect URIs, Auth0's "Allowed
Logout URLs"), else a plain "OK" page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from authward.api.deps import get_core
from authward.api.oauth.error_page import error_page
from authward.api.oauth.schemas import ERRORS
from authward.api.oauth.wire import query_params
from authward.services.core import Core
from authward.services.oauth.browser_sessions import COOKIE_NAME
from authward.storage.repos import oauth_clients as clients_repo

router = APIRouter(tags=["auth0"])
LOGOUT_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "Signed out; no returnTo", "content": {"text/plain": {"schema": {"type": "string"}}}},
    302: {"description": "Signed out; to the allowed returnTo",
          "headers": {"Location": {"required": True, "schema": {"type": "string", "format": "uri"}}}},
    400: {"description": "returnTo is not an allowed logout URL of the application: an HTML page explains",
          "content": {"text/html": {"schema": {"type": "string"}}}},
    **ERRORS,
}
NO_STORE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}


@router.get("/v2/logout", operation_id="auth0Logout", response_class=Response, responses=LOGOUT_ANSWERS)
async def logout(request: Request, core: Core = Depends(get_core)) -> Response:
    params = query_params(request)
    return_to = params.get("returnTo")
    if return_to:
        async with core.db.read() as session:
            client = await clients_repo.get(session, params.get("client_id", ""))
        if client is None or return_to not in (client.post_logout_redirect_uris or []):
            return error_page("invalid_request", "returnTo is not an allowed logout URL of this application",
                              request.headers.get("accept-language"))
    await core.browser_sessions.end(request.cookies.get(COOKIE_NAME))
    response: Response = RedirectResponse(return_to, status_code=302, headers=NO_STORE) if return_to \
        else PlainTextResponse("OK", headers=NO_STORE)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response
