"""GET|POST /consent?request_id=: a third-party application asks for access; the user allows or denies.

Allowing is remembered for this user, client and these scopes (AuthorizationService.resume records
it; the account page lists and revokes it). Both answers go back to the application (a code, or
`access_denied`). The page needs the login cookie; without it, the login page comes first.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.responses import Response

from authward.api.pages.branding import image_url
from authward.api.pages.browser_login import current_login, email_of
from authward.api.pages.csrf import checked_form
from authward.api.pages.deps import AuthorizationDep, CoreDep
from authward.api.pages.i18n import Texts
from authward.api.pages.page_route import PageRoute
from authward.api.pages.rendering import page_for, see_other
from authward.services.oauth.authorization import with_query
from authward.services.oauth.clients import STANDARD_SCOPES

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@dataclass(frozen=True)
class ScopeLine:
    text: str
    api: bool  # an API's own scope, shown as its name


def describe_scopes(texts: Texts, scopes: tuple[str, ...] | list[str]) -> list[ScopeLine]:
    return [ScopeLine(texts(f"scope_{scope}"), False) if scope in STANDARD_SCOPES else ScopeLine(scope, True)
            for scope in scopes]


def _login_url(request_id: str) -> str:
    return with_query("/login", {"request_id": request_id})


@router.get("/consent")
async def consent_page(request: Request, core: CoreDep, authorization: AuthorizationDep) -> Response:
    request_id = request.query_params.get("request_id", "")
    pending = await authorization.pending(request_id)
    login = await current_login(request, core)
    if login is None:
        return see_other(_login_url(pending.request_id))
    page = page_for(request, core.settings, pending)
    client = pending.client
    return page.render(
        "consent.html", page.texts("consent_title", client=client.name), client=client.name,
        logo_url=image_url(client.logo_url), email=await email_of(core, login), request_id=pending.request_id,
        scopes=describe_scopes(page.texts, pending.request.scopes),
    )


@router.post("/consent")
async def consent_submit(request: Request, core: CoreDep, authorization: AuthorizationDep) -> Response:
    form = await checked_form(request, core.settings)
    pending = await authorization.pending(form.get("request_id", ""))
    login = await current_login(request, core)
    if login is None:
        return see_other(_login_url(pending.request_id))
    if form.get("decision") == "allow":
        redirect = await authorization.resume(pending.request_id, login, consented=True)
    else:
        redirect = await authorization.deny(pending.request_id)
    return see_other(redirect.url)
