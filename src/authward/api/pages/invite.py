"""GET|POST /invite: the invitee of an admin's invitation chooses a password (services/invitations.py).

The mailed link is `/invite?ticket=invite:...`; the form carries the ticket in a hidden field. Saving the
password uses the ticket up and verifies the email; the page then sends the invitee to sign in.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from authward.api.deps import provide
from authward.api.pages.csrf import checked_form
from authward.api.pages.deps import CoreDep
from authward.api.pages.errors import form_message
from authward.api.pages.page_route import PageRoute
from authward.api.pages.rendering import Page, page_for
from authward.errors import AuthError
from authward.services.core import Core
from authward.services.invitations import InvitationService

router = APIRouter(route_class=PageRoute, include_in_schema=False)
InvitationsDep = Annotated[InvitationService, Depends(provide(InvitationService))]


def _expired(page: Page) -> Response:
    return page.message("invite_expired_title", "invite_expired_body", 400, alert=True)


def invite_form(page: Page, core: Core, ticket: str, email: str, status: int = 200,
                error: str | None = None) -> Response:
    return page.render("invite.html", page.texts("invite_title"), status, ticket=ticket, email=email, error=error,
                       min_length=core.settings.passwords.min_length)


@router.get("/invite")
async def invite_page(request: Request, core: CoreDep, invitations: InvitationsDep) -> Response:
    page = page_for(request, core.settings)
    ticket = request.query_params.get("ticket", "")
    try:
        user = await invitations.check(ticket)
    except AuthError:
        return _expired(page)
    return invite_form(page, core, ticket, user.email or "")


@router.post("/invite")
async def invite_submit(request: Request, core: CoreDep, invitations: InvitationsDep) -> Response:
    form = await checked_form(request, core.settings)
    page = page_for(request, core.settings)
    ticket, password = form.get("ticket", ""), form.get("password", "")
    try:
        user = await invitations.check(ticket)
    except AuthError:
        return _expired(page)
    if password != form.get("password_confirm", ""):
        return invite_form(page, core, ticket, user.email or "", 400, page.texts("passwords_differ"))
    try:
        await invitations.accept(ticket, password)
    except AuthError as exc:
        return invite_form(page, core, ticket, user.email or "", exc.status,
                           form_message(page.texts, exc, core.settings))
    return page.message("invite_done_title", "invite_done_body", links=[("/login", "sign_in")])
