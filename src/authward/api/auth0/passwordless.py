"""POST /passwordless/start (a code or a link by email, a code by SMS) and /passwordless/verify.

The codes and links are the email-code, magic-link and SMS methods' own: the code is then redeemed at
/oauth/token with the passwordless/otp grant (or the legacy /oauth/ro and /passwordless/verify).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from authward.api.auth0.client_lookup import client_of
from authward.api.auth0.grants import Auth0Grants
from authward.api.deps import get_core, provide, user_agent
from authward.api.oauth.schemas import ERRORS
from authward.api.oauth.wire import json_answer
from authward.api.request_text import check_request_text
from authward.errors import AuthError, OAuthError
from authward.methods.email_otp.service import EmailOtpService
from authward.methods.magic_link.service import MagicLinkService
from authward.methods.sms_otp.service import SmsOtpService
from authward.services.core import Core
from authward.services.oauth.client_auth import ClientAuthenticator
from authward.services.oauth.clients import PASSWORDLESS_OTP
from authward.services.oauth.grants import GrantRequest
from authward.services.users import ProfileOptions

router = APIRouter(tags=["auth0"])


async def _json_params(request: Request) -> dict[str, Any]:
    try:
        data = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise OAuthError("invalid_request", "The body must be JSON") from None
    if not isinstance(data, dict):
        raise OAuthError("invalid_request", "The body must be a JSON object")
    try:
        check_request_text(data)
    except ValueError as exc:
        raise OAuthError("invalid_request", str(exc)) from None
    return data


def _text(data: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in data.items() if isinstance(v, str)}


@router.post("/passwordless/start", operation_id="auth0PasswordlessStart", responses=ERRORS)
async def passwordless_start(
    request: Request, core: Core = Depends(get_core),
    authenticator: ClientAuthenticator = Depends(provide(ClientAuthenticator)),
    email_otp: EmailOtpService = Depends(provide(EmailOtpService)),
    magic_links: MagicLinkService = Depends(provide(MagicLinkService)),
    sms: SmsOtpService = Depends(provide(SmsOtpService)),
) -> Response:
    data = await _json_params(request)
    client = await client_of(request, _text(data), core, authenticator)
    if PASSWORDLESS_OTP not in client.grant_types:
        raise OAuthError("unauthorized_client", "This client may not use passwordless connections", 403)
    connection, send = data.get("connection"), data.get("send") or "link"
    raw_params = data.get("authParams")
    auth_params: dict[str, Any] = raw_params if isinstance(raw_params, dict) else {}
    try:
        if connection == "email" and isinstance(data.get("email"), str):
            if send == "code":
                await email_otp.start(data["email"], ProfileOptions(), sign_up=False)
            elif send == "link":
                redirect = auth_params.get("redirect_uri") if isinstance(auth_params.get("redirect_uri"), str) \
                    else None
                await magic_links.start(data["email"], ProfileOptions(redirect_to=redirect), sign_up=False)
            else:
                raise OAuthError("bad.send", "send must be code or link")
            return json_answer({"email": data["email"]})
        if connection == "sms" and isinstance(data.get("phone_number"), str):
            await sms.start_sign_in(data["phone_number"], ProfileOptions())
            return json_answer({"phone_number": data["phone_number"]})
    except AuthError as exc:
        raise OAuthError("bad.connection" if exc.status == 409 else "invalid_request", exc.message) from None
    raise OAuthError("bad.connection", "connection must be email (with email) or sms (with phone_number)")


@router.post("/passwordless/verify", operation_id="auth0PasswordlessVerify", responses=ERRORS)
async def passwordless_verify(
    request: Request, core: Core = Depends(get_core),
    authenticator: ClientAuthenticator = Depends(provide(ClientAuthenticator)),
    grants: Auth0Grants = Depends(provide(Auth0Grants)),
) -> Response:
    """The code of /passwordless/start for tokens (as the passwordless/otp grant, with the same rules)."""
    data = _text(await _json_params(request))
    client = await client_of(request, data, core, authenticator)
    if PASSWORDLESS_OTP not in client.grant_types:
        raise OAuthError("unauthorized_client", "This client may not use passwordless connections", 403)
    connection = data.get("connection")
    username = data.get("email") if connection == "email" else data.get("phone_number")
    form = {"realm": connection or "", "otp": data.get("verification_code") or data.get("otp") or "",
            "username": username or "", "scope": data.get("scope") or "openid"}
    return json_answer(await grants.passwordless_otp(GrantRequest(form, client, user_agent(request))))
