"""Engines and transactions. The service layer owns commit/rollback through `Database.write()`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Executable, Row, Select, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from authward.storage import sqlite_inline
from authward.storage.prepared import PreparedSelect


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
    cursor.execute("PRAGMA busy_timeout=15000")
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
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """One engine, two kinds of unit of work: `read()` and `write()`."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10,
                 sqlite_synchronous: str = "FULL") -> None:
        if sqlite_synchronous not in SQLITE_SYNCHRONOUS:
            raise ValueError(f"sqlite_synchronous must be one of {SQLITE_SYNCHRONOUS}")
        self.url = url
        async_url = async_database_url(url)
        self.is_sqlite = async_url.startswith("sqlite")
        self.sync_engine: Engine | None
        kwargs: dict[str, Any] = {"echo": echo}
        if not self.is_sqlite:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False)
        self.engine = create_async_engine(async_url, **kwargs)
        write_engine = self.engine
        self.sync_engine = None
        self._write_engine = write_engine
        self._quick_connection: Connection | None = None
        self._prepared: dict[Executable, PreparedSelect] = {}
        if self.is_sqlite:
            _configure_sqlite(self.engine, sqlite_synchronous)
            write_engine = self._write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
            self.sync_engine = create_engine(str(make_url(url).set(drivername="sqlite")))
            event.listen(self.sync_engine, "connect", lambda conn, _record: _sqlite_pragmas(conn, sqlite_synchronous))
        # SQLite has one writer at a time. Writers of this process queue here, in order, instead of
        # polling the database lock in SQLite's busy handler (sleeps of up to 100 ms each: the cause of
        # refresh p99s over a second with sixteen clients). Other processes still meet busy_timeout.
        self._writer_turn: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None
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

    @asynccontextmanager
    async def write_connection(self) -> AsyncIterator[AsyncConnection]:
        """`write()` for Core statements only: no ORM unit of work, for the hottest write (a refresh)."""
        async with AsyncExitStack() as stack:
            if self._writer_turn is not None:
                await stack.enter_async_context(self._writer_turn)
            conn = await stack.enter_async_context(self._write_engine.connect())
            await stack.enter_async_context(conn.begin())
            yield conn

    async def fetch_one(self, statement: Executable, params: dict[str, Any]) -> Row[Any] | None:
        """One row of a Core statement, for the hot read paths (GET /user).

        On SQLite a primary-key read takes microseconds, so it runs on the event loop over one
        long-lived stdlib connection, as a statement compiled once (storage/prepared.py). WAL mode
        means readers never wait for writers. PostgreSQL stays asynchronous.
        """
        if not isinstance(statement, Select):
            async with self.engine.connect() as conn:
                return (await conn.execute(statement, params)).first()
        prepared = self._prepared.get(statement)
        if prepared is None:
            dialect = self.sync_engine.dialect if self.sync_engine is not None else self.engine.dialect
            prepared = self._prepared[statement] = PreparedSelect(statement, dialect)
        row: Row[Any] | None
        if self.sync_engine is not None:
            if self._quick_connection is None:
                self._quick_connection = self.sync_engine.connect()
            # the stdlib connection begins no transaction for a SELECT: nothing to roll back, no snapshot kept
            driver = self._quick_connection.connection.driver_connection
            row = prepared.first(driver, params)  # type: ignore[arg-type]
            return row
        async with self.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            row = await prepared.first_async(raw.driver_connection, params)
            return row

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._quick_connection is not None:
            self._quick_connection.close()
            self._quick_connection = None
        if self.sync_engine is not None:
            self.sync_engine.dispose()
