"""OAuth clients and the consents users gave them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from authward.storage.models import OAuthClient, OAuthConsent


async def add(session: AsyncSession, client: OAuthClient) -> OAuthClient:
    session.add(client)
    await session.flush()
    return client


async def get(session: AsyncSession, client_id: str) -> OAuthClient | None:
    return await session.get(OAuthClient, client_id, populate_existing=True)


async def list_all(session: AsyncSession) -> list[OAuthClient]:
    return list((await session.scalars(select(OAuthClient).order_by(OAuthClient.created_at))).all())


async def delete_client(session: AsyncSession, client_id: str) -> bool:
    result = await session.execute(delete(OAuthClient).where(OAuthClient.client_id == client_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def get_consent(session: AsyncSession, user_id: uuid.UUID, client_id: str) -> OAuthConsent | None:
    stmt = select(OAuthConsent).where(OAuthConsent.user_id == user_id, OAuthConsent.client_id == client_id)
    return (await session.scalars(stmt)).first()


async def save_consent(
    session: AsyncSession, user_id: uuid.UUID, client_id: str, scopes: list[str], now: datetime
) -> OAuthConsent:
    """Remember the scopes (merged with those consented before)."""
    row = await get_consent(session, user_id, client_id)
    if row is None:
        row = OAuthConsent(id=uuid.uuid4(), user_id=user_id, client_id=client_id, scopes=sorted(set(scopes)),
                           created_at=now, updated_at=now)
        session.add(row)
    else:
        row.scopes = sorted(set(row.scopes) | set(scopes))
        row.updated_at = now
    await session.flush()
    return row


async def list_consents(session: AsyncSession, user_id: uuid.UUID) -> list[OAuthConsent]:
    stmt = select(OAuthConsent).where(OAuthConsent.user_id == user_id).order_by(OAuthConsent.created_at)
    return list((await session.scalars(stmt)).all())


async def delete_consent(session: AsyncSession, user_id: uuid.UUID, client_id: str) -> bool:
    result = await session.execute(
        delete(OAuthConsent).where(OAuthConsent.user_id == user_id, OAuthConsent.client_id == client_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def consents_with_clients(session: AsyncSession, user_id: uuid.UUID) -> list[tuple[OAuthConsent, OAuthClient]]:
    stmt = (
        select(OAuthConsent, OAuthClient)
        .join(OAuthClient, OAuthClient.client_id == OAuthConsent.client_id)
        .where(OAuthConsent.user_id == user_id)
        .order_by(OAuthConsent.created_at)
    )
    return [(consent, client) for consent, client in (await session.execute(stmt)).all()]
