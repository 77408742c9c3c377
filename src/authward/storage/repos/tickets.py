"""Tickets: single-use secrets, looked up by the hash of the secret (links) or by owner (codes).

Shared by the email flows (links and codes, `services/tickets.py`) and the SMS codes
(`methods/sms_otp`). An owner is a user, or, for email sign-ins of an address that has no user
yet, the address itself (kept in `payload["email"]`).
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


async def get_by_hash(session: AsyncSession, secret_hash: str) -> Ticket | None:
    stmt = select(Ticket).where(Ticket.secret_hash == secret_hash).execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def consume(session: AsyncSession, ticket_id: uuid.UUID, now: datetime) -> bool:
    """Mark a live ticket used; False when it was used (or expired) meanwhile: single use under races."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.consumed_at.is_(None), Ticket.expires_at > now)
        .values(consumed_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim_attempt(session: AsyncSession, ticket_id: uuid.UUID, max_attempts: int) -> bool:
    """Count one guess; False when the ticket had no guess left (another request took the last one)."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.attempts < max_attempts, Ticket.consumed_at.is_(None))
        .values(attempts=Ticket.attempts + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# -- by user (SMS codes)
async def latest_live(session: AsyncSession, user_id: uuid.UUID, kind: str) -> Ticket | None:
    """The user's newest unused ticket of `kind` (the caller checks its expiry)."""
    stmt = (
        select(Ticket)
        .where(Ticket.user_id == user_id, Ticket.kind == kind, Ticket.consumed_at.is_(None))
        .order_by(Ticket.created_at.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).first()


async def consume_live(session: AsyncSession, user_id: uuid.UUID, kind: str, now: datetime) -> int:
    """Retire every unused ticket of `kind` of the user."""
    return await consume_all_owned(session, kind, now, user_id=user_id)


async def issued_since(session: AsyncSession, user_id: uuid.UUID, kind: str, since: datetime) -> list[datetime]:
    """Creation times of the user's tickets of `kind` since `since`, newest first."""
    stmt = (
        select(Ticket.created_at)
        .where(Ticket.user_id == user_id, Ticket.kind == kind, Ticket.created_at >= since)
        .order_by(Ticket.created_at.desc())
    )
    return list((await session.scalars(stmt)).all())


async def delete_expired(session: AsyncSession, kind: str, before: datetime) -> int:
    result = await session.execute(delete(Ticket).where(Ticket.kind == kind, Ticket.expires_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# -- by owner: a user, or an address without a user yet (email flows)
def _owned_by(kind: str, user_id: uuid.UUID | None, email: str | None) -> ColumnElement[bool]:
    owners = []
    if user_id is not None:
        owners.append(Ticket.user_id == user_id)
    if email is not None:
        owners.append(and_(Ticket.user_id.is_(None), Ticket.payload["email"].as_string() == email))
    if not owners:
        raise ValueError("a ticket owner needs a user id or an email")
    return and_(Ticket.kind == kind, or_(*owners))


async def consume_all_owned(
    session: AsyncSession, kind: str, now: datetime, *, user_id: uuid.UUID | None = None, email: str | None = None
) -> int:
    """Retire every unused ticket of `kind` of an owner (after a reset, a new code, ...)."""
    result = await session.execute(
        update(Ticket)
        .where(_owned_by(kind, user_id, email), Ticket.consumed_at.is_(None))
        .values(consumed_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def latest_live_owned(
    session: AsyncSession, kind: str, now: datetime, *, user_id: uuid.UUID | None = None, email: str | None = None
) -> Ticket | None:
    stmt = (
        select(Ticket)
        .where(_owned_by(kind, user_id, email), Ticket.consumed_at.is_(None), Ticket.expires_at > now)
        .order_by(Ticket.created_at.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).first()


async def count_owned_since(
    session: AsyncSession, kind: str, since: datetime, *, user_id: uuid.UUID | None = None, email: str | None = None
) -> int:
    stmt = select(func.count()).select_from(Ticket).where(_owned_by(kind, user_id, email), Ticket.created_at >= since)
    return int(await session.scalar(stmt) or 0)


async def delete_dead(session: AsyncSession, kinds: list[str], before: datetime) -> int:
    """Drop tickets of `kinds` that expired or were used before `before`."""
    result = await session.execute(
        delete(Ticket).where(Ticket.kind.in_(kinds), or_(Ticket.expires_at < before, Ticket.consumed_at < before))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
