"""Social sign-in on the hosted login page: a button per enabled provider, and where it comes back.

A button starts the Nhost face's `GET /signin/provider/{name}` with `redirectTo` set to
`/login/provider` (with the waiting authorization request's id); the provider callback sends the
browser back there with `refreshToken` (or `mfaTicket`, or `error`). That refresh token is rotated at
once into the browser's login cookie (the URL's copy dies with the refresh grace window,
AUTHWARD_REFRESH_TOKEN_REUSE_INTERVAL) and the waiting request resumes, as after a password sign-in.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from authward.api.pages.browser_login import finish_sign_in, pending_request
from authward.api.pages.deps import AuthorizationDep, CoreDep
from authward.api.pages.errors import form_message
from authward.api.pages.login import login_form, mfa_step
from authward.api.pages.page_route import PageRoute
from authward.api.pages.provider_buttons import RETURN_PATH, DirectoryDep, provider_buttons
from authward.api.pages.rendering import page_for
from authward.errors import AuthError, ErrorCode

router = APIRouter(route_class=PageRoute, include_in_schema=False)
# What the user can act on is said as on the other forms; any other failure is "did not work, try again".
SAID_AS_IS = frozenset({ErrorCode.DISABLED_USER, ErrorCode.UNVERIFIED_USER, ErrorCode.SIGNUP_DISABLED,
                        ErrorCode.USER_ALREADY_EXISTS})


@router.get(RETURN_PATH)
async def provider_return(request: Request, core: CoreDep, authorization: AuthorizationDep,
                          directory: DirectoryDep) -> Response:
    query = request.query_params
    pending = await pending_request(authorization, query.get("request_id"))
    page = page_for(request, core.settings, pending)
    buttons = provider_buttons(core, directory, pending.request_id if pending else None)
    if query.get("mfaTicket"):
        return mfa_step(page, query["mfaTicket"], pending)
    try:
        if query.get("error") or not query.get("refreshToken"):
            code = query.get("error", "")
            known = code in ErrorCode.__members__.values()
            raise AuthError(ErrorCode(code) if known else ErrorCode.OAUTH_PROVIDER_ERROR)
        issued = await core.sessions.refresh(query["refreshToken"])
    except AuthError as exc:
        told = form_message(page.texts, exc, core.settings) if exc.code in SAID_AS_IS else page.texts("provider_failed")
        return login_form(page, pending, exc.status, error=told, passkeys=core.settings.webauthn.enabled,
                          providers=buttons)
    return await finish_sign_in(request, page, core, authorization, issued, pending.request_id if pending else None)
