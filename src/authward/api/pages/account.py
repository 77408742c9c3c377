"""GET /account: who is signed in, the applications they allowed (each revocable), their passkeys (with
WebAuthn on; api/pages/passkeys.py adds and removes them), sign-out.

Revoking (POST /account/consents/revoke, ConsentService.revoke) forgets the consent and ends the
sessions that application holds for the user: its next authorization asks again.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from authward.api.pages.browser_login import current_login, email_of
from authward.api.pages.consent import describe_scopes
from authward.api.pages.csrf import checked_form
from authward.api.pages.deps import ConsentsDep, CoreDep, WebAuthnDep
from authward.api.pages.headers import allow_own_script
from authward.api.pages.page_route import PageRoute
from authward.api.pages.rendering import Page, page_for, see_other
from authward.api.pages.script import PASSKEY_SCRIPT_URL
from authward.methods.webauthn.service import WebAuthnService
from authward.services.core import Core
from authward.services.oauth.authorization import LoginState
from authward.services.oauth.consents import ConsentService

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/account")
async def account_page(request: Request, core: CoreDep, consents: ConsentsDep, webauthn: WebAuthnDep) -> Response:
    login = await current_login(request, core)
    if login is None:
        return see_other("/login")
    page = page_for(request, core.settings)
    notice_key = NOTICES.get(request.query_params.get("done", ""))
    if request.query_params.get("revoked") == "1":
        notice_key = "consent_revoked"
    return await render_account(page, core, consents, webauthn, login,
                                notice=page.texts(notice_key) if notice_key else None)


# `?done=` after a change on this page -> its notice
NOTICES = {"passkey-added": "passkey_added", "passkey-removed": "passkey_removed"}


async def render_account(page: Page, core: Core, consents: ConsentService, webauthn: WebAuthnService,
                         login: LoginState, status: int = 200, *, notice: str | None = None,
                         error: str | None = None) -> Response:
    """The account page: the allowed applications and, with passkeys on, the passkeys (and the script)."""
    items = [(consent, describe_scopes(page.texts, consent.scopes))
             for consent in await consents.list_for_user(login.user_id)]
    passkeys = await webauthn.list_keys(str(login.user_id)) if core.settings.webauthn.enabled else None
    response = page.render("account.html", page.texts("account_title"), status, email=await email_of(core, login),
                           consents=items, notice=notice, error=error, passkeys=passkeys,
                           passkey_script=PASSKEY_SCRIPT_URL)
    return allow_own_script(response) if passkeys is not None else response


@router.post("/account/consents/revoke")
async def revoke_consent(request: Request, core: CoreDep, consents: ConsentsDep) -> Response:
    form = await checked_form(request, core.settings)
    login = await current_login(request, core)
    if login is None:
        return see_other("/login")
    await consents.revoke(login.user_id, form.get("client_id", ""))
    return see_other("/account?revoked=1")
