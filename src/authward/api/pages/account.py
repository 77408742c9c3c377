"""GET /account: who is signed in, the applications they allowed (each revocable), sign-out.

Revoking (POST /account/consents/revoke, ConsentService.revoke) forgets the consent and ends the
sessions that application holds for the user: its next authorization asks again.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from authward.api.pages.browser_login import current_login, email_of
from authward.api.pages.consent import describe_scopes
from authward.api.pages.csrf import checked_form
from authward.api.pages.deps import ConsentsDep, CoreDep
from authward.api.pages.page_route import PageRoute
from authward.api.pages.rendering import page_for, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/account")
async def account_page(request: Request, core: CoreDep, consents: ConsentsDep) -> Response:
    login = await current_login(request, core)
    if login is None:
        return see_other("/login")
    page = page_for(request, core.settings)
    items = [(consent, describe_scopes(page.texts, consent.scopes))
             for consent in await consents.list_for_user(login.user_id)]
    notice = page.texts("consent_revoked") if request.query_params.get("revoked") == "1" else None
    return page.render("account.html", page.texts("account_title"), email=await email_of(core, login),
                       consents=items, notice=notice)


@router.post("/account/consents/revoke")
async def revoke_consent(request: Request, core: CoreDep, consents: ConsentsDep) -> Response:
    form = await checked_form(request, core.settings)
    login = await current_login(request, core)
    if login is None:
        return see_other("/login")
    await consents.revoke(login.user_id, form.get("client_id", ""))
    return see_other("/account?revoked=1")
