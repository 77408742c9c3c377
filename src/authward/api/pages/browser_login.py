"""The browser's login at the authorization server, as the pages see it: the session cookie (its value
is the refresh token of an ordinary first-party session; services/oauth/browser_sessions.py), who it
signs in, and what follows a sign-in (back to the waiting authorization request, or a signed-in page).
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from authward.api.pages.rendering import Page, see_other
from authward.errors import AuthError
from authward.services.core import Core
from authward.services.oauth.authorization import AuthorizationService, LoginState, PendingRequest
from authward.services.oauth.browser_sessions import COOKIE_NAME, cookie_attributes
from authward.services.sessions import IssuedSession
from authward.services.users import load_active_user
from authward.settings import Settings


async def pending_request(authorization: AuthorizationService, request_id: str | None) -> PendingRequest | None:
    """The waiting authorization request named by `request_id` (an expired one is a 404 page)."""
    return await authorization.pending(request_id) if request_id else None


async def current_login(request: Request, core: Core) -> LoginState | None:
    return await core.browser_sessions.login_state(request.cookies.get(COOKIE_NAME))


async def email_of(core: Core, login: LoginState) -> str:
    user = await load_active_user(core.db, str(login.user_id))
    return user.email or user.display_name or str(user.id)


def set_login_cookie(response: Response, refresh_token: str, settings: Settings) -> None:
    attributes = cookie_attributes(settings.server.public_url, settings.tokens.refresh_token_expires_in)
    response.set_cookie(COOKIE_NAME, refresh_token, **attributes)


def clear_login_cookie(response: Response, settings: Settings) -> None:
    attributes = cookie_attributes(settings.server.public_url, 0)
    response.delete_cookie(COOKIE_NAME, path="/", secure=attributes["secure"], httponly=True, samesite="lax")


def signed_in_page(page: Page, email: str, status: int = 200) -> Response:
    return page.render("signed_in.html", page.texts("signed_in_title"), status, email=email)


async def finish_sign_in(request: Request, page: Page, core: Core, authorization: AuthorizationService,
                         issued: IssuedSession, request_id: str | None) -> Response:
    """The cookie for the new session (the browser's previous one ends), then back to the request."""
    previous = request.cookies.get(COOKIE_NAME)
    if previous and previous != issued.refresh_token:
        await core.browser_sessions.end(previous)
    login = await core.browser_sessions.login_state(issued.refresh_token)
    response: Response
    if request_id and login is not None:
        try:
            response = see_other((await authorization.resume(request_id, login, consented=False)).url)
        except AuthError:  # the request expired while the user signed in: they are signed in all the same
            response = page.message("request_expired_title", "request_expired_body", 404, alert=True)
    else:
        response = signed_in_page(page, issued.user.email or str(issued.user.id))
    set_login_cookie(response, issued.refresh_token, core.settings)
    return response
