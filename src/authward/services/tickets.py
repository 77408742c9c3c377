"""Single-use, expiring, type-bound tickets for the email flows, stored hashed.

A link ticket is `<kind>:<43 url-safe chars>` (256 random bits), the Nhost shape
(`passwordReset:...`); the database keeps only the SHA-256 of the whole string, so the kind is part
of what is hashed and a ticket cannot be replayed as another kind. Redeeming one marks it used with
a conditional UPDATE: two concurrent redemptions cannot both succeed.

A code ticket holds a 6-digit code as a keyed HMAC bound to the ticket id and the address (a stolen
database does not let anyone try codes offline); each code allows a few guesses, counted atomically.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from authward.errors import AuthError, ErrorCode
from authward.security.codes import CodeHasher, new_code
from authward.services.clock import Clock, utc_now
from authward.storage.models import Ticket
from authward.storage.repos import tickets as tickets_repo


class TicketKind(StrEnum):
    """Values are Nhost's ticket prefixes (and the `type` that `/verify` redirects with)."""

    VERIFY_EMAIL = "verifyEmail"
    PASSWORDLESS_EMAIL = "passwordlessEmail"
    PASSWORD_RESET = "passwordReset"  # noqa: S105 - a ticket kind
    EMAIL_CONFIRM_CHANGE = "emailConfirmChange"
    EMAIL_OTP = "otpEmail"  # never in a link: redeemed by /signin/otp/email/verify


# The `type` query parameter Nhost puts in its links (deprecated and ignored by /verify).
LINK_TYPES: dict[TicketKind, str] = {
    TicketKind.VERIFY_EMAIL: "emailVerify",
    TicketKind.PASSWORDLESS_EMAIL: "signinPasswordless",
    TicketKind.PASSWORD_RESET: "passwordReset",
    TicketKind.EMAIL_CONFIRM_CHANGE: "emailConfirmChange",
}
EMAIL_KINDS = [kind.value for kind in TicketKind]
MAX_TICKET_LENGTH = 128


def hash_ticket(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def kind_of(ticket: str) -> TicketKind | None:
    prefix, sep, _ = ticket.partition(":")
    if not sep:
        return None
    try:
        return TicketKind(prefix)
    except ValueError:
        return None


class TicketService:
    def __init__(self, code_key: bytes, clock: Clock = utc_now) -> None:
        self._codes = CodeHasher(code_key)
        self._clock = clock

    # -- links
    async def issue(
        self,
        session: AsyncSession,
        kind: TicketKind,
        ttl_seconds: int,
        *,
        user_id: uuid.UUID | None,
        payload: dict[str, Any] | None = None,
    ) -> str:
        """A new ticket inside the caller's unit of work; the plaintext is returned once, never stored."""
        if kind is TicketKind.EMAIL_OTP:
            raise ValueError("codes are issued with issue_code")
        now = self._clock()
        ticket = f"{kind.value}:{secrets.token_urlsafe(32)}"
        await tickets_repo.add(session, Ticket(
            id=uuid.uuid4(), user_id=user_id, kind=kind.value, secret_hash=hash_ticket(ticket), created_at=now,
            expires_at=now + timedelta(seconds=ttl_seconds), consumed_at=None, attempts=0, payload=payload or {},
        ))
        return ticket

    async def peek(self, session: AsyncSession, ticket: str, kinds: set[TicketKind]) -> Ticket:
        """The live ticket, not used: unknown, expired, used and wrong-kind tickets are `invalid-ticket`."""
        kind = kind_of(ticket) if len(ticket) <= MAX_TICKET_LENGTH else None
        if kind is None or kind not in kinds or kind is TicketKind.EMAIL_OTP:
            raise AuthError(ErrorCode.INVALID_TICKET)
        row = await tickets_repo.get_by_hash(session, hash_ticket(ticket))
        if row is None or row.kind != kind.value or row.consumed_at is not None or row.expires_at <= self._clock():
            raise AuthError(ErrorCode.INVALID_TICKET)
        return row

    async def redeem(self, session: AsyncSession, ticket: str, kinds: set[TicketKind]) -> Ticket:
        """Use a ticket once (a conditional UPDATE: of two concurrent redemptions, one wins)."""
        row = await self.peek(session, ticket, kinds)
        if not await tickets_repo.consume(session, row.id, self._clock()):
            raise AuthError(ErrorCode.INVALID_TICKET)
        return row

    async def retire(
        self, session: AsyncSession, kind: TicketKind, *, user_id: uuid.UUID | None = None, email: str | None = None
    ) -> int:
        """Use up every outstanding ticket of `kind` of an owner (a password changed, a newer code...)."""
        return await tickets_repo.consume_all_owned(session, kind.value, self._clock(), user_id=user_id, email=email)

    # -- codes
    async def issued_since(
        self, session: AsyncSession, kind: TicketKind, seconds: int, *, user_id: uuid.UUID | None, email: str
    ) -> int:
        since = self._clock() - timedelta(seconds=seconds)
        return await tickets_repo.count_owned_since(session, kind.value, since, user_id=user_id, email=email)

    async def issue_code(
        self,
        session: AsyncSession,
        kind: TicketKind,
        ttl_seconds: int,
        *,
        user_id: uuid.UUID | None,
        email: str,
        payload: dict[str, Any] | None = None,
    ) -> str:
        """A new code for `email`; earlier codes of the same owner stop working."""
        now = self._clock()
        await tickets_repo.consume_all_owned(session, kind.value, now, user_id=user_id, email=email)
        code = new_code()
        ticket_id = uuid.uuid4()
        await tickets_repo.add(session, Ticket(
            id=ticket_id, user_id=user_id, kind=kind.value, secret_hash=self._codes.digest(ticket_id, email, code),
            created_at=now, expires_at=now + timedelta(seconds=ttl_seconds), consumed_at=None, attempts=0,
            payload={**(payload or {}), "email": email},
        ))
        return code

    async def redeem_code(
        self,
        session: AsyncSession,
        kind: TicketKind,
        code: str,
        max_attempts: int,
        *,
        user_id: uuid.UUID | None,
        email: str,
    ) -> Ticket | AuthError:
        """The ticket a right code opens, or the error to answer.

        Errors are returned, not raised, so the caller commits the counted attempt before answering.
        """
        now = self._clock()
        row = await tickets_repo.latest_live_owned(session, kind.value, now, user_id=user_id, email=email)
        if row is None:
            self._codes.digest(uuid.uuid4(), email, code)  # the same work as a real check
            return AuthError(ErrorCode.INVALID_OTP)
        if not await tickets_repo.claim_attempt(session, row.id, max_attempts):
            return AuthError(ErrorCode.OTP_TOO_MANY_ATTEMPTS)
        if not hmac.compare_digest(self._codes.digest(row.id, email, code), row.secret_hash):
            return AuthError(ErrorCode.INVALID_OTP)
        if not await tickets_repo.consume(session, row.id, now):
            return AuthError(ErrorCode.INVALID_OTP)
        return row

    async def prune_dead(self, session: AsyncSession, keep_seconds: int = 86_400) -> int:
        """Delete email tickets dead for longer than `keep_seconds` (the hourly code limit reads them)."""
        return await tickets_repo.delete_dead(session, EMAIL_KINDS, self._clock() - timedelta(seconds=keep_seconds))
