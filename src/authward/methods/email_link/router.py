"""GET /verify: where every email link lands; redirects back to the app, as Nhost does.

- `redirectTo` not allowed (or unreadable): 302 to the client URL with
  `?error=redirectTo-not-allowed&errorDescription=...`; the ticket is left untouched.
- bad ticket (unknown, expired, used): 302 to `redirectTo?error=invalid-ticket&errorDescription=...`.
- success: 302 to `redirectTo?refreshToken=...&type=<verifyEmail|passwordlessEmail|passwordReset|
  emailConfirmChange>`; a user with TOTP active gets `mfaTicket=mfaTotp:...` instead of a refresh token
  (finish at POST /signin/mfa/totp); with PKCE (the request that mailed the link, or this one, gave a
  `codeChallenge`) it gets `code=...` instead, for POST /token/exchange.
With AUTHWARD_VERIFY_CONFIRM_PAGE=true, GET shows a one-button page and only its POST acts.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import RedirectResponse, Response

from authward.api.deps import get_core, provide, user_agent
from authward.api.nhost.common import ERRORS
from authward.api.nhost.errors import concealed
from authward.api.pages.verify_confirm import confirm_page
from authward.errors import AuthError, ErrorCode
from authward.methods.email_link.service import TicketRedemption
from authward.services.core import Core
from authward.services.exchange_codes import ExchangeCode
from authward.services.sign_in import MfaChallenge

router = APIRouter(tags=["verification"])
TicketRedemptionDep = Annotated[TicketRedemption, Depends(provide(TicketRedemption))]
NO_STORE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}
MAX_FORM_BYTES = 8192


def with_query(url: str, params: dict[str, str]) -> str:
    """`url` with `params` appended to its query (its own query and fragment kept)."""
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


def _redirect(url: str, params: dict[str, str], status: int) -> Response:
    return RedirectResponse(with_query(url, params), status_code=status, headers=NO_STORE)


def _error(core: Core, url: str, error: AuthError, status: int) -> Response:
    shown = concealed(error) if core.settings.security.conceal_errors else error
    return _redirect(url, {"error": shown.code.value, "errorDescription": shown.message}, status)


def _refused_redirect(core: Core, redirect_to: str, status: int) -> Response | None:
    """The answer when the request cannot go on (it never touches the ticket), else None."""
    if not core.redirects.is_allowed(redirect_to):
        return _error(core, core.settings.server.client_url, AuthError(ErrorCode.REDIRECT_TO_NOT_ALLOWED), status)
    return None


async def _redeem(
    core: Core, redemption: TicketRedemption, ticket: str, redirect_to: str, agent: str | None, status: int,
    code_challenge: str | None = None,
) -> Response:
    try:
        redeemed = await redemption.redeem(ticket, agent, code_challenge)
    except AuthError as exc:
        return _error(core, redirect_to, exc, status)
    outcome, kind = redeemed.outcome, redeemed.kind.value
    if isinstance(outcome, MfaChallenge):
        return _redirect(redirect_to, {"mfaTicket": outcome.ticket, "type": kind}, status)
    if isinstance(outcome, ExchangeCode):
        return _redirect(redirect_to, {"code": outcome.code, "type": kind}, status)
    return _redirect(redirect_to, {"refreshToken": outcome.refresh_token, "type": kind}, status)


# response_class=Response: the 302 is documented without a JSON body (it has none; schemathesis checks it).
@router.get("/verify", operation_id="verifyTicket", status_code=302, response_class=Response, responses={
    302: {"description": "Redirect to redirectTo with refreshToken and type, or error and errorDescription"},
    **ERRORS,
})
async def verify_ticket(
    request: Request,
    redemption: TicketRedemptionDep,
    ticket: str = Query(description="Ticket"),
    ticket_type: str | None = Query(default=None, alias="type", description="Deprecated, ignored"),
    redirect_to: str = Query(alias="redirectTo", description="Target URL for the redirect"),
    code_challenge: str | None = Query(default=None, alias="codeChallenge", min_length=43, max_length=43,
                                       pattern=r"^[A-Za-z0-9_-]{43}$"),
    core: Core = Depends(get_core),
) -> Response:
    refused = _refused_redirect(core, redirect_to, 302)
    if refused is not None:
        return refused
    if core.settings.email.verify_confirm_page:
        return confirm_page(request.url.path, ticket, redirect_to, ticket_type, request.headers.get("accept-language"),
                            code_challenge)
    return await _redeem(core, redemption, ticket, redirect_to, user_agent(request), 302, code_challenge)


@router.post("/verify", include_in_schema=False)
async def confirm_verify_ticket(
    request: Request,
    redemption: TicketRedemptionDep,
    core: Core = Depends(get_core),
) -> Response:
    """The confirm page's button (form-encoded): redeems, then 303 to the app."""
    if not core.settings.email.verify_confirm_page:
        raise AuthError(ErrorCode.METHOD_NOT_ALLOWED)
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        raise AuthError(ErrorCode.PAYLOAD_TOO_LARGE)
    form: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
    ticket, redirect_to = form.get("ticket"), form.get("redirectTo")
    if not ticket or not redirect_to:
        raise AuthError(ErrorCode.INVALID_REQUEST, "ticket and redirectTo are required")
    refused = _refused_redirect(core, redirect_to, 303)
    if refused is not None:
        return refused
    code_challenge = form.get("codeChallenge") or None
    return await _redeem(core, redemption, ticket, redirect_to, user_agent(request), 303, code_challenge)
