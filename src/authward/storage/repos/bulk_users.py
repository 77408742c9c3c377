"""Users in bulk (import and export): set lookups for a batch and executemany inserts, with SQLAlchemy Core.

The ORM's unit of work costs far more per row than the insert itself; a batch of plain dicts through one
`INSERT ... VALUES` statement per table (SQLAlchemy's insertmanyvalues) is what makes 100,000 users quick.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Collection, Sequence
from typing import Any

from sqlalchemy import Row, Table, any_, bindparam, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from authward.storage.db import Database
from authward.storage.models import Credential, ProviderLink, User

USERS: Table = User.__table__  # type: ignore[assignment]
CREDENTIALS: Table = Credential.__table__  # type: ignore[assignment]
PROVIDER_LINKS: Table = ProviderLink.__table__  # type: ignore[assignment]


def _one_of(session: AsyncSession, column: Any, values: Collection[Any]) -> Any:
    """`column IN values`; on PostgreSQL `column = ANY($1)`, one array parameter.

    A thousand-parameter IN list is planned anew at each run, or, as a prepared statement, may keep a generic
    plan made while the table was small (a sequential scan): seconds per batch once an import has grown the
    table. One array parameter plans in microseconds and probes the unique index.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


async def existing_ids(session: AsyncSession, ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    return set((await session.scalars(select(User.id).where(_one_of(session, User.id, ids)))).all())


async def existing_emails(session: AsyncSession, emails: Collection[str]) -> set[str]:
    """Of these (normalised) addresses, those a user has (an indexed lookup)."""
    if not emails:
        return set()
    rows = await session.scalars(select(User.email).where(_one_of(session, User.email, emails)))
    return {email for email in rows.all() if email is not None}


async def pending_new_emails(session: AsyncSession) -> set[str]:
    """Every address a user is changing to: few, and not indexed, so read once rather than matched per batch."""
    rows = await session.scalars(select(User.new_email).where(User.new_email.is_not(None)))
    return {email for email in rows.all() if email is not None}


async def existing_phones(session: AsyncSession, phones: Collection[str]) -> set[str]:
    if not phones:
        return set()
    rows = await session.scalars(select(User.phone_number).where(_one_of(session, User.phone_number, phones)))
    return {phone for phone in rows.all() if phone is not None}


async def existing_links(session: AsyncSession, links: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
    if not links:
        return set()
    stmt = select(ProviderLink.provider, ProviderLink.provider_user_id).where(
        _one_of(session, ProviderLink.provider_user_id, {user_id for _, user_id in links})
    )
    return {(row.provider, row.provider_user_id) for row in await session.execute(stmt)} & set(links)


async def insert_users(
    session: AsyncSession,
    users: Sequence[dict[str, Any]],
    credentials: Sequence[dict[str, Any]] = (),
    links: Sequence[dict[str, Any]] = (),
) -> None:
    """Rows keyed by column name (`metadata`, not `user_metadata`); every dict of a list has the same keys."""
    if users:
        await session.execute(insert(USERS), list(users))
    if credentials:
        await session.execute(insert(CREDENTIALS), list(credentials))
    if links:
        await session.execute(insert(PROVIDER_LINKS), list(links))


async def stream_users(db: Database, batch: int = 1000) -> AsyncIterator[Sequence[Row[Any]]]:
    """Every user, oldest first, in batches (keyset paging: no long-held cursor, no OFFSET scans)."""
    after: tuple[Any, uuid.UUID] | None = None
    while True:
        stmt = select(USERS).order_by(USERS.c.created_at, USERS.c.id).limit(batch)
        if after is not None:
            stmt = stmt.where((USERS.c.created_at > after[0])
                              | ((USERS.c.created_at == after[0]) & (USERS.c.id > after[1])))
        async with db.read() as session:
            rows = (await session.execute(stmt)).all()
        if not rows:
            return
        yield rows
        after = (rows[-1].created_at, rows[-1].id)


async def links_of(session: AsyncSession, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[tuple[str, str]]]:
    found: dict[uuid.UUID, list[tuple[str, str]]] = {}
    if not user_ids:
        return found
    stmt = select(ProviderLink.user_id, ProviderLink.provider, ProviderLink.provider_user_id).where(
        ProviderLink.user_id.in_(user_ids))
    for row in await session.execute(stmt):
        found.setdefault(row.user_id, []).append((row.provider, row.provider_user_id))
    return found
