"""Fixtures shared by all layers: migrated databases on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support import (
    IN_CI,
    copy_sqlite,
    create_postgres_database,
    drop_postgres_database,
    postgres_available,
)

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from authward.storage.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
async def postgres_template() -> AsyncIterator[str | None]:
    """A migrated template database; each test clones it (CREATE DATABASE ... TEMPLATE)."""
    if not await postgres_available():
        if IN_CI:
            raise RuntimeError("CI=true but PostgreSQL is not reachable: PostgreSQL tests must run in CI")
        yield None
        return
    from authward.storage.migrate import upgrade

    url = await create_postgres_database()
    await asyncio.to_thread(upgrade, url)
    yield url.rpartition("/")[2]
    await drop_postgres_database(url)


@pytest.fixture(params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, postgres_template: str | None
) -> AsyncIterator[str]:
    """A fresh, migrated database of each backend."""
    if request.param == "sqlite":
        yield copy_sqlite(sqlite_template, tmp_path / "authward.db")
        return
    if postgres_template is None:
        pytest.skip("PostgreSQL not reachable (runs in CI)")
    url = await create_postgres_database(template=postgres_template)
    yield url
    await drop_postgres_database(url)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`long` tests run only with AUTHWARD_TEST_LONG=1 (`make test-long`); otherwise they are deselected."""
    if os.environ.get("AUTHWARD_TEST_LONG") == "1":
        return
    long = [item for item in items if item.get_closest_marker("long") is not None]
    if long:
        config.hook.pytest_deselected(items=long)
        items[:] = [item for item in items if item.get_closest_marker("long") is None]
