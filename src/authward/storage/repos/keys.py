"""Signing keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from authward.storage.models import SigningKey


async def add(session: AsyncSession, key: SigningKey) -> None:
    session.add(key)
    await session.flush()


async def live_keys(session: AsyncSession, now: datetime) -> list[SigningKey]:
    """Keys that can still verify a live token, newest first."""
    stmt = (
        select(SigningKey)
        .where(or_(SigningKey.expires_at.is_(None), SigningKey.expires_at > now))
        .order_by(SigningKey.created_at.desc())
    )
    return list((await session.scalars(stmt)).all())


async def retire_active(session: AsyncSession, now: datetime, expires_at: datetime, keep_kid: str) -> int:
    stmt = (
        update(SigningKey)
        .where(SigningKey.retired_at.is_(None), SigningKey.kid != keep_kid)
        .values(retired_at=now, expires_at=expires_at)
    )
    result = await session.execute(stmt)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
