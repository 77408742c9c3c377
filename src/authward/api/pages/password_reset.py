"""GET|POST /forgot-password and GET|POST /reset-password.

The forgotten-password form always answers the same page (no account enumeration); the mail's link
goes through GET /verify, which signs the user in and lands on /reset-password?refreshToken=... The
new-password form carries that refresh token in a hidden field; saving the password
(PasswordResetService.change_for_user) revokes every session of the user, this one included.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from authward.api.pages.browser_login import clear_login_cookie
from authward.api.pages.csrf import checked_form
from authward.api.pages.deps import CoreDep, ResetDep
from authward.api.pages.errors import form_message
from authward.api.pages.page_route import PageRoute
from authward.api.pages.rendering import Page, page_for
from authward.delivery.templates import duration_phrase
from authward.errors import AuthError
from authward.services.core import Core
from authward.services.users import normalise_email

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FORGOT = "/forgot-password"


def forgot_form(page: Page, status: int = 200, email: str = "", error: str | None = None) -> Response:
    return page.render("forgot.html", page.texts("forgot_title"), status, email=email, error=error)


@router.get(FORGOT)
async def forgot_page(request: Request, core: CoreDep) -> Response:
    return forgot_form(page_for(request, core.settings))


@router.post(FORGOT)
async def forgot_submit(request: Request, core: CoreDep, reset: ResetDep) -> Response:
    form = await checked_form(request, core.settings)
    page = page_for(request, core.settings)
    email = form.get("email", "").strip()
    try:
        normalise_email(email)
    except AuthError:
        return forgot_form(page, 400, email, page.texts("invalid_email"))
    await reset.request_reset(email, f"{core.settings.server.public_url}/reset-password")
    return page.message("check_email_title", "forgot_sent_body", email=email,
                        expires=duration_phrase(core.settings.email.link_expires_in, page.lang),
                        links=[("/login", "back_to_sign_in")])


def _expired(page: Page) -> Response:
    return page.message("link_expired_title", "link_expired_body", 400, alert=True,
                        links=[(FORGOT, "ask_new_link")])


def reset_form(page: Page, core: Core, token: str, status: int = 200, error: str | None = None) -> Response:
    return page.render("reset.html", page.texts("reset_title"), status, token=token, error=error,
                       min_length=core.settings.passwords.min_length)


@router.get("/reset-password")
async def reset_page(request: Request, core: CoreDep) -> Response:
    page = page_for(request, core.settings)
    token = request.query_params.get("refreshToken", "")
    if await core.browser_sessions.login_state(token) is None:
        return _expired(page)
    return reset_form(page, core, token)


@router.post("/reset-password")
async def reset_submit(request: Request, core: CoreDep, reset: ResetDep) -> Response:
    form = await checked_form(request, core.settings)
    page = page_for(request, core.settings)
    token, password = form.get("refresh_token", ""), form.get("password", "")
    login = await core.browser_sessions.login_state(token)
    if login is None:
        return _expired(page)
    if password != form.get("password_confirm", ""):
        return reset_form(page, core, token, 400, page.texts("passwords_differ"))
    try:
        await reset.change_for_user(str(login.user_id), password)
    except AuthError as exc:
        return reset_form(page, core, token, exc.status, form_message(page.texts, exc, core.settings))
    response = page.message("reset_done_title", "reset_done_body", links=[("/login", "sign_in")])
    clear_login_cookie(response, core.settings)  # every session of the user was revoked
    return response
