"""SQLite writers of this process wait for another process's writer without stopping the event loop
(storage/sqlite_begin.py): the ORM's `Database.write()` and the group committer alike."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from authward.storage import sqlite_begin
from authward.storage.db import Database


@pytest.fixture
async def db(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'writers.db'}")
    async with database.write() as session:
        await session.execute(text("CREATE TABLE t (k TEXT PRIMARY KEY)"))
    yield database
    await database.dispose()


def holder(db: Database) -> sqlite3.Connection:
    """Another process's connection holding SQLite's write lock."""
    connection = sqlite3.connect(db.url.removeprefix("sqlite:///"), isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO t VALUES ('other')")
    return connection


async def test_a_write_waits_for_another_process_with_the_loop_free(db: Database) -> None:
    other = holder(db)

    async def write() -> None:
        async with db.write() as session:
            await session.execute(text("INSERT INTO t VALUES ('ours')"))

    job = asyncio.ensure_future(write())
    ticks = 0
    for _ in range(20):  # the busy handler would hold the loop for the whole wait
        await asyncio.sleep(0.005)
        ticks += 1
    assert ticks == 20 and not job.done()
    other.commit()
    released = asyncio.get_running_loop().time()
    await job
    assert asyncio.get_running_loop().time() - released < 0.05  # pauses of 2 ms at most, not 100 ms
    other.close()
    async with db.read() as session:
        assert sorted((await session.execute(text("SELECT k FROM t"))).scalars()) == ["other", "ours"]


async def test_a_write_gives_up_after_the_busy_bound(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_begin, "BUSY_SECONDS", 0.05)
    other = holder(db)
    with pytest.raises(Exception, match="database is locked"):
        async with db.write() as session:
            await session.execute(text("INSERT INTO t VALUES ('ours')"))
    other.rollback()
    other.close()
    async with db.write() as session:  # the connection is usable again, with its busy timeout back
        await session.execute(text("INSERT INTO t VALUES ('after')"))
        assert (await session.execute(text("PRAGMA busy_timeout"))).scalar() == sqlite_begin.BUSY_TIMEOUT_MS
