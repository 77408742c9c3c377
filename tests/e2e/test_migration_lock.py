"""Instances starting together migrate once: real `authward migrate` processes on one database.

The test holds the migration lock itself (the PostgreSQL advisory lock, or SQLite's write lock) while four
processes start, sees each of them wait, then lets go: exactly one runs the migrations, the other three find the
schema current. A migrator killed while it holds the lock frees it (PostgreSQL ends its session).
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest

from authward.storage.migrate import head_revision, upgrade
from authward.storage.migration_lock import MIGRATION_LOCK_KEY
from authward.storage.models import Base
from tests.e2e.migration_support import ADVISORY, Migrator, columns, postgres_database, run_migrate, start_migrate

pytestmark = [pytest.mark.e2e]

INSTANCES = 4
WAITING = "another process is migrating the database: waiting for it to finish"
MIGRATED = f"database migrated from (empty) to {head_revision()}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from postgres_database()


def assert_migrated_once(migrators: list[Migrator], database_url: str) -> None:
    outcomes = [(migrator.finish(), migrator.stderr()) for migrator in migrators]
    assert [code for code, _ in outcomes] == [0] * INSTANCES, outcomes
    assert all(WAITING in stderr for _, stderr in outcomes), outcomes
    assert sum(MIGRATED in stderr for _, stderr in outcomes) == 1, outcomes
    assert sum("database is up to date" in stderr for _, stderr in outcomes) == INSTANCES - 1, outcomes
    tables = columns(database_url)
    assert set(tables) == {table.name for table in Base.metadata.sorted_tables} | {"alembic_version"}


async def _until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + 60
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


@pytest.mark.postgres
async def test_instances_starting_together_on_postgresql_migrate_once(pg_url, tmp_path):
    holder = await asyncpg.connect(pg_url)
    try:
        await holder.execute(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
        migrators = [start_migrate(pg_url, tmp_path, f"migrate-{n}") for n in range(INSTANCES)]

        async def all_wait() -> bool:
            return await holder.fetchval(f"SELECT count(*) FROM pg_locks WHERE {ADVISORY} AND NOT granted") == INSTANCES

        await _until(all_wait, "every migrator to wait for the lock")
        assert await holder.fetchval("SELECT to_regclass('alembic_version') IS NULL")  # none went past the lock
        await holder.execute(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
    finally:
        await holder.close()
    await asyncio.to_thread(assert_migrated_once, migrators, pg_url)
    check = await asyncpg.connect(pg_url)
    try:
        assert await check.fetch("SELECT version_num FROM alembic_version") == [(head_revision(),)]
        assert await check.fetchval(f"SELECT count(*) FROM pg_locks WHERE {ADVISORY}") == 0  # released
    finally:
        await check.close()


def test_instances_starting_together_on_sqlite_migrate_once(tmp_path):
    path = tmp_path / "authward.db"
    url = f"sqlite:///{path}"
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # SQLite's write lock: what each migrator takes first
        migrators = [start_migrate(url, tmp_path, f"migrate-{n}") for n in range(INSTANCES)]
        deadline = time.monotonic() + 60
        while not all(WAITING in migrator.stderr() for migrator in migrators):
            assert all(migrator.process.poll() is None for migrator in migrators), [m.stderr() for m in migrators]
            assert time.monotonic() < deadline, [migrator.stderr() for migrator in migrators]
            time.sleep(0.1)
        holder.execute("COMMIT")
    finally:
        holder.close()
    assert_migrated_once(migrators, url)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(head_revision(),)]


@pytest.mark.postgres
async def test_a_migrator_that_dies_holding_the_lock_releases_it(pg_url, tmp_path):
    await asyncio.to_thread(upgrade, pg_url, "0003")
    blocker = await asyncpg.connect(pg_url)
    observer = await asyncpg.connect(pg_url)
    try:
        # 0004 alters audit_events: a reader of that table holds the migrator inside its run, lock taken
        blocker_tx = blocker.transaction()
        await blocker_tx.start()
        await blocker.execute("LOCK TABLE audit_events IN ACCESS SHARE MODE")
        doomed = start_migrate(pg_url, tmp_path, "doomed")

        async def holds_lock() -> bool:
            return await observer.fetchval(f"SELECT count(*) FROM pg_locks WHERE {ADVISORY} AND granted") == 1

        await _until(holds_lock, "the migrator to take the lock")
        doomed.process.send_signal(signal.SIGKILL)
        assert doomed.finish() == -signal.SIGKILL
        await blocker_tx.rollback()  # the orphaned session goes on, finds its client gone, and ends

        async def released() -> bool:
            return await observer.fetchval(f"SELECT count(*) FROM pg_locks WHERE {ADVISORY}") == 0

        await _until(released, "PostgreSQL to release the dead migrator's lock")
        assert await observer.fetchval("SELECT version_num FROM alembic_version") == "0003"  # rolled back
    finally:
        await blocker.close()
        await observer.close()
    rerun = await asyncio.to_thread(run_migrate, pg_url, tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert f"database migrated from 0003 to {head_revision()}" in rerun.stderr
    assert WAITING not in rerun.stderr


def test_migrate_leaves_a_newer_releases_schema_alone(tmp_path: Path):
    """An older version (this one) started on a database a newer release migrated: a note, no failure."""
    path = tmp_path / "authward.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    result = run_migrate(url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "the database is at revision 9999, from a newer authward; left as it is" in " ".join(result.stderr.split())
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("9999",)]
