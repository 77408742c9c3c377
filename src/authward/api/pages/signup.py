"""GET|POST /signup: email, password and an optional name (PasswordService.sign_up).

With a captcha provider (AUTHWARD_CAPTCHA_PROVIDER) the form carries the provider's widget and the
token it adds to the form is verified (security/captcha.py, as on the API) before anything else is done.

With email verification required (the default) the new user gets a link (back to /login, with the
authorization request when there is one) and the page says to check the mailbox; otherwise the new
session signs the browser in and the waiting request goes on.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from authward.api.deps import user_agent
from authward.api.pages.browser_login import finish_sign_in, pending_request
from authward.api.pages.captcha_widget import captcha_widget, response_field
from authward.api.pages.csrf import checked_form
from authward.api.pages.deps import AuthorizationDep, CoreDep, PasswordsDep
from authward.api.pages.errors import form_message
from authward.api.pages.page_route import PageRoute
from authward.api.pages.rendering import Page, page_for
from authward.errors import AuthError
from authward.security.client_ip import CLIENT_IP
from authward.services.oauth.authorization import PendingRequest, with_query
from authward.services.users import ProfileOptions, normalise_email
from authward.settings import Settings

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def signup_form(page: Page, settings: Settings, pending: PendingRequest | None, status: int = 200, *,
                email: str = "", display_name: str = "", error: str | None = None) -> Response:
    """The form; with a captcha provider and site key, its widget and a CSP that lets the widget load."""
    widget = captcha_widget(settings.captcha)
    response = page.render(
        "signup.html", page.texts("signup_title"), status, error=error, email=email, display_name=display_name,
        min_length=settings.passwords.min_length, request_id=pending.request_id if pending else None,
        client=pending.client.name if pending else None, captcha=widget,
    )
    return widget.allow(response) if widget else response


def _options(settings: Settings, lang: str, display_name: str, request_id: str | None) -> ProfileOptions:
    login = f"{settings.server.public_url}/login"
    return ProfileOptions(
        display_name=display_name or None,
        locale=lang if lang in settings.users.allowed_locales else None,  # the mails speak the page's language
        redirect_to=with_query(login, {"request_id": request_id}) if request_id else login,
    )


@router.get("/signup")
async def signup_page(request: Request, core: CoreDep, authorization: AuthorizationDep) -> Response:
    pending = await pending_request(authorization, request.query_params.get("request_id"))
    page = page_for(request, core.settings, pending)
    return signup_form(page, core.settings, pending, email=(pending.request.login_hint or "") if pending else "")


@router.post("/signup")
async def signup_submit(
    request: Request, core: CoreDep, authorization: AuthorizationDep, passwords: PasswordsDep
) -> Response:
    form = await checked_form(request, core.settings)
    pending = await pending_request(authorization, form.get("request_id") or None)
    page = page_for(request, core.settings, pending)
    email, display_name = form.get("email", "").strip(), form.get("display_name", "").strip()
    request_id = pending.request_id if pending else None
    field = response_field(core.settings.captcha)
    try:
        if field is not None:
            await core.captcha.verify(form.get(field), CLIENT_IP.get())
    except AuthError as exc:
        return signup_form(page, core.settings, pending, exc.status, email=email, display_name=display_name,
                           error=form_message(page.texts, exc, core.settings))
    try:
        normalise_email(email)
    except AuthError:
        return signup_form(page, core.settings, pending, 400, email=email, display_name=display_name,
                           error=page.texts("invalid_email"))
    try:
        result = await passwords.sign_up(email, form.get("password", ""),
                                         _options(core.settings, page.lang, display_name, request_id),
                                         user_agent(request))
    except AuthError as exc:
        return signup_form(page, core.settings, pending, exc.status, email=email, display_name=display_name,
                           error=form_message(page.texts, exc, core.settings))
    if result.session is not None:
        return await finish_sign_in(request, page, core, authorization, result.session, request_id)
    return page.message("check_email_title", "check_email_body", email=result.user.email or email,
                        links=[("/login" if request_id is None else with_query("/login", {"request_id": request_id}),
                                "back_to_sign_in")])
