"""SQLite's hot writes, many to a transaction, committed on a thread of their own (group commit).

A refresh on SQLite is tens of microseconds of SQL and one sync of the WAL at COMMIT (`synchronous=FULL`:
~0.3 ms on a local SSD, milliseconds on a network disk). Committed on the event loop, that sync stalled
every other request: 36% of the loop's samples under 16 refresh clients (py-spy, `make bench`), and one
commit per refresh capped refreshes at the disk's syncs per second.

Here a write is a job: an async function of a `DriverTransaction` that awaits only SQLite's synchronous
statements, so it runs to its end in one step on any thread. Jobs that arrive while a batch commits wait;
the next turn runs all of them (up to `MAX_BATCH`) on the committer's thread in one transaction, each
under its own SAVEPOINT, so a job that raises rolls back its own statements and nobody else's, then
syncs once for all of them. A job's caller hears its outcome only after that COMMIT returned:
acknowledged still means durable. A turn is taken under the database's writer lock, in order with the
ORM's writers of this process.

Another process's writer (a second worker, the CLI) is waited for on the committer's thread, in short
pauses rather than SQLite's busy handler (storage/sqlite_begin.py).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from authward.storage.sqlite_begin import begin_immediate

T = TypeVar("T")
MAX_BATCH = 64  # jobs per transaction: a turn stays short, and one failing COMMIT fails at most this many

Job = Callable[[sqlite3.Connection], Coroutine[Any, Any, Any]]
Outcome = tuple[bool, Any]  # (succeeded, its result or its exception)


def run_unsuspended(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that awaits nothing asynchronous to its end, in one step, on the calling thread."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("a SQLite driver job suspended: it awaited asynchronous I/O")


class GroupCommit:
    """Runs jobs in shared transactions on one thread with one connection of its own."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], release: Callable[[], None],
                 turn: asyncio.Lock) -> None:
        self._connect = connect  # the committer's connection, and its release: both called on its thread
        self._release = release
        self._turn = turn
        self._connection: sqlite3.Connection | None = None
        self._thread: ThreadPoolExecutor | None = None  # started at the first job, ended by `close`
        self._pending: list[tuple[Job, asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self.commits = 0  # transactions committed (each holding one or more jobs)

    async def run(self, job: Callable[[sqlite3.Connection], Coroutine[Any, Any, T]]) -> T:
        """`job(connection)` inside a transaction shared with the jobs waiting now; its result once committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._pending.append((job, future))
        if self._flusher is None:
            self._flusher = loop.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        """Commit batches until nothing waits (jobs arriving meanwhile join the next batch)."""
        loop = asyncio.get_running_loop()
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-commit")
        thread = self._thread
        try:
            while self._pending:
                async with self._turn:
                    batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                    try:
                        outcomes = await loop.run_in_executor(thread, self._commit, [job for job, _ in batch])
                    except asyncio.CancelledError:
                        self._pending[:0] = batch  # its callers are cancelled below, with the others
                        raise
                    except Exception as exc:  # every waiting caller hears of it
                        outcomes = [(False, exc)] * len(batch)
                for (_, future), (succeeded, value) in zip(batch, outcomes, strict=True):
                    if future.done():  # its caller went away; the write stands, as any committed write
                        continue
                    if succeeded:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        except asyncio.CancelledError:  # the loop is closing: no caller may wait forever for an answer
            for _, future in self._pending:
                future.cancel()
            self._pending = []
            raise
        finally:
            self._flusher = None

    def _commit(self, jobs: list[Job]) -> list[Outcome]:
        """On the committer thread: every job under its savepoint, one COMMIT."""
        if self._connection is None:
            self._connection = self._connect()
            self._connection.isolation_level = None  # BEGIN and COMMIT are ours
        connection = self._connection
        begin_immediate(connection)
        outcomes: list[Outcome] = []
        try:
            for job in jobs:
                connection.execute("SAVEPOINT job")
                try:
                    result: Any = run_unsuspended(job(connection))
                except Exception as exc:  # the job's own failure, handed to its caller
                    connection.execute("ROLLBACK TO job")
                    connection.execute("RELEASE job")
                    outcomes.append((False, exc))
                else:
                    connection.execute("RELEASE job")
                    outcomes.append((True, result))
            connection.execute("COMMIT")
            self.commits += 1
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        return outcomes

    def close(self) -> None:
        """Release the connection on its own thread, then end the thread (after the batch in flight).

        A later job starts both again."""
        if self._thread is None:
            return

        def release() -> None:
            if self._connection is not None:
                self._connection = None
                self._release()

        self._thread.submit(release)
        self._thread.shutdown(wait=True)
        self._thread = None

