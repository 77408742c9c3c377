"""A ticket and the email that carries it, created together in the caller's unit of work.

Every email flow (verification, reset, email change, magic link, code) goes through here, so the
ticket row and its outbox row commit or roll back as one; delivery starts after the commit.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from authward.delivery.compose import EmailComposer, Recipient
from authward.delivery.postman import Postman
from authward.services.exchange_codes import with_code_challenge
from authward.services.tickets import TicketKind, TicketOwner, TicketService
from authward.storage.models import User

log = logging.getLogger("authward")
SendLimit = Callable[[str], Awaitable[bool]]


def recipient_of(user: User, *, to: str | None = None) -> Recipient:
    email = user.email or ""
    return Recipient(to or email, email, user.display_name or email, user.locale)


class TicketMail:
    def __init__(self, tickets: TicketService, composer: EmailComposer, postman: Postman,
                 send_limit: SendLimit | None = None) -> None:
        self.tickets = tickets
        self.composer = composer
        self.postman = postman
        self._send_limit = send_limit  # mails per address (AUTHWARD_RATELIMIT_ADDRESS_SENDS)

    async def _may_send(self, to: str) -> bool:
        if self._send_limit is None or await self._send_limit(to):
            return True
        log.warning("mail to an address over its send limit dropped")
        return False

    async def stage_link(
        self,
        session: AsyncSession,
        kind: TicketKind,
        ttl_seconds: int,
        who: Recipient,
        redirect_to: str,
        *,
        user_id: uuid.UUID | None,
        payload: dict[str, Any] | None = None,
        new_email: str | None = None,
        code_challenge: str | None = None,
    ) -> uuid.UUID | None:
        """Issue a link ticket and queue its email; the outbox row id, for `dispatch` after the commit.

        With `code_challenge` (PKCE), following the link redirects with a code for `POST /token/exchange`
        instead of a refresh token (services/exchange_codes.py).
        None (nothing issued, nothing queued) when the address is over its send limit."""
        if not await self._may_send(who.to):
            return None
        payload = with_code_challenge(payload, code_challenge)
        ticket = await self.tickets.issue(session, kind, ttl_seconds, TicketOwner(user_id, who.to), payload)
        email = self.composer.link_email(who, kind, ticket, redirect_to, ttl_seconds, new_email=new_email)
        return await self.postman.stage(session, email)

    async def stage_code(
        self,
        session: AsyncSession,
        ttl_seconds: int,
        who: Recipient,
        *,
        user_id: uuid.UUID | None,
        payload: dict[str, Any] | None = None,
    ) -> uuid.UUID | None:
        if not await self._may_send(who.to):
            return None
        code = await self.tickets.issue_code(session, TicketKind.EMAIL_OTP, ttl_seconds, TicketOwner(user_id, who.to),
                                             payload)
        return await self.postman.stage(session, self.composer.code_email(who, code, ttl_seconds))

    async def dispatch(self, message_id: uuid.UUID | None, *, wait: bool = True) -> None:
        if message_id is not None:
            await self.postman.dispatch([message_id], wait=wait)
