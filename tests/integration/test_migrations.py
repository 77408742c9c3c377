"""Migrations carry data across: 0002 renames the old ticket kinds and fills `tickets.owner`."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from authward.storage.db import Database
from authward.storage.migrate import upgrade
from tests.support import IN_CI, create_postgres_database, drop_postgres_database, postgres_available


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database with no schema at all (each migration runs from the start)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    if not await postgres_available():
        if IN_CI:
            raise RuntimeError("CI=true but PostgreSQL is not reachable")
        pytest.skip("PostgreSQL not reachable (runs in CI)")
    url = await create_postgres_database()
    yield url
    await drop_postgres_database(url)


async def test_0002_renames_kinds_and_backfills_owners(empty_database: str) -> None:
    await asyncio.to_thread(upgrade, empty_database, "0001")
    now = datetime.now(UTC).replace(tzinfo=None)
    user_id = uuid.uuid4()
    rows = {
        "mfa_totp": {},
        "sms_otp": {"phone": "+14155552671"},
        "otpEmail": {"email": "ada@example.com"},
        "verifyEmail": {},
    }
    db = Database(empty_database)
    try:
        async with db.write() as session:
            await session.execute(
                sa.text("INSERT INTO users (id, created_at, updated_at, disabled, display_name, avatar_url, locale, "
                        "email_verified, phone_number_verified, default_role, roles, is_anonymous, metadata) "
                        "VALUES (:id, :now, :now, false, 'a', '', 'en', true, false, 'user', :roles, false, :meta)"),
                {"id": user_id if not db.is_sqlite else user_id.hex, "now": now, "roles": json.dumps(["user"]),
                 "meta": json.dumps({})},
            )
            for kind, payload in rows.items():
                ticket_id = uuid.uuid4()
                await session.execute(
                    sa.text("INSERT INTO tickets (id, user_id, kind, secret_hash, created_at, expires_at, attempts, "
                            "payload) VALUES (:id, :user, :kind, :hash, :now, :later, 0, :payload)"),
                    {"id": ticket_id if not db.is_sqlite else ticket_id.hex,
                     "user": user_id if not db.is_sqlite else user_id.hex, "kind": kind, "hash": uuid.uuid4().hex,
                     "now": now, "later": now + timedelta(minutes=5), "payload": json.dumps(payload)},
                )
    finally:
        await db.dispose()
    await asyncio.to_thread(upgrade, empty_database, "head")
    db = Database(empty_database)
    try:
        async with db.read() as session:
            migrated = {kind: owner for kind, owner in (await session.execute(
                sa.text("SELECT kind, owner FROM tickets"))).all()}
            columns = (await session.execute(sa.text("SELECT client_id, scopes FROM refresh_tokens"))).all()
    finally:
        await db.dispose()
    assert migrated == {"mfaTotp": None, "otpSms": "+14155552671", "otpEmail": "ada@example.com",
                        "verifyEmail": None}
    assert columns == []  # the new nullable columns exist
