"""Apply Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class MigrationRun:
    """What one `upgrade` found and left: the revisions before and after (None: no schema yet)."""

    before: str | None
    after: str | None
    newer: bool = False  # the database is at a revision this code does not know: a newer release's
    waited: bool = False  # another process held the migration lock first

    @property
    def applied(self) -> bool:
        return self.before != self.after


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade(database_url: str, revision: str = "head", on_wait: Callable[[], None] | None = None) -> MigrationRun:
    """Bring the schema to `revision`, holding the migration lock (storage/migration_lock.py).

    `on_wait` is called when another process is migrating and this one waits for it. Runs its own event
    loop: call from sync code or a thread.
    """
    config = alembic_config(database_url)
    waited: list[bool] = []

    def waiting() -> None:
        waited.append(True)
        if on_wait is not None:
            on_wait()

    config.attributes["on_wait"] = waiting
    command.upgrade(config, revision)
    run: MigrationRun = config.attributes["run"]
    return MigrationRun(run.before, run.after, newer=run.newer, waited=bool(waited))


def head_revision() -> str:
    """The revision this version of authward migrates to."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert head is not None
    return head


def known_revisions() -> frozenset[str]:
    """Every revision of this version of authward: a database at any other was migrated by a newer release."""
    from alembic.script import ScriptDirectory

    return frozenset(script.revision for script in ScriptDirectory.from_config(alembic_config("")).walk_revisions())


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL and in-memory databases)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(database_url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


async def schema_revision(database_url: str) -> str | None:
    """The database's Alembic revision; None when it has no authward schema. Creates nothing on PostgreSQL;
    on SQLite connecting creates the file, so callers check `sqlite_file(url).exists()` first."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.ext.asyncio import create_async_engine

    from authward.storage.db import async_database_url

    engine = create_async_engine(async_database_url(database_url))
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
    finally:
        await engine.dispose()
