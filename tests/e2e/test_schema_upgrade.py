"""Upgrading a database that holds an older release's data: every revision to head, on SQLite and PostgreSQL.

A database is migrated to an older revision and filled with raw SQL as that release's server would have left it
(tests/e2e/old_rows.py); `authward migrate` brings it to head; then a real server on it accepts the old password,
refresh token, PAT, TOTP secret, pending email code, OAuth client secret and signing key. And the older code keeps
working on the new schema: every table and column the older revision had is still there (expand, no contract).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pyotp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from authward.storage.db import async_database_url
from authward.storage.migrate import head_revision, known_revisions, upgrade
from tests.e2e.conftest import start_server
from tests.e2e.migration_support import columns, postgres_database, run_migrate
from tests.e2e.old_rows import PASSWORD, OldData, write_old_rows

pytestmark = [pytest.mark.e2e]

OLDER = sorted(known_revisions() - {head_revision()})  # every earlier revision: 0001 .. the previous release's


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'authward.db'}"
    else:
        yield from postgres_database()


def counts(database_url: str, tables: list[str]) -> dict[str, int]:
    async def read() -> dict[str, int]:
        engine = create_async_engine(async_database_url(database_url))
        try:
            async with engine.connect() as conn:
                return {t: (await conn.execute(text(f'SELECT count(*) FROM "{t}"'))).scalar_one() for t in tables}
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_previous_revision_is_covered():
    assert len(OLDER) >= 1 and OLDER[-1] != head_revision()


@pytest.mark.parametrize("revision", OLDER)
def test_upgrade_keeps_an_older_releases_data_working(revision: str, empty_database: str, tmp_path: Path):
    upgrade(empty_database, revision)
    before = columns(empty_database)
    old = write_old_rows(empty_database, revision)

    migrated = run_migrate(empty_database, tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert f"database migrated from {revision} to {head_revision()}" in migrated.stderr

    after = columns(empty_database)
    dropped = {table: sorted(cols - after.get(table, set())) for table, cols in before.items()
               if cols - after.get(table, set())}
    assert dropped == {}, "the older release's code reads these: a release may only add (docs/production.md)"
    assert counts(empty_database, list(old.counts)) == old.counts

    # the hashing parameters the old rows were written with: no rehash on sign-in (CPU is scarce in a run)
    server = start_server(tmp_path / "server", empty_database, password_hash_time_cost=1,
                          password_hash_memory_kib=1024)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            sign_ins_of_the_old_release(http, old)
    finally:
        server.stop()


def sign_ins_of_the_old_release(http: httpx.Client, old: OldData) -> None:
    assert old.kid in {key["kid"] for key in http.get("/.well-known/jwks.json").json()["keys"]}

    signed_in = http.post("/signin/email-password", json={"email": old.email, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    access = signed_in.json()["session"]["accessToken"]
    assert jwt.get_unverified_header(access)["kid"] == old.kid  # the old key still signs
    me = http.get("/user", headers={"Authorization": f"Bearer {access}"}).json()
    assert me["id"] == str(old.user_id) and me["displayName"] == f"Old {old.email}"

    refreshed = http.post("/token", json={"refreshToken": old.refresh_token})
    assert refreshed.status_code == 200, refreshed.text
    assert http.post("/token", json={"refreshToken": refreshed.json()["refreshToken"]}).status_code == 200

    assert http.post("/signin/pat", json={"personalAccessToken": old.pat}).status_code == 200

    # a code mailed before the upgrade (0001 kept its address in the payload; 0002 backfilled the owner)
    code = http.post("/signin/otp/email/verify", json={"email": old.email, "otp": old.email_code})
    assert code.status_code == 200, code.text

    challenged = http.post("/signin/email-password", json={"email": old.totp_email, "password": PASSWORD})
    ticket = challenged.json()["mfa"]["ticket"]
    totp = http.post("/signin/mfa/totp", json={"ticket": ticket, "otp": pyotp.TOTP(old.totp_secret).now()})
    assert totp.status_code == 200, totp.text

    token = http.post("/oauth2/token", data={"grant_type": "client_credentials"},
                      auth=(old.client_id, old.client_secret))
    assert token.status_code == 200, token.text
    assert token.json()["access_token"]
