"""What every WebAuthn ceremony shares: the challenge tickets and the checked assertion (see service.py)."""

from __future__ import annotations

import logging
import secrets
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.methods.webauthn.ceremonies import Ceremony
from authward.methods.webauthn.keys import (
    CREDENTIAL_TYPE,
    b64url,
    counter_went_backwards,
    from_b64url,
    stored_key,
    user_id_of_handle,
)
from authward.methods.webauthn.relying_party import (
    Assertion,
    ClientResponse,
    Descriptor,
    RelyingParty,
    refused,
)
from authward.services import audit
from authward.services.email_verification import EmailVerificationService
from authward.services.security_notices import SecurityNotices
from authward.services.sign_in import SignInCompletion
from authward.services.tickets import TicketKind, TicketOwner, TicketService
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import Credential, Ticket
from authward.storage.repos import credentials as credentials_repo

log = logging.getLogger("authward.webauthn")
CHALLENGE_GRACE_SECONDS = 30  # beyond the ceremony's timeout: the verify request is still on its way


def _descriptors(rows: list[Credential]) -> list[Descriptor]:
    return [Descriptor(from_b64url(row.identifier or ""), stored_key(row).transports) for row in rows]


def _earlier_amr(claims: dict[str, Any]) -> list[str]:
    previous = claims.get("amr")
    return [v for v in previous if isinstance(v, str)] if isinstance(previous, list) else []


class CeremonyBase:
    """What every ceremony shares: the services, the challenge tickets, the assertion check."""

    def __init__(
        self, db: Database, sign_in: SignInCompletion, tickets: TicketService, settings: Settings,
        clock: Clock = utc_now, verification: EmailVerificationService | None = None,
        notices: SecurityNotices | None = None,
    ) -> None:
        self._notices = notices  # a key added: a mail to the account (services/security_notices.py)
        self._db = db
        self._sign_in = sign_in
        self._tickets = tickets
        self._settings = settings
        self._clock = clock
        self._verification = verification  # the verification mail after sign-up (docs/email.md)
        self._rp = RelyingParty(settings.webauthn)

    def _require_enabled(self) -> None:
        if not self._settings.webauthn.enabled:
            raise AuthError(ErrorCode.DISABLED_ENDPOINT)

    def _require_signup(self) -> None:
        if self._settings.users.disable_signup:
            raise AuthError(ErrorCode.SIGNUP_DISABLED)

    # -- challenges
    async def _challenge(self, session: AsyncSession, ceremony: Ceremony, owner: TicketOwner,
                         payload: dict[str, Any]) -> bytes:
        challenge = secrets.token_bytes(32)
        ttl = self._settings.webauthn.timeout // 1000 + CHALLENGE_GRACE_SECONDS
        await self._tickets.issue(session, TicketKind.WEBAUTHN_CHALLENGE, ttl, owner,
                                  {"ceremony": ceremony.value, **payload}, value=b64url(challenge))
        return challenge

    async def _redeem(self, session: AsyncSession, response: ClientResponse, ceremony: Ceremony) -> Ticket | AuthError:
        """The challenge's ticket, spent now; unknown, used, expired and other ceremonies' are refused."""
        ticket = f"{TicketKind.WEBAUTHN_CHALLENGE.value}:{response.challenge}"
        try:
            row = await self._tickets.redeem(session, ticket, {TicketKind.WEBAUTHN_CHALLENGE})
        except AuthError:
            return refused("unknown, used or expired challenge")
        if row.payload.get("ceremony") != ceremony.value:
            return refused(f"a challenge of the {row.payload.get('ceremony')!r} ceremony, not {ceremony.value!r}")
        return row

    async def _check_assertion(
        self, session: AsyncSession, response: ClientResponse, credential: dict[str, Any], bound: bool,
        bound_to: uuid.UUID | None,
    ) -> tuple[Credential, Assertion] | AuthError:
        """The key (locked), the assertion verified against it, the counter rule; the new counter stored."""
        key_row = await credentials_repo.find_by_type_and_identifier(session, CREDENTIAL_TYPE,
                                                                     response.credential_id, lock=True)
        if key_row is None:
            return refused("unknown credential")
        if bound and key_row.user_id != bound_to:
            return refused("a key of another account than the challenge's")
        if response.user_handle is not None and user_id_of_handle(response.user_handle) != key_row.user_id:
            return refused("the user handle is not the key's owner")
        key = stored_key(key_row)
        try:
            assertion = self._rp.verify_assertion(credential, from_b64url(response.challenge), key.public_key)
        except AuthError as exc:
            return exc
        now = self._clock()
        if counter_went_backwards(key.sign_count, assertion.sign_count):
            log.warning("possible cloned authenticator: key %s of user %s signed with counter %d, stored %d",
                        key_row.id, key_row.user_id, assertion.sign_count, key.sign_count)
            audit.record(session, "webauthn.counter_went_backwards", now, key_row.user_id, key_id=str(key_row.id),
                         stored=key.sign_count, reported=assertion.sign_count)
            return refused("the sign counter did not move forward (possible cloned authenticator)")
        key.sign_count = assertion.sign_count
        key.backed_up = assertion.backed_up
        await credentials_repo.set_data(session, key_row.id, key.to_data(), now)
        return key_row, assertion
