"""Rows of `tickets` that carry a pending second-factor sign-in (kind "mfa_totp").

Kept apart from the email tickets' module so each method owns its SQL; the statements are the
same shape (look up by hash, count attempts, consume once).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from authward.storage.models import Ticket


async def add(session: AsyncSession, ticket: Ticket) -> Ticket:
    session.add(ticket)
    await session.flush()
    return ticket


async def get_for_update(session: AsyncSession, kind: str, secret_hash: str) -> Ticket | None:
    stmt = (
        select(Ticket)
        .where(Ticket.kind == kind, Ticket.secret_hash == secret_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).first()


async def count_attempt(session: AsyncSession, ticket_id: uuid.UUID) -> None:
    await session.execute(update(Ticket).where(Ticket.id == ticket_id).values(attempts=Ticket.attempts + 1))


async def consume(session: AsyncSession, ticket_id: uuid.UUID, now: datetime) -> bool:
    """Single use: True for exactly one caller."""
    result = await session.execute(
        update(Ticket).where(Ticket.id == ticket_id, Ticket.consumed_at.is_(None)).values(consumed_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_stale(session: AsyncSession, user_id: uuid.UUID, kind: str, now: datetime) -> int:
    """The user's expired or used tickets of a kind: they can never be redeemed again."""
    result = await session.execute(
        delete(Ticket).where(
            Ticket.user_id == user_id,
            Ticket.kind == kind,
            or_(Ticket.expires_at <= now, Ticket.consumed_at.is_not(None)),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def delete_for_user(session: AsyncSession, user_id: uuid.UUID, kind: str) -> int:
    result = await session.execute(delete(Ticket).where(Ticket.user_id == user_id, Ticket.kind == kind))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
