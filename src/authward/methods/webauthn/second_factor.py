"""A key as the second factor of a pending sign-in: it answers the `mfaTotp:` ticket a first factor got
(beyond the spec: a user with a key and TOTP may use either)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from authward.errors import AuthError, ErrorCode
from authward.methods.webauthn.ceremonies import Ceremony
from authward.methods.webauthn.ceremony_base import CeremonyBase, _descriptors, _earlier_amr
from authward.methods.webauthn.keys import (
    CREDENTIAL_TYPE,
)
from authward.methods.webauthn.relying_party import (
    ClientResponse,
    read_response,
    refused,
)
from authward.services.claims import ClientGrant
from authward.services.method_info import WEBAUTHN_STEP_UP
from authward.services.sessions import IssuedSession
from authward.services.sign_in import MFA_TICKET_MAX_ATTEMPTS, SignInContext
from authward.services.tickets import TicketKind, TicketOwner
from authward.storage.models import Ticket, User
from authward.storage.repos import credentials as credentials_repo
from authward.storage.repos import users as users_repo


class SecondFactorCeremony(CeremonyBase):
    """A key answers a pending sign-in's `mfaTotp:` ticket, instead of a TOTP code (either factor the user has)."""

    async def mfa_options(self, mfa_ticket: str) -> dict[str, Any]:
        """Options to answer a pending `mfaTotp:` ticket with a key instead of a TOTP code."""
        self._require_enabled()
        async with self._db.write() as session:
            pending = await self._tickets.peek(session, mfa_ticket, {TicketKind.MFA_TOTP})
            keys = await credentials_repo.list_for_user(session, pending.user_id, CREDENTIAL_TYPE) \
                if pending.user_id is not None else []
            if not keys:
                raise AuthError(ErrorCode.INVALID_REQUEST, "This account has no security key")
            challenge = await self._challenge(session, Ceremony.MFA, TicketOwner(user_id=pending.user_id),
                                              {"userId": str(pending.user_id), "mfaTicketId": str(pending.id)})
        return self._rp.authentication_options(challenge, _descriptors(keys))

    async def verify_mfa(self, mfa_ticket: str, credential: dict[str, Any], user_agent: str | None = None, *,
                         client_id: str | None = None) -> IssuedSession:
        """Complete the pending sign-in with a key: the session records the first factor, `hwk` and `mfa`."""
        self._require_enabled()
        response = read_response(credential)
        async with self._db.write() as session:
            outcome = await self._second_factor(session, mfa_ticket, response, credential, user_agent, client_id)
        if isinstance(outcome, AuthError):
            raise outcome
        return outcome

    async def _second_factor(
        self, session: AsyncSession, mfa_ticket: str, response: ClientResponse, credential: dict[str, Any],
        user_agent: str | None, client_id: str | None,
    ) -> IssuedSession | AuthError:
        challenge = await self._redeem(session, response, Ceremony.MFA)
        if isinstance(challenge, AuthError):
            return challenge

        async def check(pending: Ticket) -> tuple[User, Ticket] | AuthError:
            if str(pending.id) != challenge.payload.get("mfaTicketId") or pending.user_id is None:
                return refused("a challenge issued for another sign-in")
            if (pending.payload.get("client") or {}).get("client_id") != client_id:
                return AuthError(ErrorCode.INVALID_TICKET)
            checked = await self._check_assertion(session, response, credential, True, pending.user_id)
            if isinstance(checked, AuthError):
                return checked
            user = await users_repo.get_for_update(session, pending.user_id)
            return (user, pending) if user is not None else AuthError(ErrorCode.INVALID_TICKET)

        outcome = await self._tickets.redeem_checked(session, mfa_ticket, TicketKind.MFA_TOTP,
                                                     MFA_TICKET_MAX_ATTEMPTS, check)
        if isinstance(outcome, AuthError):
            return outcome
        user, pending = outcome
        client = ClientGrant.from_payload(pending.payload["client"]) if pending.payload.get("client") else None
        context = SignInContext(user_agent, earlier_amr=_earlier_amr(pending.payload), client=client)
        try:
            return await self._sign_in.complete_session(session, user, WEBAUTHN_STEP_UP, context)
        except AuthError as exc:
            return exc
