"""Alembic environment: runs migrations on the async engine for SQLite and PostgreSQL alike.

Every run holds the migration lock (storage/migration_lock.py) from before it reads the schema's revision
until it has committed, so instances starting together migrate once. A database at a revision this code
does not know was migrated by a newer release: it is left alone (docs/production.md, expand/contract).
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from authward.storage.db import async_database_url
from authward.storage.migrate import MigrationRun, known_revisions
from authward.storage.migration_lock import migration_lock
from authward.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection, *, commit: bool) -> None:
    """Migrate holding the lock; what happened goes to `config.attributes["run"]`."""
    with migration_lock(connection, config.attributes.get("on_wait")):
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        before = context.get_context().get_current_revision()
        if before is not None and before not in known_revisions():
            config.attributes["run"] = MigrationRun(before, before, newer=True)
        else:
            with context.begin_transaction():
                context.run_migrations()
            config.attributes["run"] = MigrationRun(before, context.get_context().get_current_revision())
        if commit:
            connection.commit()


async def _run_async() -> None:
    url = async_database_url(config.get_main_option("sqlalchemy.url") or "")
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(lambda sync: _run(sync, commit=True))
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes.get("connection")
    if connection is not None:  # the caller's connection: the caller commits
        _run(connection, commit=False)
    else:
        asyncio.run(_run_async())
