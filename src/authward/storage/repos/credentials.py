"""Credentials: typed per-user secrets (TOTP seeds, recovery codes, ...), one row each."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from authward.storage.models import Credential


async def add(session: AsyncSession, credential: Credential) -> Credential:
    session.add(credential)
    await session.flush()
    return credential


async def add_all(session: AsyncSession, credentials: Sequence[Credential]) -> None:
    session.add_all(credentials)
    await session.flush()


async def get_for_update(session: AsyncSession, user_id: uuid.UUID, type_: str) -> Credential | None:
    """The user's single credential of a type, locked until the unit of work ends (PostgreSQL).

    SQLite needs no row lock: its writers are serialised by BEGIN IMMEDIATE.
    """
    stmt = (
        select(Credential)
        .where(Credential.user_id == user_id, Credential.type == type_)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).first()


async def get(session: AsyncSession, user_id: uuid.UUID, type_: str) -> Credential | None:
    stmt = select(Credential).where(Credential.user_id == user_id, Credential.type == type_)
    return (await session.scalars(stmt)).first()


async def find_by_identifier(
    session: AsyncSession, user_id: uuid.UUID, type_: str, identifier: str
) -> Credential | None:
    stmt = select(Credential).where(
        Credential.user_id == user_id, Credential.type == type_, Credential.identifier == identifier
    ).execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def set_data(
    session: AsyncSession, credential_id: uuid.UUID, data: dict[str, Any], last_used_at: datetime | None = None
) -> None:
    values: dict[str, Any] = {"data": data}
    if last_used_at is not None:
        values["last_used_at"] = last_used_at
    await session.execute(update(Credential).where(Credential.id == credential_id).values(**values))


async def set_data_for_user(session: AsyncSession, user_id: uuid.UUID, type_: str, data: dict[str, Any]) -> int:
    result = await session.execute(
        update(Credential).where(Credential.user_id == user_id, Credential.type == type_).values(data=data)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def mark_used_once(session: AsyncSession, credential_id: uuid.UUID, now: datetime) -> bool:
    """Single use: True for exactly one caller, even when two race for the same row."""
    result = await session.execute(
        update(Credential)
        .where(Credential.id == credential_id, Credential.last_used_at.is_(None))
        .values(last_used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def count_unused(session: AsyncSession, user_id: uuid.UUID, type_: str) -> int:
    stmt = select(func.count()).select_from(Credential).where(
        Credential.user_id == user_id, Credential.type == type_, Credential.last_used_at.is_(None)
    )
    return int((await session.scalar(stmt)) or 0)


async def delete_for_user(session: AsyncSession, user_id: uuid.UUID, types: Sequence[str]) -> int:
    result = await session.execute(
        delete(Credential).where(Credential.user_id == user_id, Credential.type.in_(list(types)))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def list_for_user(session: AsyncSession, user_id: uuid.UUID, type_: str) -> list[Credential]:
    """The user's credentials of a type, oldest first."""
    stmt = (
        select(Credential)
        .where(Credential.user_id == user_id, Credential.type == type_)
        .order_by(Credential.created_at, Credential.id)
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(stmt)).all())


async def find_by_type_and_identifier(
    session: AsyncSession, type_: str, identifier: str, *, lock: bool = False
) -> Credential | None:
    """Whoever holds it: (type, identifier) is unique across users (a WebAuthn credential id, say)."""
    stmt = select(Credential).where(Credential.type == type_, Credential.identifier == identifier)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt.execution_options(populate_existing=True))).first()


async def get_owned(
    session: AsyncSession, credential_id: uuid.UUID, user_id: uuid.UUID, type_: str
) -> Credential | None:
    stmt = select(Credential).where(
        Credential.id == credential_id, Credential.user_id == user_id, Credential.type == type_
    ).execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def delete_one(session: AsyncSession, credential_id: uuid.UUID) -> int:
    result = await session.execute(delete(Credential).where(Credential.id == credential_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
