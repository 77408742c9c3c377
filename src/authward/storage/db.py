"""Engines and transactions. The service layer owns commit/rollback through `Database.write()`."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine, Executable, Row, Select, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql import ClauseElement
from sqlalchemy.util.concurrency import await_, in_greenlet

from authward.storage import sqlite_inline
from authward.storage.group_commit import GroupCommit
from authward.storage.prepared import PreparedStatement
from authward.storage.sqlite_begin import BUSY_TIMEOUT_MS, begin_immediate

T = TypeVar("T")


def async_database_url(url: str) -> str:
    """Pick the async driver for the user's URL (`sqlite://` or `postgresql://`)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername=f"sqlite+{sqlite_inline.DRIVER}"))
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")


SQLITE_SYNCHRONOUS = ("FULL", "NORMAL")


def _sqlite_pragmas(dbapi_connection: Any, synchronous: str = "FULL") -> None:
    """WAL, a busy timeout, foreign keys, and how a commit reaches the disk.

    `synchronous=FULL` syncs the WAL at every commit, so an answered write survives a power loss or an OS
    crash; `NORMAL` syncs only at checkpoints: still safe from a killed process, but the last commits before
    a power loss may roll back (SQLite's WAL documentation) -- an acknowledged sign-up gone, a rotated
    refresh token live again. FULL is the default (AUTHWARD_DATABASE_SQLITE_SYNCHRONOUS).
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.close()


def _configure_sqlite(engine: AsyncEngine, synchronous: str) -> None:
    """WAL, a busy timeout, foreign keys, and explicit BEGIN so writers take the lock up front.

    pysqlite's own transaction handling would start writes as DEFERRED and fail with
    "database is locked" when two writers upgrade at once; BEGIN IMMEDIATE queues them instead.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        _sqlite_pragmas(dbapi_connection, synchronous)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode == "IMMEDIATE" and in_greenlet():  # a writer on the event loop: wait for other processes'
            # writers in asyncio sleeps, not in SQLite's busy handler (storage/sqlite_begin.py)
            begin_immediate(conn.connection.driver_connection, lambda pause: await_(asyncio.sleep(pause)))
            return
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """One engine, two kinds of unit of work: `read()` and `write()`.

    `replica_url` (PostgreSQL): a second engine, on a read replica, for the reads that say a stale answer is
    harmless (`fetch_one(..., stale_ok=True)`); every other read and every write stays on the primary.
    """

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 20, replica_url: str | None = None,
                 sqlite_synchronous: str = "FULL") -> None:
        if sqlite_synchronous not in SQLITE_SYNCHRONOUS:
            raise ValueError(f"sqlite_synchronous must be one of {SQLITE_SYNCHRONOUS}")
        self.url = url
        async_url = async_database_url(url)
        self.is_sqlite = async_url.startswith("sqlite")
        self.sync_engine: Engine | None
        kwargs: dict[str, Any] = {"echo": echo}
        if not self.is_sqlite:
            # connections are kept, never opened per request: an overflow connection would be closed at
            # checkin, and with more concurrent requests than the pool every request paid a connect (TLS
            # probe included): GET /user on PostgreSQL fell from ~1,400/s to ~650/s at 16 clients
            kwargs.update(pool_size=pool_size, max_overflow=0, pool_pre_ping=False)
        else:
            # SQLite: connections are cheap but not free (a connect and four PRAGMAs, ~10% of a light route):
            # keep `pool_size` of them (SQLAlchemy's default kept 5 and reopened the rest for every request
            # beyond); more concurrent readers still get one, closed after
            kwargs.update(pool_size=pool_size, max_overflow=-1)
        self.engine = create_async_engine(async_url, **kwargs)
        self.replica_engine: AsyncEngine | None = None
        if replica_url is not None:
            if self.is_sqlite or async_database_url(replica_url).startswith("sqlite"):
                raise ValueError("a read replica needs PostgreSQL, for the primary and the replica")
            self.replica_engine = create_async_engine(async_database_url(replica_url), **kwargs)
        write_engine = self.engine
        self.sync_engine = None
        self._write_engine = write_engine
        self._quick_connection: Connection | None = None
        self._prepared: dict[tuple[Executable, tuple[str, ...] | None], PreparedStatement] = {}
        self._group_commit: GroupCommit | None = None
        self._committer_raw: Any = None
        if self.is_sqlite:
            _configure_sqlite(self.engine, sqlite_synchronous)
            write_engine = self._write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
            self.sync_engine = create_engine(str(make_url(url).set(drivername="sqlite")))
            event.listen(self.sync_engine, "connect", lambda conn, _record: _sqlite_pragmas(conn, sqlite_synchronous))
        # SQLite has one writer at a time. Writers of this process queue here, in order, instead of
        # polling the database lock in SQLite's busy handler (sleeps of up to 100 ms each: the cause of
        # refresh p99s over a second with sixteen clients). Other processes' writers are waited for in short
        # pauses, off the loop's critical path (storage/sqlite_begin.py).
        self._writer_turn: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None
        if self._writer_turn is not None:
            self._group_commit = GroupCommit(self._committer_connection, self._committer_release, self._writer_turn)
        self._read_sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._write_sessions = async_sessionmaker(write_engine, expire_on_commit=False, autoflush=False)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only unit of work (never takes SQLite's write lock)."""
        async with self._read_sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A unit of work that commits once on success and rolls back everything on error."""
        async with AsyncExitStack() as stack:
            if self._writer_turn is not None:
                await stack.enter_async_context(self._writer_turn)
            session = await stack.enter_async_context(self._write_sessions())
            await stack.enter_async_context(session.begin())
            yield session

    def prepared(self, statement: Executable, columns: tuple[str, ...] | None = None) -> PreparedStatement:
        """`statement` compiled once for this database's driver (an INSERT: for `columns`)."""
        key = (statement, columns)
        prepared = self._prepared.get(key)
        if prepared is None:
            dialect = self.sync_engine.dialect if self.sync_engine is not None else self.engine.dialect
            compilable = cast(ClauseElement, statement)
            prepared = self._prepared[key] = PreparedStatement(compilable, dialect, list(columns) if columns else None)
        return prepared

    async def driver_transaction(self, job: Callable[[DriverTransaction], Coroutine[Any, Any, T]]) -> T:
        """`job` in a short write transaction of Core statements on the driver itself: prepared statements,
        no SQLAlchemy execution machinery. For the hottest write (a refresh), where that machinery cost more
        than the SQL. Whatever `job` raises rolls back its statements and reaches the caller.

        SQLite: `job` must await only the transaction's statements (they are synchronous there); it joins
        the jobs waiting to commit together, on the committer's thread (storage/group_commit.py).
        PostgreSQL: a pooled asyncpg connection in its own transaction.
        """
        if self._group_commit is not None:
            return await self._group_commit.run(lambda driver: job(DriverTransaction(self, driver, asynchronous=False)))
        async with self._write_engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            async with driver.transaction():  # type: ignore[union-attr]
                return await job(DriverTransaction(self, driver, asynchronous=True))

    def _committer_connection(self) -> sqlite3.Connection:
        """The group committer's own connection (opened on its thread, with the engine's pragmas)."""
        assert self.sync_engine is not None
        self._committer_raw = self.sync_engine.raw_connection()
        return cast(sqlite3.Connection, self._committer_raw.driver_connection)

    def _committer_release(self) -> None:
        """Hand the committer's connection back to the pool (`dispose` closes it)."""
        if self._committer_raw is not None:
            self._committer_raw.close()
            self._committer_raw = None

    async def fetch_one(
        self, statement: Executable, params: dict[str, Any], *, stale_ok: bool = False
    ) -> Row[Any] | None:
        """One row of a Core statement, for the hot read paths (GET /user).

        On SQLite a primary-key read takes microseconds, so it runs on the event loop over one
        long-lived stdlib connection, as a statement compiled once (storage/prepared.py). WAL mode
        means readers never wait for writers. PostgreSQL stays asynchronous.

        `stale_ok`: the answer may lag the primary, so it is read from the replica when there is one.
        Never for a secret (a hash, a token, a code) nor a read that decides a write.
        """
        engine = self.replica_engine if stale_ok and self.replica_engine is not None else self.engine
        if not isinstance(statement, Select):
            async with engine.connect() as conn:
                return (await conn.execute(statement, params)).first()
        prepared = self.prepared(statement)
        row: Row[Any] | None
        if self.sync_engine is not None:
            if self._quick_connection is None:
                self._quick_connection = self.sync_engine.connect()
            # the stdlib connection begins no transaction for a SELECT: nothing to roll back, no snapshot kept
            driver = self._quick_connection.connection.driver_connection
            row = prepared.first(driver, params)  # type: ignore[arg-type]
            return row
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            row = await prepared.first_async(raw.driver_connection, params)
            return row

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.replica_engine is not None:
            await self.replica_engine.dispose()
        if self._quick_connection is not None:
            self._quick_connection.close()
        if self._group_commit is not None:
            self._group_commit.close()
        self._quick_connection = None
        if self.sync_engine is not None:
            self.sync_engine.dispose()


class DriverTransaction:
    """Statements of one `Database.driver_transaction()` job, run as prepared statements."""

    def __init__(self, db: Database, driver: Any, *, asynchronous: bool) -> None:
        self.is_postgresql = asynchronous  # asyncpg's connection; SQLite's stdlib one is synchronous
        self._db = db
        self._driver = driver

    async def first(self, statement: Executable, params: dict[str, Any]) -> Any:
        """The first row of a SELECT or a DML ... RETURNING, or None."""
        prepared = self._db.prepared(statement)
        if self.is_postgresql:
            return await prepared.first_async(self._driver, params)
        return prepared.first(self._driver, params)

    async def run(self, statement: Executable, params: dict[str, Any], *, columns: bool = False) -> None:
        """Execute a statement that returns nothing; `columns`: an INSERT of exactly the keys of `params`."""
        prepared = self._db.prepared(statement, tuple(params) if columns else None)
        if self.is_postgresql:
            await prepared.run_async(self._driver, params)
        else:
            prepared.run(self._driver, params)
