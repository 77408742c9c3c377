"""Users."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from authward.storage.models import User


async def get(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    """`email` must already be normalised (lower case), as stored."""
    return (await session.scalars(select(User).where(User.email == email))).first()


async def email_taken(session: AsyncSession, email: str) -> bool:
    stmt = select(User.id).where((User.email == email) | (User.new_email == email)).limit(1)
    return (await session.scalars(stmt)).first() is not None


async def add(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.flush()
    return user


async def set_password_hash(session: AsyncSession, user_id: uuid.UUID, password_hash: str, now: datetime) -> None:
    await session.execute(
        update(User).where(User.id == user_id).values(password_hash=password_hash, updated_at=now)
    )


async def touch_last_seen(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    await session.execute(update(User).where(User.id == user_id).values(last_seen=now))
