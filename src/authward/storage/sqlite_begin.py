"""BEGIN IMMEDIATE that waits for another process's writer in short pauses, never in SQLite's busy handler.

SQLite's busy handler sleeps 1, 2, 5, 10... up to 100 ms between tries, and inside the driver call: on
the event loop that stops every request of the process, and two workers writing take turns so unevenly
that refreshes had a p99 over a second (`make bench` with two workers). Here the write lock is tried
every 0.2 ms at first, then every 2 ms, for up to `BUSY_SECONDS`; the pause is the caller's: an asyncio
sleep on the event loop (storage/db.py), a thread's sleep on the group committer's thread
(storage/group_commit.py). Statements inside the transaction never wait: the lock is held by then.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

BUSY_SECONDS = 15.0  # how long another process may hold the write lock before the write fails
BUSY_TIMEOUT_MS = int(BUSY_SECONDS * 1000)  # SQLite's own busy timeout, for every other statement (the same bound)
PAUSES = (0.0002, 0.002)  # the first pause between tries, and the longest


def begin_immediate(connection: sqlite3.Connection, sleep: Callable[[float], None] = time.sleep) -> None:
    """Take the write lock (BEGIN IMMEDIATE), retrying while another connection holds it."""
    connection.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + BUSY_SECONDS
        pause, longest = PAUSES
        while True:
            try:
                connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                    raise
            sleep(pause)
            pause = min(pause * 2, longest)
    finally:
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
