"""A social sign-in's `state`: a ticket of the one ticket service (single use, hashed, ten minutes)
whose payload carries what the callback needs — the flow, the validated options, the user to link
(`connect`), the PKCE verifier and nonce sent upstream — and a cookie binding it to the browser that
started it: a callback whose browser lacks the cookie (a link sent to a victim, login CSRF) is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from authward.errors import AuthError, ErrorCode
from authward.services.email_accounts import options_from_payload, options_payload
from authward.services.tickets import TicketKind, TicketOwner, TicketService
from authward.services.users import ProfileOptions

STATE_TTL_SECONDS = 600
COOKIE_PREFIX = "authward-provider-state-"


class Flow(StrEnum):
    SIGN_IN = "signin"
    SIGN_UP = "signup"
    CONNECT = "connect"  # link the provider to the signed-in user


@dataclass
class PendingSignIn:
    provider: str
    flow: Flow
    redirect_to: str
    options: ProfileOptions = field(default_factory=ProfileOptions)
    connect_user_id: str | None = None
    code_verifier: str | None = None
    nonce: str | None = None
    client_state: str | None = None  # the app's own `state`, handed back in the final redirect
    code_challenge: str | None = None  # the app's PKCE challenge (Nhost's codeChallenge), for the final redirect

    def to_payload(self) -> dict[str, Any]:
        return {
            "provider": self.provider, "flow": self.flow.value, "redirectTo": self.redirect_to,
            "options": options_payload(self.options), "connect": self.connect_user_id,
            "codeVerifier": self.code_verifier, "nonce": self.nonce, "state": self.client_state,
            "codeChallenge": self.code_challenge,
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> PendingSignIn:
        return cls(
            provider=str(data["provider"]), flow=Flow(data["flow"]), redirect_to=str(data["redirectTo"]),
            options=options_from_payload(data.get("options")), connect_user_id=data.get("connect"),
            code_verifier=data.get("codeVerifier"), nonce=data.get("nonce"), client_state=data.get("state"),
            code_challenge=data.get("codeChallenge"),
        )


def cookie_name(provider: str) -> str:
    return COOKIE_PREFIX + provider


def binding_of(state: str) -> str:
    """The cookie's value: a digest of the state (the state itself travels through the provider)."""
    return hashlib.sha256(b"authward/provider-state-cookie/v1:" + state.encode()).hexdigest()


class ProviderStates:
    def __init__(self, tickets: TicketService) -> None:
        self._tickets = tickets

    async def issue(self, session: AsyncSession, pending: PendingSignIn) -> str:
        return await self._tickets.issue(session, TicketKind.PROVIDER_STATE, STATE_TTL_SECONDS, TicketOwner(),
                                         pending.to_payload())

    async def redeem(self, session: AsyncSession, provider: str, state: str | None, cookie: str | None
                     ) -> PendingSignIn:
        """Used once; `invalid-state` when unknown, used, expired, for another provider or another browser."""
        if not state or not cookie or not hmac.compare_digest(binding_of(state).encode(), cookie.encode()):
            raise AuthError(ErrorCode.INVALID_STATE)
        try:
            row = await self._tickets.redeem(session, state, {TicketKind.PROVIDER_STATE})
        except AuthError as exc:
            raise AuthError(ErrorCode.INVALID_STATE) from exc
        pending = PendingSignIn.from_payload(row.payload)
        if pending.provider != provider:
            raise AuthError(ErrorCode.INVALID_STATE)
        return pending
