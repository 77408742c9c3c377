"""AUTHWARD_DATABASE_REPLICA_URL: GET /user reads the replica, secrets and writes stay on the primary.

There is no streaming replica here, so the "replica" is a second PostgreSQL database holding a copy of the
primary (`authward db copy`), which then diverges on purpose: the user's profile changes on the primary only,
and the replica loses every secret (password hashes, refresh tokens, PATs, tickets, MFA credentials). A server
with the replica answers GET /user with the replica's stale profile (so it reads there), while sign-in, refresh,
PAT, email code and TOTP sign-ins all work (so they read the primary). A server without the setting reads the
primary for everything.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pyotp
import pytest

from authward.client import AuthClient
from tests.e2e.conftest import AUTHWARD_BIN, LiveServer, free_port, start_server
from tests.e2e.migration_support import cli_env, postgres_database

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

PASSWORD = "correct horse battery staple"
SECRET_TABLES = ("refresh_tokens", "personal_access_tokens", "tickets", "credentials")


@pytest.fixture
def primary() -> Iterator[str]:
    yield from postgres_database()


@pytest.fixture
def replica() -> Iterator[str]:
    yield from postgres_database()


def cli(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**cli_env(server.database_url), **server.env}
    return subprocess.run([AUTHWARD_BIN, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


async def execute(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_user_profile_reads_the_replica_and_secrets_the_primary(primary: str, replica: str, tmp_path: Path):
    plain = start_server(tmp_path / "plain", primary)  # no replica: the reference
    try:
        email, totp_email = (f"{who}-{uuid.uuid4().hex[:8]}@example.com" for who in ("replica", "totp"))
        with httpx.Client(base_url=plain.url, timeout=30) as http:
            session = http.post("/signup/email-password", json={"email": email, "password": PASSWORD}).json()[
                "session"]
            user_id, refresh_token = session["user"]["id"], session["refreshToken"]
            expires = (datetime.now(UTC) + timedelta(days=7)).isoformat()
            pat = http.post("/pat", headers=bearer(session["accessToken"]),
                            json={"expiresAt": expires}).json()["personalAccessToken"]
        with AuthClient(plain.url, timeout=30) as totp_user:
            totp_user.register(totp_email, PASSWORD)
            totp_secret = totp_user.change_user_mfa().totp_secret
            totp_user.two_factor.enable(pyotp.TOTP(totp_secret).now())

        copied = cli(plain, "db", "copy", "--to", replica)
        assert copied.returncode == 0, copied.stderr
        asyncio.run(execute(primary, f"UPDATE users SET display_name = 'on the primary' WHERE id = '{user_id}'"))
        asyncio.run(execute(replica, f"UPDATE users SET display_name = 'on the replica' WHERE id = '{user_id}'",
                            "UPDATE users SET password_hash = NULL",
                            *(f"DELETE FROM {table}" for table in SECRET_TABLES)))

        routed = start_server(tmp_path / "routed", primary, database_replica_url=replica)
        try:
            with httpx.Client(base_url=routed.url, timeout=30) as http:
                ready = http.get("/readyz")
                assert ready.status_code == 200, ready.text
                assert ready.json()["checks"] == {"database": "ok", "replica": "ok", "migrations": "ok"}

                signed_in = http.post("/signin/email-password", json={"email": email, "password": PASSWORD})
                assert signed_in.status_code == 200, signed_in.text  # the hash: primary
                access = signed_in.json()["session"]["accessToken"]
                assert http.get("/user", headers=bearer(access)).json()["displayName"] == "on the replica"

                refreshed = http.post("/token", json={"refreshToken": refresh_token})
                assert refreshed.status_code == 200, refreshed.text  # refresh tokens: primary
                assert http.post("/signin/pat", json={"personalAccessToken": pat}).status_code == 200

                assert http.post("/signin/otp/email", json={"email": email}).status_code == 200
                code = cli(routed, "outbox", "--to", email, "--code").stdout.strip()
                verified = http.post("/signin/otp/email/verify", json={"email": email, "otp": code})
                assert verified.status_code == 200, verified.text  # tickets: primary

                challenged = http.post("/signin/email-password", json={"email": totp_email, "password": PASSWORD})
                ticket = challenged.json()["mfa"]["ticket"]
                otp = pyotp.TOTP(totp_secret).at(time.time() + 30)
                assert http.post("/signin/mfa/totp", json={"ticket": ticket, "otp": otp}).status_code == 200

                # a user the replica has not seen yet (replication lag) is read on the primary
                newcomer = http.post("/signup/email-password", json={
                    "email": f"new-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD}).json()["session"]
                me = http.get("/user", headers=bearer(newcomer["accessToken"]))
                assert me.status_code == 200 and me.json()["id"] == newcomer["user"]["id"]
        finally:
            routed.stop()

        with httpx.Client(base_url=plain.url, timeout=30) as http:  # without the setting: the primary
            signed_in = http.post("/signin/email-password", json={"email": email, "password": PASSWORD}).json()
            me = http.get("/user", headers=bearer(signed_in["session"]["accessToken"])).json()
            assert me["displayName"] == "on the primary"
            assert http.get("/readyz").json()["checks"] == {"database": "ok", "migrations": "ok"}
    finally:
        plain.stop()


def test_an_unreachable_replica_makes_the_instance_unready(primary: str, tmp_path: Path):
    server = start_server(tmp_path / "server", primary,
                          database_replica_url=f"postgresql://postgres@127.0.0.1:{free_port()}/authward")
    try:
        ready = httpx.get(f"{server.url}/readyz", timeout=30)
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert checks["database"] == "ok" and checks["migrations"] == "ok"
        assert checks["replica"].startswith("failed: ")
    finally:
        server.stop()


def test_a_replica_is_refused_with_sqlite(tmp_path: Path):
    env = cli_env(f"sqlite:///{tmp_path / 'authward.db'}",
                  database_replica_url="postgresql://postgres@127.0.0.1:5432/authward")
    result = subprocess.run([AUTHWARD_BIN, "migrate"], env=env, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 2
    assert "AUTHWARD_DATABASE_REPLICA_URL needs PostgreSQL" in " ".join(result.stderr.split())
