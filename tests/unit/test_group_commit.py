"""SQLite group commit (storage/group_commit.py): jobs share transactions, fail alone, and are answered
only once their transaction committed."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from authward.storage import sqlite_begin
from authward.storage.group_commit import GroupCommit, run_unsuspended


def committer(path: Path, turn: asyncio.Lock | None = None) -> GroupCommit:
    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(path, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        return connection

    return GroupCommit(connect, lambda: None, turn or asyncio.Lock())


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "group.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")  # as authward's databases
        connection.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)")
    return path


def rows(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return dict(connection.execute("SELECT k, v FROM t").fetchall())


async def test_parallel_jobs_share_commits_and_each_gets_its_result(database: Path) -> None:
    group = committer(database)

    def insert(n: int):
        async def job(connection: sqlite3.Connection) -> int:
            connection.execute("INSERT INTO t VALUES (?, ?)", (f"k{n}", n))
            return n * 10
        return job

    results = await asyncio.gather(*(group.run(insert(n)) for n in range(40)))
    assert results == [n * 10 for n in range(40)]
    assert rows(database) == {f"k{n}": n for n in range(40)}  # committed before anyone was answered
    assert 1 <= group.commits < 40  # the jobs waiting behind the first commit went in together
    group.close()


async def test_a_failing_job_rolls_back_alone(database: Path) -> None:
    group = committer(database)

    def job_of(key: str, fail: bool):
        async def job(connection: sqlite3.Connection) -> str:
            connection.execute("INSERT INTO t VALUES (?, 1)", (key,))
            connection.execute("UPDATE t SET v = v + 1 WHERE k = 'shared'")
            if fail:
                raise LookupError(key)
            return key
        return job

    with sqlite3.connect(database) as connection:
        connection.execute("INSERT INTO t VALUES ('shared', 0)")
    outcomes = await asyncio.gather(*(group.run(job_of(f"j{n}", fail=n % 3 == 0)) for n in range(9)),
                                    return_exceptions=True)
    assert [isinstance(o, LookupError) for o in outcomes] == [n % 3 == 0 for n in range(9)]
    stored = rows(database)
    assert stored.pop("shared") == 6  # only the six jobs that succeeded counted
    assert sorted(stored) == [f"j{n}" for n in range(9) if n % 3]
    group.close()


async def test_a_failed_commit_fails_every_job_of_the_batch_and_the_next_batch_works(
        database: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_begin, "BUSY_SECONDS", 0.05)
    group = committer(database)
    holder = sqlite3.connect(database)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock past the busy timeout

    async def write(connection: sqlite3.Connection) -> None:
        connection.execute("INSERT INTO t VALUES ('x', 1)")

    with pytest.raises(sqlite3.OperationalError):
        await group.run(write)
    holder.rollback()
    holder.close()
    await group.run(write)
    assert rows(database) == {"x": 1}
    group.close()


async def test_a_writer_of_another_process_is_waited_for_then_the_job_runs(database: Path) -> None:
    """The committer retries BEGIN IMMEDIATE in short pauses (not SQLite's busy handler, whose sleeps grow to
    100 ms): the job runs soon after the other writer commits, and the loop stays free meanwhile."""
    group = committer(database)
    holder = sqlite3.connect(database)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES ('first', 1)")

    async def write(connection: sqlite3.Connection) -> None:
        connection.execute("INSERT INTO t VALUES ('second', 2)")

    job = asyncio.ensure_future(group.run(write))
    ticks = 0
    while ticks < 20:  # the loop keeps turning while the committer waits for the lock
        await asyncio.sleep(0.005)
        ticks += 1
    assert not job.done()
    holder.commit()
    released = asyncio.get_running_loop().time()
    await job
    assert asyncio.get_running_loop().time() - released < 0.05
    holder.close()
    assert rows(database) == {"first": 1, "second": 2}
    group.close()


async def test_after_close_a_job_starts_it_again(database: Path) -> None:
    group = committer(database)

    async def write(connection: sqlite3.Connection) -> None:
        connection.execute("INSERT OR REPLACE INTO t VALUES ('again', 1)")

    await group.run(write)
    group.close()
    await group.run(write)
    group.close()
    assert rows(database) == {"again": 1}


async def test_a_cancelled_committer_cancels_every_waiting_caller(database: Path) -> None:
    """At shutdown the flushing task is cancelled: no caller may wait forever for an answer."""
    turn = asyncio.Lock()
    group = committer(database, turn)

    async def write(connection: sqlite3.Connection) -> None:
        connection.execute("INSERT INTO t VALUES ('never', 1)")

    async with turn:  # an ORM writer holds the turn: the batch waits for it
        callers = [asyncio.ensure_future(group.run(write)) for _ in range(3)]
        await asyncio.sleep(0.01)
        assert group._flusher is not None
        group._flusher.cancel()
        outcomes = await asyncio.gather(*callers, return_exceptions=True)
    assert all(isinstance(o, asyncio.CancelledError) for o in outcomes)
    assert rows(database) == {}
    await group.run(write)  # the next job starts a new flusher
    assert rows(database) == {"never": 1}
    group.close()


def test_a_job_that_suspends_is_refused() -> None:
    async def suspends() -> None:
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="suspended"):
        run_unsuspended(suspends())

    async def finishes() -> int:
        return 7

    assert run_unsuspended(finishes()) == 7
