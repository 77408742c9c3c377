"""GET|POST /login, POST /login/mfa (the TOTP step), POST /login/continue, POST /login/cancel.

Without a login the form asks for email and password; the sign-in is the password method's
(PasswordService.sign_in), so an unknown email and a wrong password get the same 401 message. A
user with TOTP gets the second step (TotpService.complete_sign_in). A signed-in browser that lands
here for an authorization request may continue as itself, unless the request asks for a new login.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from authward.api.deps import user_agent
from authward.api.pages.browser_login import (
    current_login,
    email_of,
    finish_sign_in,
    pending_request,
    signed_in_page,
)
from authward.api.pages.csrf import checked_form
from authward.api.pages.deps import AuthorizationDep, CoreDep, PasswordsDep, TotpDep
from authward.api.pages.errors import form_message
from authward.api.pages.headers import allow_own_script
from authward.api.pages.page_route import PageRoute
from authward.api.pages.provider_buttons import DirectoryDep, provider_buttons
from authward.api.pages.rendering import Page, page_for, see_other
from authward.api.pages.script import PASSKEY_SCRIPT_URL
from authward.errors import AuthError, ErrorCode
from authward.services.core import Core
from authward.services.oauth.authorization import LoginState, PendingRequest, with_query
from authward.services.sign_in import MfaChallenge

router = APIRouter(route_class=PageRoute, include_in_schema=False)
RESTART = {ErrorCode.INVALID_TICKET, ErrorCode.OTP_TOO_MANY_ATTEMPTS}


def _login_url(request_id: str | None) -> str:
    return with_query("/login", {"request_id": request_id}) if request_id else "/login"


def _may_continue(core: Core, pending: PendingRequest, login: LoginState) -> bool:
    """The cookie's login fits the request as it stands (no prompt=login, max_age satisfied)."""
    if "login" in pending.request.prompt:
        return False
    max_age = pending.request.max_age
    return max_age is None or (core.clock() - login.auth_time).total_seconds() <= max_age


def login_form(page: Page, pending: PendingRequest | None, status: int = 200, *, email: str = "",
               error: str | None = None, notice: str | None = None, continue_as: str | None = None,
               passkeys: bool = False, providers: Sequence[Any] = ()) -> Response:
    """The form; with `passkeys` (WebAuthn on) also "Sign in with a passkey", and the script it needs;
    a button per enabled social provider (`providers`: api/pages/provider_login.ProviderButton)."""
    response = page.render(
        "login.html", page.texts("login_title"), status, error=error, notice=notice, email=email,
        request_id=pending.request_id if pending else None, client=pending.client.name if pending else None,
        continue_as=continue_as, passkeys=passkeys, passkey_script=PASSKEY_SCRIPT_URL, providers=providers,
    )
    return allow_own_script(response) if passkeys else response


@router.get("/login")
async def login_page(request: Request, core: CoreDep, authorization: AuthorizationDep,
                     directory: DirectoryDep) -> Response:
    # back from the sign-up's mail: /verify redirects with type=verifyEmail (its link says emailVerify)
    verified = request.query_params.get("type") in ("verifyEmail", "emailVerify")
    try:
        pending = await pending_request(authorization, request.query_params.get("request_id"))
    except AuthError:
        if not verified:
            raise
        pending = None  # the request expired while the mail travelled: the address is verified all the same
    page = page_for(request, core.settings, pending)
    login = await current_login(request, core)
    if login is not None and pending is None:
        return signed_in_page(page, await email_of(core, login))
    continue_as = await email_of(core, login) if login and pending and _may_continue(core, pending, login) \
        else None
    notice = page.texts("email_verified") if verified else None
    hint = (pending.request.login_hint or "") if pending else ""
    return login_form(page, pending, email=hint, notice=notice, continue_as=continue_as,
                      passkeys=core.settings.webauthn.enabled,
                      providers=provider_buttons(core, directory, pending.request_id if pending else None))


@router.post("/login")
async def login_submit(
    request: Request, core: CoreDep, authorization: AuthorizationDep, passwords: PasswordsDep,
    directory: DirectoryDep,
) -> Response:
    form = await checked_form(request, core.settings)
    pending = await pending_request(authorization, form.get("request_id") or None)
    page = page_for(request, core.settings, pending)
    email = form.get("email", "")
    try:
        outcome = await passwords.sign_in(email, form.get("password", ""), user_agent(request))
    except AuthError as exc:
        return login_form(page, pending, exc.status, email=email, error=form_message(page.texts, exc, core.settings),
                          passkeys=core.settings.webauthn.enabled,
                          providers=provider_buttons(core, directory, pending.request_id if pending else None))
    if isinstance(outcome, MfaChallenge):
        return mfa_step(page, outcome.ticket, pending)
    return await finish_sign_in(request, page, core, authorization, outcome, pending.request_id if pending else None)


def mfa_step(page: Page, ticket: str, pending: PendingRequest | None, status: int = 200,
             error: str | None = None) -> Response:
    return page.render("mfa.html", page.texts("mfa_title"), status, error=error, ticket=ticket,
                       request_id=pending.request_id if pending else None)


@router.post("/login/mfa")
async def login_mfa(request: Request, core: CoreDep, authorization: AuthorizationDep, totp: TotpDep) -> Response:
    form = await checked_form(request, core.settings)
    pending = await pending_request(authorization, form.get("request_id") or None)
    page = page_for(request, core.settings, pending)
    ticket = form.get("ticket", "")
    code = "".join(form.get("otp", "").split())
    try:
        issued = await totp.complete_sign_in(ticket, code, user_agent(request))
    except AuthError as exc:
        message = form_message(page.texts, exc, core.settings)
        if exc.code in RESTART:  # the ticket is spent or expired: back to the password
            return login_form(page, pending, 401, error=message, passkeys=core.settings.webauthn.enabled)
        return mfa_step(page, ticket, pending, 401, message)
    return await finish_sign_in(request, page, core, authorization, issued, pending.request_id if pending else None)


@router.post("/login/continue")
async def login_continue(request: Request, core: CoreDep, authorization: AuthorizationDep) -> Response:
    """'Continue as <email>': the browser's login answers the waiting request."""
    form = await checked_form(request, core.settings)
    request_id = form.get("request_id", "")
    await authorization.pending(request_id)
    login = await current_login(request, core)
    if login is None:
        return see_other(_login_url(request_id))
    return see_other((await authorization.resume(request_id, login, consented=False)).url)


@router.post("/login/cancel")
async def login_cancel(request: Request, core: CoreDep, authorization: AuthorizationDep) -> Response:
    """The user gives up signing in: the application hears `access_denied`."""
    form = await checked_form(request, core.settings)
    return see_other((await authorization.deny(form.get("request_id", ""))).url)
