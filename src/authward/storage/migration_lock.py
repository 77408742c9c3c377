"""One migrator at a time: instances that start together run the migrations once, the others wait.

PostgreSQL: a session-level advisory lock, `pg_advisory_lock(MIGRATION_LOCK_KEY)`, on the connection that
migrates. Advisory locks belong to one database, so two authward databases on one server do not wait for
each other; PostgreSQL releases the lock when the session ends, so a migrator that dies (killed, its host
gone) frees it for the next. The lock is taken and committed before Alembic begins, so Alembic keeps its own
transactions (and `autocommit_block()`, for `CREATE INDEX CONCURRENTLY`) inside the lock.

SQLite: `BEGIN IMMEDIATE` on the migrating connection, so the whole run is one write transaction and the
others queue on the file's write lock (with a long busy timeout); the operating system drops the lock of a
process that dies, and SQLite rolls its half-done transaction back.

Either way a waiter reads the schema revision only once it holds the lock, so it finds the schema current.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection

# The bytes of "authward" as a signed 64-bit integer (fits a PostgreSQL bigint); documented in docs/production.md.
MIGRATION_LOCK_KEY = int.from_bytes(b"authward", "big")  # 7022647185982452324
# How long a SQLite migrator waits for another one to finish (a table rebuild of a large file takes a while).
SQLITE_WAIT_MS = 10 * 60 * 1000

OnWait = Callable[[], None]


@contextmanager
def migration_lock(connection: Connection, on_wait: OnWait | None = None) -> Iterator[None]:
    """Hold the migration lock on `connection` for the block; `on_wait` is called once if another holds it."""
    if connection.dialect.name == "postgresql":
        with _advisory_lock(connection, on_wait):
            yield
    elif connection.dialect.name == "sqlite":
        _begin_immediate(connection, on_wait)
        yield
    else:  # pragma: no cover - only the two backends are supported
        raise ValueError(f"no migration lock for {connection.dialect.name}")


@contextmanager
def _advisory_lock(connection: Connection, on_wait: OnWait | None) -> Iterator[None]:
    if connection.in_transaction():
        # a caller's connection in a transaction: the lock is the transaction's, released when the caller commits
        _take(connection, on_wait, "xact_")
        yield
        return
    _take(connection, on_wait, "")
    connection.commit()  # the session's lock outlives the transaction; Alembic then begins its own
    try:
        yield
    except BaseException:
        _unlock_after_failure(connection)
        raise
    connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
    connection.commit()


def _take(connection: Connection, on_wait: OnWait | None, scope: str) -> None:
    if not connection.exec_driver_sql(f"SELECT pg_try_advisory_{scope}lock({MIGRATION_LOCK_KEY})").scalar():
        if on_wait is not None:
            on_wait()
        connection.exec_driver_sql(f"SELECT pg_advisory_{scope}lock({MIGRATION_LOCK_KEY})")


def _unlock_after_failure(connection: Connection) -> None:
    """Release the lock after a failed migration; a connection too broken for it is closed, which releases it."""
    try:
        connection.rollback()
        connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
        connection.commit()
    except Exception:  # noqa: S110 - the session ends with the connection, and the lock with it
        pass


def _begin_immediate(connection: Connection, on_wait: OnWait | None) -> None:
    """Start the run's one write transaction, waiting for another migrator's to end."""
    if connection.in_transaction():  # a caller's connection in a transaction: it holds what it holds
        return
    driver: Any = connection.connection.driver_connection
    driver.isolation_level = None  # the stdlib driver must not BEGIN or COMMIT on its own
    driver.execute("PRAGMA busy_timeout = 0")
    try:
        driver.execute("BEGIN IMMEDIATE")
    except Exception as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        if on_wait is not None:
            on_wait()
        driver.execute(f"PRAGMA busy_timeout = {SQLITE_WAIT_MS}")
        driver.execute("BEGIN IMMEDIATE")
    # the commit may wait for readers (a rollback-journal file): give it the same patience
    driver.execute(f"PRAGMA busy_timeout = {SQLITE_WAIT_MS}")
    # tell SQLAlchemy a transaction is open, so Alembic leaves it to us (the caller commits)
    connection.begin()
