"""Test support shared by every layer: settings factory and disposable databases."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from authward.settings import Settings

POSTGRES_ADMIN_URL = os.environ.get("AUTHWARD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TEST_SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def cheap_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    """Settings for in-process tests: a cheap argon2 (the real parameters run in e2e)."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "secret_key": TEST_SECRET_KEY,
        "password_hash_time_cost": 1,
        "password_hash_memory_kib": 1024,
        "public_url": "http://127.0.0.1:4000",
        # The product default is true (docs/email.md); tests that exercise verification say so.
        "email_verification_required": False,
        # Rate limits are on by default; the tests of other features make many requests from one IP.
        # Tests of the limits turn them on (tests/integration/test_rate_limits.py).
        "ratelimit_enabled": False,
    }
    values.update(overrides)
    return Settings(**values)


async def postgres_available() -> bool:
    import asyncpg

    try:
        conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_ADMIN_URL), timeout=3)
    except Exception:
        return False
    await conn.close()
    return True


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def create_postgres_database(template: str | None = None) -> str:
    import asyncpg

    name = f"authward_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_ADMIN_URL))
    try:
        suffix = f" TEMPLATE {template}" if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{suffix}')
    finally:
        await conn.close()
    return _with_database(POSTGRES_ADMIN_URL, name)


async def drop_postgres_database(url: str) -> None:
    import asyncpg

    name = url.rpartition("/")[2]
    conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_ADMIN_URL))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def copy_sqlite(template: Path, target: Path) -> str:
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"
