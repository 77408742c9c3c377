"""Moving from SQLite to PostgreSQL: `authward db copy --to postgresql://...` with the data of real flows.

A server on SQLite sees sign-ups, sign-ins and refreshes, TOTP, a personal access token, an email code, an OAuth
client and a consent, a key rotation; it stops; the database is copied into an empty PostgreSQL database; a server
on the copy then accepts the same passwords, refresh tokens, TOTP secret, PAT and signing keys.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
import pytest

from authward.client import AuthClient
from authward.storage.models import Base
from tests.e2e.conftest import AUTHWARD_BIN, LiveServer, free_port, start_server
from tests.e2e.migration_support import postgres_database

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

PASSWORD = "correct horse battery staple"
CALLBACK = "http://127.0.0.1:9/callback"


@pytest.fixture
def target() -> Iterator[str]:
    yield from postgres_database()


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full = {**{k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")}, **env}
    return subprocess.run([AUTHWARD_BIN, *args], env=full, capture_output=True, text=True, timeout=300, check=False)


def sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {table.name: conn.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]
                for table in Base.metadata.sorted_tables}


class Flows:
    """What the SQLite server went through, to check against the copy."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.email, self.totp_email = (f"{who}-{uuid.uuid4().hex[:8]}@example.com" for who in ("copy", "totp"))
        http = httpx.Client(base_url=server.url, timeout=30)
        session = http.post("/signup/email-password", json={"email": self.email, "password": PASSWORD}).json()[
            "session"]
        refreshed = http.post("/token", json={"refreshToken": session["refreshToken"]}).json()
        self.refresh_token = refreshed["refreshToken"]
        bearer = {"authorization": f"Bearer {refreshed['accessToken']}"}
        expires = (datetime.now(UTC) + timedelta(days=7)).isoformat()
        self.pat = http.post("/pat", headers=bearer, json={"expiresAt": expires, "metadata": {"name": "ci"}}).json()[
            "personalAccessToken"]
        assert http.post("/signin/otp/email", json={"email": self.email}).status_code == 200

        with AuthClient(server.url, timeout=30) as totp_user:
            totp_user.register(self.totp_email, PASSWORD)
            setup = totp_user.change_user_mfa()
            self.totp_secret = setup.totp_secret
            totp_user.two_factor.enable(pyotp.TOTP(self.totp_secret).now())

        created = cli(server.env, "clients", "create", "--name", "Partner", "--redirect-uri", CALLBACK, "--json")
        assert created.returncode == 0, created.stderr
        self.client_id = json.loads(created.stdout)["client_id"]
        with AuthClient(server.url, timeout=30) as user:  # a third-party client: the login records a consent
            user.login(self.email, PASSWORD)
            request = user.oauth.authorization_url(self.client_id, CALLBACK, "openid email")
            answer = httpx.get(request.url, follow_redirects=False, timeout=30)
            [request_id] = parse_qs(urlsplit(answer.headers["location"]).query)["request_id"]
            user.oauth.complete_login(request_id)

        rotated = cli(server.env, "keys", "rotate")
        assert rotated.returncode == 0, rotated.stderr
        self.kids = {key["kid"] for key in json.loads(cli(server.env, "keys", "list", "--json").stdout)}
        assert len(self.kids) == 2
        http.close()


def test_sqlite_to_postgresql_and_sign_in_against_the_copy(tmp_path: Path, target: str) -> None:
    source_db = tmp_path / "sqlite" / "authward.db"
    source_db.parent.mkdir()
    sqlite_server = start_server(source_db.parent, f"sqlite:///{source_db}")
    try:
        flows = Flows(sqlite_server)
    finally:
        sqlite_server.stop()  # the copy is taken from a stopped server
    env = sqlite_server.env
    counts = sqlite_counts(source_db)
    for table in ("users", "credentials", "refresh_tokens", "tickets", "signing_keys", "outbox", "oauth_clients",
                  "oauth_consents", "audit_events", "personal_access_tokens"):
        assert counts[table] > 0, f"the flows left no row in {table}"

    copied = cli(env, "db", "copy", "--to", target, "--json")
    assert copied.returncode == 0, copied.stderr
    summary = json.loads(copied.stdout)
    assert summary["tables"] == counts and summary["rows"] == sum(counts.values())
    assert list(summary["tables"]) == [t.name for t in Base.metadata.sorted_tables]  # parents first
    assert summary["to"] == target and summary["revision"]

    again = cli(env, "db", "copy", "--to", target)
    assert again.returncode == 1 and "already holds rows" in again.stderr and "--force" in again.stderr
    forced = cli(env, "db", "copy", "--to", target, "--force", "--json")
    assert forced.returncode == 0, forced.stderr
    assert json.loads(forced.stdout)["tables"] == counts  # replaced, not doubled

    # A server on the copy (same secret key): the same users, sessions, secrets and keys.
    pg_server = start_server(tmp_path / "postgres", target)
    try:
        with httpx.Client(base_url=pg_server.url, timeout=30) as http:
            assert {key["kid"] for key in http.get("/.well-known/jwks.json").json()["keys"]} == flows.kids
            signed_in = http.post("/signin/email-password", json={"email": flows.email, "password": PASSWORD})
            assert signed_in.status_code == 200 and signed_in.json()["session"], signed_in.text
            refreshed = http.post("/token", json={"refreshToken": flows.refresh_token})
            assert refreshed.status_code == 200, refreshed.text  # a session from the SQLite days goes on
            assert http.post("/signin/pat", json={"personalAccessToken": flows.pat}).status_code == 200
            ticket = http.post("/signin/email-password", json={"email": flows.totp_email, "password": PASSWORD})
            mfa = ticket.json()["mfa"]["ticket"]
            code = pyotp.TOTP(flows.totp_secret).at(time.time() + 30)  # the encrypted secret still decrypts
            assert http.post("/signin/mfa/totp", json={"ticket": mfa, "otp": code}).status_code == 200
        listed = cli(pg_server.env, "clients", "list", "--json")
        assert [c["client_id"] for c in json.loads(listed.stdout)] == [flows.client_id]
        assert cli(pg_server.env, "outbox", "--to", flows.email, "--code").stdout.strip().isdigit()
    finally:
        pg_server.stop()


def test_copy_refusals(tmp_path: Path) -> None:
    db = tmp_path / "authward.db"
    env = {"AUTHWARD_DATABASE_URL": f"sqlite:///{db}", "AUTHWARD_SECRET_KEY": "x" * 40}
    assert cli(env, "migrate").returncode == 0
    unreachable = cli(env, "db", "copy", "--to", f"postgresql://postgres@127.0.0.1:{free_port()}/authward")
    assert unreachable.returncode == 2 and "connection refused" in unreachable.stderr
    assert "Traceback" not in unreachable.stderr
    itself = cli(env, "db", "copy", "--to", f"sqlite:///{db}")
    assert itself.returncode == 2 and "the configured database itself" in itself.stderr
    bad = cli(env, "db", "copy", "--to", "mysql://x")
    assert bad.returncode == 2 and "not a database URL" in bad.stderr
    other = tmp_path / "other.db"  # SQLite to SQLite works too
    copied = cli(env, "db", "copy", "--to", f"sqlite:///{other}", "--json")
    assert copied.returncode == 0, copied.stderr
    assert json.loads(copied.stdout)["rows"] == 0 and other.exists()
