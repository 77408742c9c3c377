"""Tickets: every single-use secret, looked up by the hash of the secret (bearer tickets) or by
owner (codes). An owner is a user, or the address (email, phone) or client a secret is bound to.

Single use and bounded guessing are conditional UPDATEs: of two concurrent redemptions one wins.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from authward.storage.models import Ticket


async def add(session: AsyncSession, ticket: Ticket) -> Ticket:
    session.add(ticket)
    await session.flush()
    return ticket


async def get_by_hash(session: AsyncSession, secret_hash: str, *, lock: bool = False) -> Ticket | None:
    """`lock=True` holds the row until the unit of work ends (a check that spans several statements)."""
    stmt = select(Ticket).where(Ticket.secret_hash == secret_hash).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).first()


async def consume(session: AsyncSession, ticket_id: uuid.UUID, now: datetime) -> bool:
    """Mark a live ticket used; False when it was used (or expired) meanwhile: single use under races."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.consumed_at.is_(None), Ticket.expires_at > now)
        .values(consumed_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def merge_payload(session: AsyncSession, ticket_id: uuid.UUID, values: dict[str, object]) -> None:
    """Add keys to a ticket's payload (what a used authorization code gave, for its replay)."""
    row = await session.get(Ticket, ticket_id, populate_existing=True)
    if row is not None:
        row.payload = {**(row.payload or {}), **values}
        await session.flush()


async def claim_attempt(session: AsyncSession, ticket_id: uuid.UUID, max_attempts: int) -> bool:
    """Count one guess; False when the ticket had no guess left or was used (concurrent requests)."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.attempts < max_attempts, Ticket.consumed_at.is_(None))
        .values(attempts=Ticket.attempts + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _owned_by(kind: str, user_id: uuid.UUID | None, address: str | None) -> ColumnElement[bool]:
    """By address when one is given (codes, pending sign-ups), else by user."""
    if address is not None:
        return and_(Ticket.kind == kind, Ticket.owner == address)
    if user_id is not None:
        return and_(Ticket.kind == kind, Ticket.user_id == user_id)
    raise ValueError("a ticket owner needs a user id or an address")


async def consume_all_owned(
    session: AsyncSession, kind: str, now: datetime, *, user_id: uuid.UUID | None = None, address: str | None = None
) -> int:
    """Retire every unused ticket of `kind` of an owner (after a reset, a new code, ...)."""
    result = await session.execute(
        update(Ticket)
        .where(_owned_by(kind, user_id, address), Ticket.consumed_at.is_(None))
        .values(consumed_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def delete_owned(
    session: AsyncSession, kind: str, *, user_id: uuid.UUID | None = None, address: str | None = None
) -> int:
    result = await session.execute(
        delete(Ticket).where(_owned_by(kind, user_id, address)).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def latest_live_owned(
    session: AsyncSession, kind: str, now: datetime, *, user_id: uuid.UUID | None = None, address: str | None = None
) -> Ticket | None:
    stmt = (
        select(Ticket)
        .where(_owned_by(kind, user_id, address), Ticket.consumed_at.is_(None), Ticket.expires_at > now)
        .order_by(Ticket.created_at.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).first()


async def created_since(
    session: AsyncSession, kind: str, since: datetime, *, user_id: uuid.UUID | None = None, address: str | None = None
) -> list[datetime]:
    """Creation times of an owner's tickets of `kind` since `since`, newest first."""
    stmt = (
        select(Ticket.created_at)
        .where(_owned_by(kind, user_id, address), Ticket.created_at >= since)
        .order_by(Ticket.created_at.desc())
    )
    return list((await session.scalars(stmt)).all())


async def count_owned_since(
    session: AsyncSession, kind: str, since: datetime, *, user_id: uuid.UUID | None = None, address: str | None = None
) -> int:
    stmt = select(func.count()).select_from(Ticket).where(_owned_by(kind, user_id, address),
                                                          Ticket.created_at >= since)
    return int(await session.scalar(stmt) or 0)


async def delete_dead(session: AsyncSession, before: datetime) -> int:
    """Drop every ticket that expired or was used before `before`."""
    result = await session.execute(
        delete(Ticket).where(or_(Ticket.expires_at < before, Ticket.consumed_at < before))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
