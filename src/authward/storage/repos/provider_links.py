"""Provider links: a user's identities at external providers, unique by (provider, provider user id)."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from authward.storage.models import ProviderLink


async def add(session: AsyncSession, link: ProviderLink) -> ProviderLink:
    session.add(link)
    await session.flush()
    return link


async def find(session: AsyncSession, provider: str, provider_user_id: str) -> ProviderLink | None:
    stmt = select(ProviderLink).where(ProviderLink.provider == provider,
                                      ProviderLink.provider_user_id == provider_user_id)
    return (await session.scalars(stmt)).first()


async def of_user(session: AsyncSession, user_id: uuid.UUID, provider: str | None = None) -> list[ProviderLink]:
    """The user's links (of one provider when named), oldest first."""
    stmt = select(ProviderLink).where(ProviderLink.user_id == user_id)
    if provider is not None:
        stmt = stmt.where(ProviderLink.provider == provider)
    return list((await session.scalars(stmt.order_by(ProviderLink.created_at))).all())


async def count_of_user(session: AsyncSession, user_id: uuid.UUID) -> int:
    stmt = select(func.count()).select_from(ProviderLink).where(ProviderLink.user_id == user_id)
    return int((await session.execute(stmt)).scalar_one())


async def remove(session: AsyncSession, link_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    result = await session.execute(delete(ProviderLink).where(ProviderLink.id == link_id,
                                                              ProviderLink.user_id == user_id))
    return bool(getattr(result, "rowcount", 0))
