"""Personal access tokens: rows keyed by the SHA-256 of the token."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from authward.storage.models import PersonalAccessToken


async def add(session: AsyncSession, token: PersonalAccessToken) -> PersonalAccessToken:
    session.add(token)
    await session.flush()
    return token


async def get_by_hash(session: AsyncSession, token_hash: str) -> PersonalAccessToken | None:
    stmt = select(PersonalAccessToken).where(PersonalAccessToken.token_hash == token_hash)
    return (await session.scalars(stmt)).first()


async def list_unrevoked(session: AsyncSession, user_id: uuid.UUID) -> list[PersonalAccessToken]:
    """The user's tokens not revoked (expired ones included), newest first."""
    stmt = (
        select(PersonalAccessToken)
        .where(PersonalAccessToken.user_id == user_id, PersonalAccessToken.revoked_at.is_(None))
        .order_by(PersonalAccessToken.created_at.desc())
    )
    return list((await session.scalars(stmt)).all())


async def revoke(session: AsyncSession, token_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> bool:
    """Revoke one of the user's tokens; False when it is not theirs or already revoked."""
    result = await session.execute(
        update(PersonalAccessToken)
        .where(
            PersonalAccessToken.id == token_id,
            PersonalAccessToken.user_id == user_id,
            PersonalAccessToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def owned_by(session: AsyncSession, token_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    stmt = select(PersonalAccessToken.id).where(
        PersonalAccessToken.id == token_id, PersonalAccessToken.user_id == user_id
    )
    return (await session.scalars(stmt)).first() is not None


async def touch_last_used(session: AsyncSession, token_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(PersonalAccessToken).where(PersonalAccessToken.id == token_id).values(last_used_at=now)
    )


async def revoke_all_for_user(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> int:
    """Revoke every live PAT of the user (a password reset or change); how many were live."""
    result = await session.execute(
        update(PersonalAccessToken)
        .where(PersonalAccessToken.user_id == user_id, PersonalAccessToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def list_all(session: AsyncSession, user_id: uuid.UUID) -> list[PersonalAccessToken]:
    """Every token of the user, revoked ones too, newest first (the self-service export)."""
    stmt = (
        select(PersonalAccessToken)
        .where(PersonalAccessToken.user_id == user_id)
        .order_by(PersonalAccessToken.created_at.desc())
    )
    return list((await session.scalars(stmt)).all())
