"""The one service for every single-use secret: email links and codes, SMS codes, MFA tickets, and
what comes next (WebAuthn challenges, OAuth codes and states, invitations).

Two shapes, one table:
- a *bearer ticket* is `<kind>:<43 url-safe chars>` (256 random bits), the Nhost shape
  (`passwordReset:...`, `mfaTotp:...`); the database keeps only the SHA-256 of the whole string, so
  the kind is part of what is hashed and a ticket cannot be replayed as another kind;
- a *code* (`CODE_KINDS`) is six digits a person types, stored as a keyed HMAC bound to the ticket
  id and the owner's address (a stolen database does not let anyone try codes offline), found by
  (kind, owner); issuing one retires the owner's earlier codes of that kind.
Redemption is a conditional UPDATE (single use under races); guesses are counted atomically, and
errors are returned rather than raised where the caller must commit the counted attempt.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.security.codes import CodeHasher, new_code
from authward.security.secrets_at_rest import hash_secret
from authward.storage.models import Ticket
from authward.storage.repos import tickets as tickets_repo
from authward.storage.ticket_kinds import CODE_KINDS, LINK_TYPES, TicketKind

__all__ = ["LINK_TYPES", "TicketKind", "TicketOwner", "TicketService", "kind_of"]

MAX_TICKET_LENGTH = 128
T = TypeVar("T")


@dataclass(frozen=True)
class TicketOwner:
    """Who a secret belongs to: a user, and/or the address or client it is bound to.

    Codes are always bound to an address (the email or phone number they were sent to); bearer
    tickets usually to a user, or to an address that has no user yet (a pending sign-up).
    """

    user_id: uuid.UUID | None = None
    address: str | None = None


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

    def _row(self, kind: TicketKind, ttl_seconds: int, owner: TicketOwner, secret_hash: str,
             payload: dict[str, Any] | None, ticket_id: uuid.UUID | None = None) -> Ticket:
        now = self._clock()
        return Ticket(
            id=ticket_id or uuid.uuid4(), user_id=owner.user_id, owner=owner.address, kind=kind.value,
            secret_hash=secret_hash, created_at=now, expires_at=now + timedelta(seconds=ttl_seconds),
            consumed_at=None, attempts=0, payload=payload or {},
        )

    # -- bearer tickets
    async def issue(
        self, session: AsyncSession, kind: TicketKind, ttl_seconds: int, owner: TicketOwner,
        payload: dict[str, Any] | None = None, *, value: str | None = None,
    ) -> str:
        """A new ticket inside the caller's unit of work; the plaintext is returned once, never stored.

        `value` replaces the 256 random bits where a protocol fixes the shape (a UUID request id, a
        client assertion's `jti`); a value used before fails with IntegrityError (the hash is unique).
        """
        if kind in CODE_KINDS:
            raise ValueError("codes are issued with issue_code")
        ticket = f"{kind.value}:{value if value is not None else secrets.token_urlsafe(32)}"
        await tickets_repo.add(session, self._row(kind, ttl_seconds, owner, hash_secret(ticket), payload))
        return ticket

    async def peek(
        self, session: AsyncSession, ticket: str, kinds: Iterable[TicketKind], *, lock: bool = False
    ) -> Ticket:
        """The live ticket, not used: unknown, expired, used and wrong-kind tickets are `invalid-ticket`."""
        kind = kind_of(ticket) if len(ticket) <= MAX_TICKET_LENGTH else None
        if kind is None or kind not in set(kinds) or kind in CODE_KINDS:
            raise AuthError(ErrorCode.INVALID_TICKET)
        row = await tickets_repo.get_by_hash(session, hash_secret(ticket), lock=lock)
        if row is None or row.kind != kind.value or row.consumed_at is not None or row.expires_at <= self._clock():
            raise AuthError(ErrorCode.INVALID_TICKET)
        return row

    async def find(self, session: AsyncSession, ticket: str, kind: TicketKind) -> Ticket | None:
        """The row of a ticket whatever its state (used, expired): to detect the replay of a used one."""
        if kind_of(ticket) is not kind or len(ticket) > MAX_TICKET_LENGTH:
            return None
        row = await tickets_repo.get_by_hash(session, hash_secret(ticket))
        return row if row is not None and row.kind == kind.value else None

    async def redeem(self, session: AsyncSession, ticket: str, kinds: Iterable[TicketKind]) -> Ticket:
        """Use a ticket once (a conditional UPDATE: of two concurrent redemptions, one wins)."""
        row = await self.peek(session, ticket, kinds)
        if not await tickets_repo.consume(session, row.id, self._clock()):
            raise AuthError(ErrorCode.INVALID_TICKET)
        return row

    async def redeem_checked(
        self,
        session: AsyncSession,
        ticket: str,
        kind: TicketKind,
        max_attempts: int,
        check: Callable[[Ticket], Awaitable[T | AuthError]],
    ) -> T | AuthError:
        """Use a ticket once `check` passes (an MFA ticket and its code); a failed check costs a guess.

        The row is locked while `check` runs. Errors are returned so the caller commits the attempt.
        """
        try:
            row = await self.peek(session, ticket, {kind}, lock=True)
        except AuthError as exc:
            return exc
        if row.attempts >= max_attempts:
            return AuthError(ErrorCode.OTP_TOO_MANY_ATTEMPTS)
        outcome = await check(row)
        if isinstance(outcome, AuthError):
            await tickets_repo.claim_attempt(session, row.id, max_attempts)
            return outcome
        if not await tickets_repo.consume(session, row.id, self._clock()):
            return AuthError(ErrorCode.INVALID_TICKET)
        return outcome

    # -- codes
    async def issue_code(
        self, session: AsyncSession, kind: TicketKind, ttl_seconds: int, owner: TicketOwner,
        payload: dict[str, Any] | None = None,
    ) -> str:
        """A new code for `owner.address`; the owner's earlier codes of this kind stop working."""
        code = new_code()
        await self.store_code(session, kind, ttl_seconds, owner, code, payload)
        return code

    async def store_code(
        self, session: AsyncSession, kind: TicketKind, ttl_seconds: int, owner: TicketOwner, code: str,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Store a code made with `new_code()` and already delivered (an SMS goes out before any write)."""
        if kind not in CODE_KINDS or owner.address is None:
            raise ValueError("a code needs a code kind and an address")
        await tickets_repo.consume_all_owned(session, kind.value, self._clock(), address=owner.address)
        ticket_id = uuid.uuid4()
        digest = self._codes.digest(ticket_id, owner.address, code)
        await tickets_repo.add(session, self._row(kind, ttl_seconds, owner, digest, payload, ticket_id))

    async def redeem_code(
        self, session: AsyncSession, kind: TicketKind, code: str, max_attempts: int, address: str,
        user_id: uuid.UUID | None = None,
    ) -> Ticket | AuthError:
        """The ticket a right code opens, or the error to answer (returned: commit the attempt first).

        With `user_id`, only a code issued to that user counts (another user's code is neither tried nor used).
        """
        now = self._clock()
        row = await tickets_repo.latest_live_owned(session, kind.value, now, address=address)
        if row is not None and user_id is not None and row.user_id != user_id:
            row = None
        if row is None:
            self._codes.digest(uuid.uuid4(), address, code)  # the same work as a real check
            return AuthError(ErrorCode.INVALID_OTP)
        if not await tickets_repo.claim_attempt(session, row.id, max_attempts):
            # No guess left, or used meanwhile by a concurrent redemption (then it is simply not valid).
            now_row = await tickets_repo.get_by_hash(session, row.secret_hash)
            used = now_row is None or now_row.consumed_at is not None
            return AuthError(ErrorCode.INVALID_OTP if used else ErrorCode.OTP_TOO_MANY_ATTEMPTS)
        if not hmac.compare_digest(self._codes.digest(row.id, address, code), row.secret_hash):
            return AuthError(ErrorCode.INVALID_OTP)
        if not await tickets_repo.consume(session, row.id, now):
            return AuthError(ErrorCode.INVALID_OTP)
        return row

    # -- by owner
    async def issued_since(
        self, session: AsyncSession, kind: TicketKind, owner: TicketOwner, seconds: float
    ) -> list[datetime]:
        """When the owner's tickets of `kind` were issued in the last `seconds`, newest first (send limits)."""
        since = self._clock() - timedelta(seconds=seconds)
        return await tickets_repo.created_since(session, kind.value, since, user_id=owner.user_id,
                                                address=owner.address)

    async def retire(self, session: AsyncSession, kind: TicketKind, owner: TicketOwner) -> int:
        """Use up every outstanding ticket of `kind` of an owner (a password changed, MFA removed...)."""
        return await tickets_repo.consume_all_owned(session, kind.value, self._clock(), user_id=owner.user_id,
                                                    address=owner.address)

    async def prune(self, session: AsyncSession, keep_seconds: int = 86_400) -> int:
        """Delete tickets of every kind dead for longer than `keep_seconds` (send limits read a day back)."""
        return await tickets_repo.delete_dead(session, self._clock() - timedelta(seconds=keep_seconds))
