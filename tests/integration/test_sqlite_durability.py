"""SQLite syncs every commit to disk before it is answered, unless told otherwise (docs/security.md#crash-safety).

`synchronous=NORMAL` in WAL mode survives a killed process (tests/e2e/test_crash_safety.py) but may roll back
the last commits at a power loss: an acknowledged sign-up gone, a rotated refresh token live again. FULL is
the default; NORMAL is AUTHWARD_DATABASE_SQLITE_SYNCHRONOUS=normal.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from authward.services.core import build_core
from authward.settings import SqliteSynchronous
from authward.storage.db import Database
from tests.support import cheap_settings

FULL, NORMAL = 2, 1  # what `PRAGMA synchronous` answers


async def synchronous_levels(db: Database) -> tuple[int, int]:
    """The level on a write connection and on the stdlib connection of the hot reads."""
    async with db.write() as session:
        written = int((await session.execute(text("PRAGMA synchronous"))).scalar_one())
    assert db.sync_engine is not None
    with db.sync_engine.connect() as conn:
        read = int(conn.execute(text("PRAGMA synchronous")).scalar_one())
    return written, read


@pytest.mark.parametrize(("setting", "level"), [(None, FULL), (SqliteSynchronous.NORMAL, NORMAL)])
async def test_commits_are_synced_at_the_configured_level(tmp_path: Path, setting, level) -> None:
    overrides = {} if setting is None else {"database_sqlite_synchronous": setting}
    settings = cheap_settings(tmp_path, f"sqlite:///{tmp_path / 'durable.db'}", **overrides)
    core = build_core(settings)
    try:
        assert await synchronous_levels(core.db) == (level, level)
    finally:
        await core.close()


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="sqlite_synchronous"):
        Database("sqlite:///unused.db", sqlite_synchronous="OFF")
