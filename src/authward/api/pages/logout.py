"""GET|POST /logout: the sign-out confirmation (where /oidc/logout sends a browser without an
id_token_hint), and GET /logout?done=1, the signed-out page.

POST ends the browser's login session and clears its cookie, then goes to `post_logout_redirect_uri`
(with `state`) only when that exact URI is registered for `client_id`; never anywhere else.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from authward.api.pages.browser_login import clear_login_cookie
from authward.api.pages.csrf import checked_form
from authward.api.pages.deps import ClientsDep, CoreDep
from authward.api.pages.page_route import PageRoute
from authward.api.pages.rendering import page_for, see_other
from authward.services.oauth.authorization import with_query
from authward.services.oauth.browser_sessions import COOKIE_NAME
from authward.services.oauth.clients import ClientRegistry

router = APIRouter(route_class=PageRoute, include_in_schema=False)
CARRIED = ("post_logout_redirect_uri", "state", "client_id", "ui_locales")


@router.get("/logout")
async def logout_page(request: Request, core: CoreDep) -> Response:
    query = request.query_params
    page = page_for(request, core.settings, ui_locales=query.get("ui_locales"))
    if query.get("done") == "1":
        return page.message("signed_out_title", "signed_out_body")
    return page.render("logout.html", page.texts("logout_title"),
                       carried={name: query[name] for name in CARRIED if query.get(name)})


async def _destination(clients: ClientRegistry, form: dict[str, str]) -> str:
    target, client_id = form.get("post_logout_redirect_uri"), form.get("client_id")
    if target and client_id:
        client = await clients.get(client_id)
        if client is not None and target in (client.post_logout_redirect_uris or []):
            return with_query(target, {"state": form["state"]} if form.get("state") else {})
    done = {"done": "1"}
    if form.get("ui_locales"):
        done["ui_locales"] = form["ui_locales"]
    return with_query("/logout", done)


@router.post("/logout")
async def logout_submit(request: Request, core: CoreDep, clients: ClientsDep) -> Response:
    form = await checked_form(request, core.settings)
    await core.browser_sessions.end(request.cookies.get(COOKIE_NAME))
    response = see_other(await _destination(clients, form))
    clear_login_cookie(response, core.settings)
    return response
