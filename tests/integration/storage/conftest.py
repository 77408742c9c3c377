"""Fixtures of the storage contract tests: a `Database` on each backend and committed users."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from authward.storage.db import Database
from authward.storage.models import User
from authward.storage.repos import users as users_repo
from tests.integration.storage.rows import new_user

T = TypeVar("T")
MakeUser = Callable[..., Awaitable[User]]
Concurrently = Callable[[int, Callable[[AsyncSession], Awaitable[T]]], Awaitable[list[T]]]


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def make_user(db: Database) -> MakeUser:
    """Insert and commit a user; any column can be overridden."""

    async def factory(**overrides: Any) -> User:
        async with db.write() as session:
            return await users_repo.add(session, new_user(**overrides))

    return factory


@pytest.fixture
def concurrently(db: Database) -> Concurrently[Any]:
    """Run `work` in `n` units of work at once (each its own transaction); their answers."""

    async def run(n: int, work: Callable[[AsyncSession], Awaitable[T]]) -> list[T]:
        async def one() -> T:
            async with db.write() as session:
                return await work(session)

        return list(await asyncio.gather(*(one() for _ in range(n))))

    return run
