"""Outbox rows: mail (and SMS) the server sends, kept until delivered, and as the dev outbox."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from authward.storage.models import OutboxMessage

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
LOGGED = "logged"  # the dev outbox: kept readable, never sent


async def add(session: AsyncSession, message: OutboxMessage) -> OutboxMessage:
    session.add(message)
    await session.flush()
    return message


async def get(session: AsyncSession, message_id: uuid.UUID) -> OutboxMessage | None:
    stmt = select(OutboxMessage).where(OutboxMessage.id == message_id).execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def claim(session: AsyncSession, message_id: uuid.UUID, seen_attempts: int) -> bool:
    """Count one delivery attempt; False when another worker claimed this attempt first."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == PENDING,
               OutboxMessage.attempts == seen_attempts)
        .values(attempts=seen_attempts + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def finish(
    session: AsyncSession, message_id: uuid.UUID, status: str, now: datetime, *, scrub: bool,
    error: str | None = None,
) -> None:
    """Record the outcome; `scrub` drops the body (it holds a live link or code) once it is no use."""
    values: dict[str, object] = {"status": status, "last_error": error}
    if status in (SENT, LOGGED):
        values["sent_at"] = now
    if scrub:
        values.update(body_text="", body_html=None)
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))


async def note_error(session: AsyncSession, message_id: uuid.UUID, error: str) -> None:
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(last_error=error))


async def count_pending(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.status == PENDING)) or 0)


async def pending(session: AsyncSession, channel: str, limit: int) -> list[OutboxMessage]:
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.status == PENDING)
        .order_by(OutboxMessage.created_at)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def recent(
    session: AsyncSession, *, limit: int = 50, recipient: str | None = None, status: str | None = None
) -> list[OutboxMessage]:
    """Newest first."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id).limit(limit)
    if recipient is not None:
        stmt = stmt.where(OutboxMessage.recipient == recipient)
    if status is not None:
        stmt = stmt.where(OutboxMessage.status == status)
    return list((await session.scalars(stmt)).all())


async def requeue(session: AsyncSession, message_id: uuid.UUID) -> bool:
    """A failed message gets a fresh set of attempts (its body must still be there)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == FAILED, OutboxMessage.body_text != "")
        .values(status=PENDING, attempts=0, last_error=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_finished(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(
        delete(OutboxMessage).where(OutboxMessage.status != PENDING, OutboxMessage.created_at < before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
