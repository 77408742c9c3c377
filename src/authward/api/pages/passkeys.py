"""Passkeys on the hosted pages (WebAuthn on): POST /login/passkey, and the account's
POST /account/passkeys/{options,add,remove}.

The browser side is /pages/webauthn.js. Signing in: it asks POST /signin/webauthn for options, lets the
browser sign, and posts the assertion (JSON, in a field of an ordinary CSRF-checked form) here; the
verification is WebAuthnService's, the cookie and the return to a waiting authorization request are the
password sign-in's (browser_login.finish_sign_in). A user with TOTP whose key did no user verification
gets the TOTP step. Adding and removing keys act for the browser's login (the cookie) and follow the
API's elevation rule (services/elevation.py): a recent sign-in by the user; with
AUTHWARD_REQUIRE_ELEVATED_CLAIM, a login younger than AUTHWARD_ELEVATION_MAX_AGE.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from authward.api.deps import user_agent
from authward.api.pages.account import render_account
from authward.api.pages.browser_login import current_login, finish_sign_in, pending_request
from authward.api.pages.csrf import checked_form
from authward.api.pages.deps import AuthorizationDep, ConsentsDep, CoreDep, WebAuthnDep
from authward.api.pages.errors import PageError
from authward.api.pages.login import login_form, mfa_step
from authward.api.pages.page_route import PageRoute
from authward.api.pages.rendering import page_for, see_other
from authward.errors import AuthError, ErrorCode
from authward.services.core import Core
from authward.services.oauth.authorization import LoginState
from authward.services.sign_in import MfaChallenge

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _credential(form: dict[str, str]) -> dict[str, Any]:
    """The browser's credential, as the script put it in the form."""
    try:
        credential = json.loads(form.get("credential", ""))
    except ValueError:
        credential = None
    if not isinstance(credential, dict):
        raise AuthError(ErrorCode.INVALID_REQUEST, "No passkey response in the form")
    return credential


@router.post("/login/passkey")
async def login_passkey(request: Request, core: CoreDep, authorization: AuthorizationDep,
                        webauthn: WebAuthnDep) -> Response:
    form = await checked_form(request, core.settings)
    pending = await pending_request(authorization, form.get("request_id") or None)
    page = page_for(request, core.settings, pending)
    try:
        outcome = await webauthn.verify_sign_in(_credential(form), user_agent(request))
    except AuthError as exc:
        if exc.code is ErrorCode.DISABLED_ENDPOINT:
            raise
        message = page.texts("passkey_failed") if exc.code is ErrorCode.INVALID_REQUEST else \
            page.texts("disabled_user" if exc.code is ErrorCode.DISABLED_USER else "unverified_user")
        return login_form(page, pending, exc.status, error=message, passkeys=True)
    if isinstance(outcome, MfaChallenge):  # no user verification on the key, TOTP active: the TOTP step
        return mfa_step(page, outcome.ticket, pending)
    return await finish_sign_in(request, page, core, authorization, outcome, pending.request_id if pending else None)


async def _login_for_change(request: Request, core: Core) -> LoginState:
    """The browser's login, when it may change the account's keys (the API's elevation rule, for a cookie)."""
    login = await current_login(request, core)
    if login is None:
        raise PageError("error_title", "passkey_sign_in_again", 401)
    if core.settings.mfa.require_elevated_claim:  # a cookie carries no elevation claim: its age decides
        recent = (core.clock() - login.auth_time).total_seconds() <= core.settings.mfa.elevation_max_age
    else:
        recent = core.elevation.is_recent({"amr": login.amr, "auth_time": int(login.auth_time.timestamp())})
    if not recent:
        raise PageError("error_title", "passkey_sign_in_again", 401)
    return login


@router.post("/account/passkeys/options")
async def add_passkey_options(request: Request, core: CoreDep, webauthn: WebAuthnDep) -> Response:
    """The registration options for the script (JSON); errors are pages, which the script reports."""
    await checked_form(request, core.settings)
    login = await _login_for_change(request, core)
    return JSONResponse(await webauthn.add_key_options(str(login.user_id)))


@router.post("/account/passkeys/add")
async def add_passkey(request: Request, core: CoreDep, consents: ConsentsDep, webauthn: WebAuthnDep) -> Response:
    form = await checked_form(request, core.settings)
    login = await _login_for_change(request, core)
    page = page_for(request, core.settings)
    nickname = form.get("nickname", "").strip()[:100] or None
    try:
        await webauthn.verify_add_key(str(login.user_id), _credential(form), nickname)
    except AuthError as exc:
        if exc.code is not ErrorCode.INVALID_REQUEST:
            raise
        return await render_account(page, core, consents, webauthn, login, 400,
                                    error=page.texts("passkey_add_failed"))
    return see_other("/account?done=passkey-added")


@router.post("/account/passkeys/remove")
async def remove_passkey(request: Request, core: CoreDep, consents: ConsentsDep, webauthn: WebAuthnDep) -> Response:
    form = await checked_form(request, core.settings)
    login = await _login_for_change(request, core)
    page = page_for(request, core.settings)
    try:
        await webauthn.remove_key(str(login.user_id), form.get("key_id", ""))
    except AuthError as exc:
        if exc.code is not ErrorCode.INVALID_REQUEST:
            raise
        return await render_account(page, core, consents, webauthn, login, 400, error=page.texts("passkey_last"))
    return see_other("/account?done=passkey-removed")
