"""Auth0's MFA API for a grant that answered `mfa_required`: challenge, authenticators, associate.

The `mfa_token` is the pending second-factor ticket of the sign-in completion (`mfaTotp:`), usable by
the client it was opened for. authward has one OTP authenticator per user (TOTP, with its recovery
codes); removing it needs an access token of a session that passed the second factor.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from authward.api.auth0.client_lookup import client_of
from authward.api.auth0.passwordless import _json_params, _text
from authward.api.deps import get_core, provide
from authward.api.oauth.schemas import ERRORS
from authward.api.oauth.wire import json_answer
from authward.errors import AuthError, OAuthError
from authward.methods.totp.service import TotpService
from authward.security.jwt import InvalidToken
from authward.services.core import Core
from authward.services.oauth.client_auth import ClientAuthenticator
from authward.services.tickets import TicketKind
from authward.storage.models import Ticket

router = APIRouter(tags=["auth0"])


def _bearer(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise OAuthError("unauthorized", "A bearer mfa_token is required", 401)
    return value.strip()


async def _ticket(core: Core, mfa_token: str, client_id: str | None = None) -> Ticket:
    async with core.db.read() as session:
        try:
            row = await core.tickets.peek(session, mfa_token, {TicketKind.MFA_TOTP})
        except AuthError:
            raise OAuthError("invalid_grant", "Malformed or expired mfa_token", 403) from None
    opened_for = (row.payload.get("client") or {}).get("client_id")
    if opened_for is None or (client_id is not None and opened_for != client_id):
        raise OAuthError("invalid_grant", "This mfa_token belongs to another client", 403)
    return row


def _authenticators(row: Ticket) -> list[dict[str, Any]]:
    return [
        {"id": f"totp|{row.user_id}", "authenticator_type": "otp", "active": True},
        {"id": f"recovery-code|{row.user_id}", "authenticator_type": "recovery-code", "active": True},
    ]


@router.post("/mfa/challenge", operation_id="auth0MfaChallenge", responses=ERRORS)
async def challenge(request: Request, core: Core = Depends(get_core),
                    authenticator: ClientAuthenticator = Depends(provide(ClientAuthenticator))) -> Response:
    data = _text(await _json_params(request))
    client = await client_of(request, data, core, authenticator)
    await _ticket(core, data.get("mfa_token", ""), client.client_id)
    wanted = (data.get("challenge_type") or "otp").split()
    if "otp" not in wanted:
        raise OAuthError("unsupported_challenge_type", "This user's authenticator is an OTP app: use otp")
    return json_answer({"challenge_type": "otp"})


@router.get("/mfa/authenticators", operation_id="auth0MfaAuthenticators", responses=ERRORS)
async def authenticators(request: Request, core: Core = Depends(get_core)) -> Response:
    return json_answer(_authenticators(await _ticket(core, _bearer(request))))


@router.post("/mfa/associate", operation_id="auth0MfaAssociate", responses=ERRORS)
async def associate(request: Request, core: Core = Depends(get_core)) -> Response:
    await _ticket(core, _bearer(request))
    raise OAuthError("invalid_request", "An OTP authenticator is already active for this user; authward keeps one")


@router.delete("/mfa/authenticators/{authenticator_id}", operation_id="auth0MfaDeleteAuthenticator",
               status_code=204, response_class=Response, responses=ERRORS)
async def delete_authenticator(authenticator_id: str, request: Request, core: Core = Depends(get_core),
                               totp: TotpService = Depends(provide(TotpService))) -> Response:
    try:
        claims = await core.codec.decode(_bearer(request), accept=lambda c: "sub" in c and c.get("sub") != c.get(
            "client_id"))
    except InvalidToken:
        raise OAuthError("invalid_token", "A valid access token is required", 401) from None
    if authenticator_id not in (f"totp|{claims['sub']}", f"recovery-code|{claims['sub']}"):
        raise OAuthError("not_found", "No such authenticator for this user", 404)
    try:
        await totp.remove(claims, how="auth0")
    except AuthError as exc:
        raise OAuthError("access_denied", exc.message, 403) from None
    return Response(status_code=204)
