"""What following an email link does (`GET /verify`): use the ticket, apply it, start a session.

One unit of work: the ticket is used, its effect applied and the session issued together, or
nothing happens (a disabled user, an address taken meanwhile...). Effects, as Nhost:
- verifyEmail: the address is verified;
- passwordlessEmail: the address is proven (the user is created now if it is new);
- passwordReset: nothing more (the session lets the user set a password; the address is verified);
- emailConfirmChange: the pending new address replaces the old one, verified; the old address gets a
  notice (services/security_notices.py).
A user with a second factor active gets an MFA ticket instead of a session. With PKCE (a code challenge
recorded in the ticket, or given to /verify) the redirect carries a one-time code for
`POST /token/exchange` instead of the session (services/exchange_codes.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.services import audit
from authward.services.email_accounts import mark_email_proven, user_for_proven_email
from authward.services.exchange_codes import ExchangeCode, ExchangeCodes, challenge_of
from authward.services.method_info import EMAIL_LINK
from authward.services.security_notices import Notice, SecurityNotices
from authward.services.sessions import IssuedSession
from authward.services.sign_in import MfaChallenge, SignInCompletion, SignInContext
from authward.services.sign_in_attempts import SignInAttempts
from authward.services.tickets import TicketKind, TicketOwner, TicketService
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import Ticket, User
from authward.storage.repos import users as users_repo

LINK_KINDS = {TicketKind.VERIFY_EMAIL, TicketKind.PASSWORDLESS_EMAIL, TicketKind.PASSWORD_RESET,
              TicketKind.EMAIL_CONFIRM_CHANGE}


@dataclass(frozen=True)
class Redeemed:
    kind: TicketKind
    outcome: IssuedSession | MfaChallenge | ExchangeCode


class TicketRedemption:
    def __init__(
        self, db: Database, tickets: TicketService, sign_in: SignInCompletion, settings: Settings,
        clock: Clock = utc_now, exchange_codes: ExchangeCodes | None = None, notices: SecurityNotices | None = None,
        attempts: SignInAttempts | None = None,
    ) -> None:
        self._attempts = attempts  # a followed link makes this IP known for the address (send limits apart)
        self._db = db
        self._tickets = tickets
        self._sign_in = sign_in
        self._settings = settings
        self._clock = clock
        self._exchange_codes = exchange_codes or ExchangeCodes(db, tickets, sign_in, clock)
        self._notices = notices

    async def redeem(self, ticket: str, user_agent: str | None = None, code_challenge: str | None = None) -> Redeemed:
        """Use the ticket; `code_challenge` (from /verify's query) applies when the ticket recorded none."""
        try:
            async with self._db.write() as session:
                row = await self._tickets.redeem(session, ticket, LINK_KINDS)
                kind = TicketKind(row.kind)
                user, notice = await self._apply(session, row, kind)
                context = SignInContext(user_agent, audit={"ticket": kind.value})
                challenge = challenge_of(row.payload) or code_challenge
                outcome = await self._exchange_codes.complete(session, user, EMAIL_LINK, context, challenge)
                redeemed = Redeemed(kind, outcome)
        except IntegrityError as exc:  # the address was taken by a concurrent sign-up or change
            raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE) from exc
        if self._notices is not None:
            await self._notices.dispatch(notice)
        if self._attempts is not None and user.email:
            await self._attempts.succeeded(user.email)
        return redeemed

    async def _apply(self, session: AsyncSession, row: Ticket, kind: TicketKind) -> tuple[User, uuid.UUID | None]:
        """The user the ticket is for, after its effect; and the outbox id of a notice it queued."""
        now = self._clock()
        if kind is TicketKind.PASSWORDLESS_EMAIL and row.user_id is None:
            email = str(row.payload.get("email", ""))
            return await user_for_proven_email(session, self._settings, email, row.payload.get("options"),
                                               EMAIL_LINK.id, self._clock), None
        user = await users_repo.get(session, row.user_id) if row.user_id is not None else None
        if user is None:
            raise AuthError(ErrorCode.INVALID_TICKET)
        if kind is TicketKind.PASSWORDLESS_EMAIL:
            await mark_email_proven(session, user, self._settings, self._clock)
        elif kind is TicketKind.EMAIL_CONFIRM_CHANGE:
            return user, await self._swap_email(session, user, str(row.payload.get("newEmail", "")))
        else:  # verifyEmail, passwordReset: the mailbox owner followed the link
            user.email_verified = True
            user.updated_at = now
        if kind is TicketKind.VERIFY_EMAIL:
            await self._tickets.retire(session, TicketKind.VERIFY_EMAIL, TicketOwner(user_id=user.id))
        return user, None

    async def _swap_email(self, session: AsyncSession, user: User, new_email: str) -> uuid.UUID | None:
        """Swap, and queue the notice to the old address (its outbox id)."""
        if not new_email or user.new_email != new_email:
            raise AuthError(ErrorCode.INVALID_TICKET)  # a newer change request replaced this one
        if await users_repo.email_taken_by_other(session, new_email, user.id):
            raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE)
        old = user.email
        user.email = new_email
        user.new_email = None
        user.email_verified = True
        user.updated_at = self._clock()
        await session.flush()
        audit.record(session, "user.email_changed", user.updated_at, user.id, previous=old)
        if self._notices is None or old is None:
            return None
        return await self._notices.stage(session, user, Notice.EMAIL_CHANGED, to=old, new_email=new_email)
