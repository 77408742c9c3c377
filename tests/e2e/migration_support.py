"""Helpers of the migration and replica tests: fresh PostgreSQL databases, `authward` processes, schema facts."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from authward.storage.db import async_database_url
from authward.storage.migration_lock import MIGRATION_LOCK_KEY
from tests.e2e.conftest import AUTHWARD_BIN
from tests.support import IN_CI, create_postgres_database, drop_postgres_database, postgres_available

# pg_locks shows a bigint advisory key as its high and low 32 bits
LOCK_CLASSID, LOCK_OBJID = MIGRATION_LOCK_KEY >> 32, MIGRATION_LOCK_KEY & 0xFFFFFFFF
ADVISORY = f"locktype = 'advisory' AND classid = {LOCK_CLASSID} AND objid = {LOCK_OBJID} AND objsubid = 1"


def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (the body of a fixture), dropped afterwards."""
    if not asyncio.run(postgres_available()):
        if IN_CI:
            raise RuntimeError("CI=true but PostgreSQL is not reachable")
        pytest.skip("PostgreSQL not reachable (runs in CI)")
    url = asyncio.run(create_postgres_database())
    yield url
    asyncio.run(drop_postgres_database(url))


def cli_env(database_url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")}
    env["AUTHWARD_DATABASE_URL"] = database_url
    env.update({f"AUTHWARD_{name.upper()}": value for name, value in settings.items()})
    return env


@dataclass
class Migrator:
    """An `authward migrate` process, its output in files (read while it runs)."""

    process: subprocess.Popen[bytes]
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def finish(self, timeout: float = 120) -> int:
        return self.process.wait(timeout=timeout)


def start_migrate(database_url: str, workdir: Path, name: str) -> Migrator:
    workdir.mkdir(parents=True, exist_ok=True)
    stderr_path = workdir / f"{name}.stderr"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen([AUTHWARD_BIN, "migrate"], cwd=workdir, env=cli_env(database_url),
                                   stdout=subprocess.DEVNULL, stderr=stderr)
    return Migrator(process, stderr_path)


def run_migrate(database_url: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AUTHWARD_BIN, "migrate"], cwd=workdir, env=cli_env(database_url), capture_output=True,
                          text=True, timeout=120, check=False)


def columns(database_url: str) -> dict[str, set[str]]:
    """Every table of the database and its columns (alembic_version included)."""

    async def read() -> dict[str, set[str]]:
        engine = create_async_engine(async_database_url(database_url))
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(lambda sync: {
                    table: {column["name"] for column in inspect(sync).get_columns(table)}
                    for table in inspect(sync).get_table_names()
                })
        finally:
            await engine.dispose()

    return asyncio.run(read())
