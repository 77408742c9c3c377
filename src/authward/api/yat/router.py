"""Yat-style routes over the same services as the Nhost face."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from authward.api.deps import get_core, provide, user_agent
from authward.api.nhost.common import ERRORS
from authward.api.nhost.wire import json_response
from authward.api.yat.schemas import (
    Confirm2Fa,
    LoginRequest,
    MagicLinkLoginRequest,
    MagicLinkLoginResponse,
    RefreshRequest,
    TokenResponse,
)
from authward.api.yat.wire import token_json
from authward.errors import AuthError, ErrorCode
from authward.methods.magic_link.service import MagicLinkService
from authward.methods.password.service import PasswordService
from authward.methods.totp.service import TotpService
from authward.services.core import Core
from authward.services.sign_in import MFA_TICKET_PREFIX
from authward.services.users import ProfileOptions

router = APIRouter(prefix="/auth", tags=["yat"])
MagicLinkServiceDep = Annotated[MagicLinkService, Depends(provide(MagicLinkService))]
PasswordServiceDep = Annotated[PasswordService, Depends(provide(PasswordService))]
TotpServiceDep = Annotated[TotpService, Depends(provide(TotpService))]


@router.post("/token", operation_id="yatAuthToken", response_model=TokenResponse, responses=ERRORS)
async def auth_token(body: LoginRequest, request: Request,
                     passwords: PasswordServiceDep) -> Response:
    outcome = await passwords.sign_in(body.email, body.password, user_agent(request))
    return json_response(token_json(outcome))


@router.post("/2fa", operation_id="yatAuth2fa", response_model=TokenResponse, responses=ERRORS)
async def auth_2fa(body: Confirm2Fa, request: Request, totp: TotpServiceDep) -> Response:
    if not body.refresh_token.startswith(MFA_TICKET_PREFIX):
        raise AuthError(ErrorCode.INVALID_TICKET, "Send the refresh_token of an answer that listed requires_2fa")
    issued = await totp.complete_sign_in(body.refresh_token, body.code, user_agent(request))
    return json_response(token_json(issued))


@router.post("/token/refresh", operation_id="yatAuthTokenRefresh", response_model=TokenResponse, responses=ERRORS)
async def auth_token_refresh(body: RefreshRequest, core: Core = Depends(get_core)) -> Response:
    issued = await core.sessions.refresh(body.refresh_token)
    return json_response(token_json(issued))


@router.post("/magic_link", operation_id="yatAuthMagicLink", response_model=MagicLinkLoginResponse, responses=ERRORS)
async def auth_magic_link(body: MagicLinkLoginRequest,
                          magic_links: MagicLinkServiceDep) -> Response:
    """Mails a sign-in link; the answer is the same whether or not the address has an account."""
    await magic_links.start(body.email, ProfileOptions(redirect_to=body.redirect), sign_up=False)
    return json_response({"status": True, "message": "If the address has an account, a sign-in link is on its way"})
