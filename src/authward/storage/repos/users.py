"""Users."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, Table, bindparam, cast, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from authward.storage.db import Database, DriverTransaction
from authward.storage.models import User

# Every column, labelled with its attribute name, so a row reads like a User (`row.user_metadata`).
_VIEW = select(
    *[User.__table__.c[attr.columns[0].name].label(attr.key) for attr in User.__mapper__.column_attrs]
).where(User.__table__.c.id == bindparam("user_id"))
# The same without the secret (the password hash): the profile GET /user answers, which may come from a replica.
_PROFILE = select(*[column for column in _VIEW.selected_columns if column.key != "password_hash"]).where(
    User.__table__.c.id == bindparam("user_id")
)


async def get(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_view(db: Database, user_id: uuid.UUID) -> Any:
    """A read-only row of the user (attribute names as on User), or None: the hot path's read."""
    return await db.fetch_one(_VIEW, {"user_id": user_id})


async def get_profile(db: Database, user_id: uuid.UUID) -> Any:
    """`get_view` without the password hash, from the read replica when there is one (it may lag the primary).

    A user the replica does not have yet (signed up a moment ago) is read on the primary: only a profile may
    be a moment old, never a user missing.
    """
    params = {"user_id": user_id}
    row = await db.fetch_one(_PROFILE, params, stale_ok=True)
    if row is None and db.replica_engine is not None:
        row = await db.fetch_one(_PROFILE, params)
    return row


async def view_on(tx: DriverTransaction, user_id: uuid.UUID) -> Any:
    """`get_view` inside a driver transaction (`Database.driver_transaction`)."""
    return await tx.first(_VIEW, {"user_id": user_id})


async def view_by_email(db: Database, email: str) -> Any:
    """`get_view` by address (normalised, as stored), on the primary: the password sign-in's read."""
    return await db.fetch_one(_VIEW_BY_EMAIL, {"email": email})


# Built once: a statement's construction and cache key cost more than its (cached) compilation per call.
_BY_EMAIL = select(User).where(User.email == bindparam("email"))
_VIEW_BY_EMAIL = select(*_VIEW.selected_columns).where(User.__table__.c.email == bindparam("email"))


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    """`email` must already be normalised (lower case), as stored."""
    return (await session.scalars(_BY_EMAIL, {"email": email})).first()


async def email_taken(session: AsyncSession, email: str) -> bool:
    """Is `email` an account's address? A pending change (`new_email`) reserves nothing: only the
    confirmation does, so nobody can block an address by asking to change to it."""
    stmt = select(User.id).where(User.email == email).limit(1)
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
    await session.execute(_TOUCH, {"b_id": user_id, "b_now": now})


_USERS: Table = User.__table__  # type: ignore[assignment]
_TOUCH = update(_USERS).where(_USERS.c.id == bindparam("b_id")).values(last_seen=bindparam("b_now"))


async def touch_last_seen_on(tx: DriverTransaction, user_id: uuid.UUID, now: datetime) -> None:
    await tx.run(_TOUCH, {"b_id": user_id, "b_now": now})


async def get_by_phone(session: AsyncSession, phone_number: str) -> User | None:
    """`phone_number` must already be E.164, as stored."""
    return (await session.scalars(select(User).where(User.phone_number == phone_number))).first()


async def delete_stale_anonymous(session: AsyncSession, unseen_since: datetime) -> int:
    """Delete anonymous users not seen since `unseen_since` (their rows cascade)."""
    last_activity = func.coalesce(User.last_seen, User.created_at)
    result = await session.execute(
        delete(User).where(User.is_anonymous.is_(True), last_activity < unseen_since)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def set_active_mfa_type(session: AsyncSession, user_id: uuid.UUID, mfa_type: str | None, now: datetime) -> None:
    await session.execute(
        update(User).where(User.id == user_id).values(active_mfa_type=mfa_type, updated_at=now)
    )


async def get_for_update(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """The user row, locked to the end of the unit of work (PostgreSQL; SQLite writers are serialised)."""
    stmt = select(User).where(User.id == user_id).with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def email_taken_by_other(session: AsyncSession, email: str, user_id: uuid.UUID) -> bool:
    """Is `email` someone else's address? (Another account's pending change to it does not count.)"""
    stmt = select(User.id).where(User.email == email, User.id != user_id).limit(1)
    return (await session.scalars(stmt)).first() is not None


@dataclass(frozen=True)
class UserFilter:
    """What `GET /admin/users` and `authward users list` filter on; None matches every user."""

    email: str | None = None  # normalised (lower case)
    phone_number: str | None = None  # E.164
    user_id: uuid.UUID | None = None
    role: str | None = None  # the default role or one of the allowed roles
    disabled: bool | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


def _matching(filters: UserFilter) -> Select[Any]:
    stmt = select(User)
    if filters.email is not None:
        stmt = stmt.where(User.email == filters.email)
    if filters.phone_number is not None:
        stmt = stmt.where(User.phone_number == filters.phone_number)
    if filters.user_id is not None:
        stmt = stmt.where(User.id == filters.user_id)
    if filters.role is not None:
        # roles is a JSON list on both databases: its text holds the quoted role (JSON escapes no plain role)
        quoted = f'"{filters.role}"'
        in_roles = cast(User.roles, String).contains(quoted, autoescape=True)
        stmt = stmt.where((User.default_role == filters.role) | in_roles)
    if filters.disabled is not None:
        stmt = stmt.where(User.disabled.is_(filters.disabled))
    if filters.created_after is not None:
        stmt = stmt.where(User.created_at >= filters.created_after)
    if filters.created_before is not None:
        stmt = stmt.where(User.created_at < filters.created_before)
    return stmt


async def search(session: AsyncSession, filters: UserFilter, limit: int, offset: int) -> list[User]:
    """A page of matching users, oldest first (ties broken by id, so pages do not overlap)."""
    stmt = _matching(filters).order_by(User.created_at, User.id).limit(limit).offset(offset)
    rows: list[User] = list((await session.scalars(stmt)).all())
    return rows


async def count(session: AsyncSession, filters: UserFilter) -> int:
    return int(await session.scalar(select(func.count()).select_from(_matching(filters).subquery())) or 0)


async def delete_one(session: AsyncSession, user_id: uuid.UUID) -> bool:
    """Delete the user; its sessions, tickets, credentials, PATs, provider links and consents cascade."""
    result = await session.execute(delete(User).where(User.id == user_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_disabled(session: AsyncSession, user_id: uuid.UUID, disabled: bool, now: datetime) -> None:
    await session.execute(update(User).where(User.id == user_id).values(disabled=disabled, updated_at=now))
