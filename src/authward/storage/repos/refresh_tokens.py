"""Refresh tokens: rows keyed by the SHA-256 of the token, grouped in families."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, delete, func, insert, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from authward.storage.db import DriverTransaction
from authward.storage.models import RefreshToken

_TABLE = cast(Table, RefreshToken.__table__)
_C = _TABLE.c
# The family's advisory-lock key computed by PostgreSQL itself (equal to `_lock_key`): the low 64 bits
# of the UUID as a signed bigint, so one statement finds a token and locks its family.
_FAMILY_LOCK_KEY: ColumnElement[int] = literal_column(
    "('x' || right(replace(CAST(family_id AS text), '-', ''), 16))::bit(64)::bigint"
)
_LOCK_FAMILY_OF_HASH = select(func.pg_advisory_xact_lock(_FAMILY_LOCK_KEY)).select_from(_TABLE).where(
    _C.token_hash == bindparam("token_hash")
)


def _claim_statement(first_party: bool) -> Any:
    owner = _C.client_id.is_(None) if first_party else _C.client_id == bindparam("b_client")
    return (
        update(_TABLE)
        .where(_C.token_hash == bindparam("b_hash"), _C.status == "active", _C.expires_at > bindparam("b_now"), owner)
        .values(status="rotated", rotated_at=bindparam("b_now"))
        .returning(*_C)
    )


_CLAIM_FIRST_PARTY = _claim_statement(first_party=True)
_CLAIM_OF_CLIENT = _claim_statement(first_party=False)
_INSERT = insert(_TABLE)


async def add(session: AsyncSession, token: RefreshToken) -> RefreshToken:
    session.add(token)
    await session.flush()
    return token


async def get_by_hash(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    stmt = select(RefreshToken).where(RefreshToken.token_hash == token_hash).execution_options(
        populate_existing=True
    )
    return (await session.scalars(stmt)).first()


async def claim_for_rotation(session: AsyncSession, token_id: uuid.UUID, now: datetime) -> bool:
    """Mark an active token rotated; False when a concurrent request got there first."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token_id, RefreshToken.status == "active")
        .values(status="rotated", rotated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def lock_family(session: AsyncSession, family_id: uuid.UUID) -> bool:
    """Serialise every change to one family (rotation, reuse detection, sign-out) until commit.

    Without it, concurrent refreshes of one token deadlock on PostgreSQL: a loser of the rotation
    race keeps the row lock its failed UPDATE took, while another revokes the family in a different
    row order. SQLite needs nothing: its writers are serialised by BEGIN IMMEDIATE.
    Answers whether it waited for a lock (rows read before it may then be stale).
    """
    if session.get_bind().dialect.name != "postgresql":
        return False
    await session.execute(select(func.pg_advisory_xact_lock(_lock_key(family_id))))
    return True


def _lock_key(family_id: uuid.UUID) -> int:
    """A signed 64-bit key for PostgreSQL's advisory locks: the UUID's low 64 bits, two's complement."""
    low = family_id.int & ((1 << 64) - 1)
    return low - (1 << 64) if low >= (1 << 63) else low


async def claim_active(tx: DriverTransaction, token_hash: str, client_id: str | None, now: datetime) -> Any:
    """Mark the live token `token_hash` of `client_id` rotated and return its row: one conditional UPDATE.

    None when no active, unexpired token of that owner has this hash (a reuse, a revoked or unknown
    token: the caller's slower path tells which). On PostgreSQL the family's lock (`lock_family`) is
    taken first, in the statement that finds the token.
    """
    if tx.is_postgresql:
        if await tx.first(_LOCK_FAMILY_OF_HASH, {"token_hash": token_hash}) is None:
            return None
    statement = _CLAIM_FIRST_PARTY if client_id is None else _CLAIM_OF_CLIENT
    return await tx.first(statement, {"b_hash": token_hash, "b_now": now, "b_client": client_id})


async def insert_row(tx: DriverTransaction, values: dict[str, Any]) -> None:
    """Insert a token given every column's value."""
    await tx.run(_INSERT, values, columns=True)


async def revoke_family(session: AsyncSession, family_id: uuid.UUID) -> int:
    await lock_family(session, family_id)  # re-entrant: harmless when the caller holds it already
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.status != "revoked")
        .values(status="revoked")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _revoke_live(session: AsyncSession, *conditions: ColumnElement[bool]) -> int:
    """Revoke every live family matching `conditions`, taking the family locks in one order."""
    families = (await session.scalars(
        select(RefreshToken.family_id)
        .where(RefreshToken.status != "revoked", *conditions)
        .distinct()
        .order_by(RefreshToken.family_id)
    )).all()
    revoked = 0
    for family_id in families:
        revoked += await revoke_family(session, family_id)
    return revoked


async def revoke_all_for_user(session: AsyncSession, user_id: uuid.UUID) -> int:
    """Revoke every live session of the user."""
    return await _revoke_live(session, RefreshToken.user_id == user_id)


async def revoke_all_for_client(session: AsyncSession, client_id: str) -> int:
    """Revoke every live session issued to an OAuth client (the client is deleted)."""
    return await _revoke_live(session, RefreshToken.client_id == client_id)


async def live_families_of_client(session: AsyncSession, user_id: uuid.UUID, client_id: str) -> list[uuid.UUID]:
    stmt = (
        select(RefreshToken.family_id)
        .where(RefreshToken.user_id == user_id, RefreshToken.client_id == client_id, RefreshToken.status != "revoked")
        .distinct()
        .order_by(RefreshToken.family_id)
    )
    return list((await session.scalars(stmt)).all())


async def family_is_live(session: AsyncSession, family_id: uuid.UUID, now: datetime) -> bool:
    """A member of the family is still active and unexpired (the session goes on)."""
    stmt = select(RefreshToken.id).where(
        RefreshToken.family_id == family_id, RefreshToken.status == "active", RefreshToken.expires_at > now
    ).limit(1)
    return (await session.scalar(stmt)) is not None


async def delete_expired(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def live_families_with_amr(session: AsyncSession, user_id: uuid.UUID, amr_value: str) -> list[uuid.UUID]:
    """Families of the user's live sessions whose amr names `amr_value` (filtered here: JSON is portable)."""
    stmt = select(RefreshToken.family_id, RefreshToken.amr).where(
        RefreshToken.user_id == user_id, RefreshToken.status == "active"
    )
    rows = (await session.execute(stmt)).all()
    return list(dict.fromkeys(family for family, amr in rows if amr_value in (amr or [])))


async def live_sessions(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> list[RefreshToken]:
    """The user's live sessions: the active member of each family, most recently used first.

    A family's active member was created at its last refresh, so its `created_at` is the session's last use;
    the family's start is its `auth_time`.
    """
    stmt = (
        select(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.status == "active", RefreshToken.expires_at > now)
        .order_by(RefreshToken.created_at.desc())
    )
    return list((await session.scalars(stmt)).all())
