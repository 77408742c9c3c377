"""SQLite for the asyncio engine without a worker thread: the stdlib driver, called on the event loop.

aiosqlite runs every statement on a thread of its own and wakes the event loop for each answer. On
SQLite a statement takes a few microseconds, while that round trip costs 70-200 microseconds of CPU
and a thread wake-up (measured here: a refresh made ~20 of them, and the hops were most of its
cost). This dialect is pysqlite's, declared asynchronous so that `create_async_engine` and
`AsyncSession` accept it: SQLAlchemy runs the synchronous driver inside its greenlet, so each
statement runs to completion where it is called.

What keeps it safe: WAL readers never wait; writers of one process take turns on an asyncio lock
before `BEGIN IMMEDIATE` (storage/db.py), so a statement blocks the loop only while another
*process* holds SQLite's write lock, for at most that process's transaction.

The COMMIT is the exception: with `synchronous=FULL` it waits for the disk (~0.3 ms on a local SSD,
milliseconds on a network disk), a third of the event loop's samples under password sign-ins (py-spy).
It runs on a worker thread while the loop serves other requests; the writer's turn is held until it
returns, so nothing else of this process writes meanwhile.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.base import SQLiteExecutionContext
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL
from sqlalchemy.util.concurrency import await_, in_greenlet

DRIVER = "authward_inline"


async def _done() -> None:
    """An await that completes at once (see `SQLiteDialect_inline.do_execute`)."""


def _mark_awaited() -> None:
    """`AsyncConnection.execute` insists that a statement awaited something; satisfy it for free."""
    if in_greenlet():
        await_(_done())


class _Cursor(sqlite3.Cursor):
    async def _async_soft_close(self) -> None:
        """Called by `AsyncConnection.execute` on async drivers' cursors; the rows stay readable here."""


class _Connection(sqlite3.Connection):
    def cursor(self, factory: Any = _Cursor) -> Any:
        return super().cursor(factory)


class _ExecutionContext(SQLiteExecutionContext):
    def create_server_side_cursor(self) -> Any:
        """`AsyncConnection.stream()` (`authward db copy`): a stdlib cursor already fetches rows lazily."""
        return self._dbapi_connection.cursor()


class SQLiteDialect_inline(SQLiteDialect_pysqlite):
    driver = DRIVER
    is_async = True
    supports_statement_cache = True
    supports_server_side_cursors = True
    execution_ctx_cls = _ExecutionContext

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        if cls._is_url_file_db(url):
            return pool.AsyncAdaptedQueuePool
        return pool.StaticPool

    def create_connect_args(self, url: URL) -> Any:
        args, kwargs = super().create_connect_args(url)
        # connections stay on the loop's thread, but the pool may close one from a finaliser
        kwargs["check_same_thread"] = False
        kwargs["factory"] = _Connection
        return args, kwargs

    def do_execute(self, cursor: Any, statement: Any, parameters: Any, context: Any = None) -> None:
        _mark_awaited()
        super().do_execute(cursor, statement, parameters, context)  # type: ignore[no-untyped-call]

    def do_execute_no_params(self, cursor: Any, statement: Any, context: Any = None) -> None:
        _mark_awaited()
        super().do_execute_no_params(cursor, statement, context)  # type: ignore[no-untyped-call]

    def do_executemany(self, cursor: Any, statement: Any, parameters: Any, context: Any = None) -> None:
        _mark_awaited()
        super().do_executemany(cursor, statement, parameters, context)  # type: ignore[no-untyped-call]

    def do_commit(self, dbapi_connection: Any) -> None:
        """COMMIT (the disk sync) on a worker thread, the loop free meanwhile; inline outside a greenlet."""
        if in_greenlet():
            await_(asyncio.to_thread(dbapi_connection.commit))
        else:
            dbapi_connection.commit()


registry.register(f"sqlite.{DRIVER}", __name__, "SQLiteDialect_inline")
