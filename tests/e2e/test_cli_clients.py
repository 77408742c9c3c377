"""`authward clients` as a real process, writing a SQLite file (and once PostgreSQL) directly."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import AUTHWARD_BIN
from tests.support import IN_CI, TEST_SECRET_KEY, create_postgres_database, drop_postgres_database, postgres_available

pytestmark = pytest.mark.e2e

CB = "https://app.example/callback"
CLIENT_KEYS = {
    "client_id", "name", "public", "first_party", "redirect_uris", "post_logout_redirect_uris", "grant_types",
    "scopes", "audiences", "logo_url", "token_endpoint_auth_methods", "jwks", "access_token_ttl",
    "refresh_token_ttl", "legacy_endpoints", "settings", "created_at", "updated_at",
}


class Cli:
    def __init__(self, workdir: Path, database_url: str) -> None:
        self.database_url = database_url
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")}
        self.env.update({"AUTHWARD_DATABASE_URL": database_url, "AUTHWARD_DATA_DIR": str(workdir / "data"),
                         "AUTHWARD_SECRET_KEY": TEST_SECRET_KEY})
        self.workdir = workdir

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([AUTHWARD_BIN, "clients", *args], env=self.env, cwd=self.workdir, input=stdin,
                              capture_output=True, text=True, timeout=60, check=False)

    def json(self, *args: str) -> Any:
        result = self(*args, "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def create(self, *args: str) -> dict[str, str]:
        created: dict[str, str] = self.json("create", *args)
        return created


    def migrate(self) -> Cli:
        """`authward clients` works on the server's database: it must exist (`serve` or `migrate` makes it)."""
        result = subprocess.run([AUTHWARD_BIN, "migrate"], env=self.env, cwd=self.workdir, capture_output=True,
                                text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        return self


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path, f"sqlite:///{tmp_path / 'authward.db'}").migrate()


def sqlite_rows(cli: Cli) -> list[dict[str, Any]]:
    """Every row of every table, as dicts (with the table name under `__table__`)."""
    with sqlite3.connect(cli.database_url.removeprefix("sqlite:///")) as conn:
        conn.row_factory = sqlite3.Row
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return [{"__table__": table, **dict(row)} for table in tables for row in conn.execute(f'SELECT * FROM "{table}"')]


def stored_client(cli: Cli, client_id: str) -> dict[str, Any]:
    [row] = [r for r in sqlite_rows(cli) if r["__table__"] == "oauth_clients" and r["client_id"] == client_id]
    return row


def assert_nowhere_in_db(cli: Cli, secret: str) -> None:
    for row in sqlite_rows(cli):
        for column, value in row.items():
            assert secret not in str(value), f"{row['__table__']}.{column} holds the secret"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_create_confidential_prints_the_secret_once_and_stores_its_hash(cli: Cli) -> None:
    created = cli.create("--name", "Web app", "--redirect-uri", CB)
    assert set(created) == {"client_id", "client_secret"}
    client_id, secret = created["client_id"], created["client_secret"]
    assert client_id.startswith("aw_") and len(secret) == 43

    row = stored_client(cli, client_id)
    assert row["client_secret_hash"] == sha256(secret)
    assert_nowhere_in_db(cli, secret)

    shown = cli("show", client_id)
    listed = cli("list")
    for result in (shown, listed, cli("show", client_id, "--json"), cli("list", "--json")):
        assert result.returncode == 0, result.stderr
        assert secret not in result.stdout + result.stderr
        assert sha256(secret) not in result.stdout + result.stderr
    assert client_id in shown.stdout and "Web app" in listed.stdout


def test_create_for_people_shows_the_secret_with_a_warning(cli: Cli) -> None:
    result = cli("create", "--name", "Web app", "--redirect-uri", CB)
    assert result.returncode == 0, result.stderr
    [client] = cli.json("list")
    [hashed] = [stored_client(cli, client["client_id"])["client_secret_hash"]]
    secret = next(word for line in result.stdout.splitlines() for word in line.strip("│ ").split()
                  if len(word) == 43 and sha256(word) == hashed)
    assert result.stdout.count(secret) == 1
    assert "shown only now" in result.stderr
    assert client["client_id"] in result.stdout and CB in result.stdout


def test_create_public_has_no_secret(cli: Cli) -> None:
    created = cli.create("--name", "SPA", "--public", "--redirect-uri", CB)
    assert set(created) == {"client_id"}
    assert stored_client(cli, created["client_id"])["client_secret_hash"] is None
    shown = cli.json("show", created["client_id"])
    assert shown["public"] is True and shown["token_endpoint_auth_methods"] == ["none"]
    # defaults from ClientSpec
    assert shown["grant_types"] == ["authorization_code", "refresh_token"]
    assert shown["scopes"] == ["openid", "profile", "email"]

    rotated = cli("rotate-secret", created["client_id"])
    assert rotated.returncode == 2 and "public client has no secret" in rotated.stderr


def test_repeated_options_and_every_field(cli: Cli, tmp_path: Path) -> None:
    jwks = {"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                      "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}
    (tmp_path / "jwks.json").write_text(json.dumps(jwks))
    created = cli.create(
        "--name", "Backend", "--redirect-uri", CB, "--redirect-uri", "http://localhost:3000/cb",
        "--redirect-uri", "com.example.app:/oauth", "--grant", "authorization_code", "--grant", "refresh_token",
        "--grant", "client_credentials", "--scope", "openid", "--scope", "offline_access", "--scope", "read:things",
        "--audience", "https://api.example", "--audience", "https://other.example",
        "--post-logout-redirect-uri", "https://app.example/bye", "--post-logout-redirect-uri", "https://app.example/",
        "--first-party", "--logo-url", "https://app.example/logo.png", "--jwks", str(tmp_path / "jwks.json"),
        "--access-token-ttl", "600", "--refresh-token-ttl", "86400",
    )
    shown = cli.json("show", created["client_id"])
    assert set(shown) == CLIENT_KEYS
    assert shown["redirect_uris"] == [CB, "http://localhost:3000/cb", "com.example.app:/oauth"]
    assert shown["grant_types"] == ["authorization_code", "refresh_token", "client_credentials"]
    assert shown["scopes"] == ["openid", "offline_access", "read:things"]
    assert shown["audiences"] == ["https://api.example", "https://other.example"]
    assert shown["post_logout_redirect_uris"] == ["https://app.example/bye", "https://app.example/"]
    assert shown["first_party"] is True and shown["public"] is False
    assert shown["logo_url"] == "https://app.example/logo.png"
    assert shown["jwks"] == jwks
    assert shown["token_endpoint_auth_methods"] == ["client_secret_basic", "client_secret_post", "private_key_jwt"]
    assert (shown["access_token_ttl"], shown["refresh_token_ttl"]) == (600, 86400)


def test_list_and_show_json_shapes(cli: Cli) -> None:
    assert cli.json("list") == []
    first = cli.create("--name", "One", "--redirect-uri", CB)
    second = cli.create("--name", "Two", "--public", "--redirect-uri", CB)
    listed = cli.json("list")
    assert isinstance(listed, list) and [c["client_id"] for c in listed] == [first["client_id"], second["client_id"]]
    for item in listed:
        assert set(item) == CLIENT_KEYS
    shown = cli.json("show", second["client_id"])
    assert shown == listed[1]
    assert shown["name"] == "Two" and shown["public"] is True


def test_update_replaces_the_given_fields_and_keeps_the_rest(cli: Cli) -> None:
    created = cli.create("--name", "Web", "--redirect-uri", CB, "--redirect-uri", "https://old.example/cb",
                         "--scope", "openid", "--scope", "email", "--audience", "https://api.example",
                         "--logo-url", "https://app.example/logo.png", "--first-party")
    before = cli.json("show", created["client_id"])
    hash_before = stored_client(cli, created["client_id"])["client_secret_hash"]

    updated = cli.json("update", created["client_id"], "--redirect-uri", "https://new.example/cb",
                       "--redirect-uri", "https://new.example/cb2")
    assert updated["redirect_uris"] == ["https://new.example/cb", "https://new.example/cb2"]
    unchanged = {k: v for k, v in updated.items() if k not in ("redirect_uris", "updated_at")}
    assert unchanged == {k: v for k, v in before.items() if k not in ("redirect_uris", "updated_at")}
    assert cli.json("show", created["client_id"]) == updated
    assert stored_client(cli, created["client_id"])["client_secret_hash"] == hash_before

    again = cli.json("update", created["client_id"], "--no-first-party", "--name", "Web 2",
                     "--clear", "audiences", "--clear", "logo-url", "--access-token-ttl", "300")
    assert again["first_party"] is False and again["name"] == "Web 2"
    assert again["audiences"] == [] and again["logo_url"] is None and again["access_token_ttl"] == 300
    assert again["redirect_uris"] == updated["redirect_uris"] and again["scopes"] == ["openid", "email"]

    invalid = cli("update", created["client_id"], "--redirect-uri", "https://x.example/#f")
    assert invalid.returncode == 2 and "fragment" in invalid.stderr
    assert cli.json("show", created["client_id"]) == again
    nothing = cli("update", created["client_id"])
    assert nothing.returncode == 2 and "nothing to change" in nothing.stderr


def test_rotate_secret_changes_the_stored_hash(cli: Cli) -> None:
    created = cli.create("--name", "Web", "--redirect-uri", CB)
    rotated = cli.json("rotate-secret", created["client_id"])
    assert set(rotated) == {"client_id", "client_secret"} and rotated["client_id"] == created["client_id"]
    assert len(rotated["client_secret"]) == 43 and rotated["client_secret"] != created["client_secret"]
    row = stored_client(cli, created["client_id"])
    assert row["client_secret_hash"] == sha256(rotated["client_secret"]) != sha256(created["client_secret"])
    assert_nowhere_in_db(cli, rotated["client_secret"])


def test_delete_then_show_exits_1(cli: Cli) -> None:
    created = cli.create("--name", "Web", "--redirect-uri", CB)
    client_id = created["client_id"]
    assert cli.json("delete", client_id)["deleted"] is True
    shown = cli("show", client_id)
    assert shown.returncode == 1 and shown.stderr.startswith("error:") and client_id in shown.stderr
    assert cli("delete", client_id, "--yes").returncode == 1
    assert cli.json("list") == []


def test_delete_asks_for_confirmation(cli: Cli) -> None:
    client_id = cli.create("--name", "Web", "--redirect-uri", CB)["client_id"]
    declined = cli("delete", client_id, stdin="n\n")
    assert declined.returncode == 1 and "Delete client" in declined.stderr
    assert cli.json("show", client_id)["client_id"] == client_id
    accepted = cli("delete", client_id, stdin="y\n")
    assert accepted.returncode == 0, accepted.stderr
    assert cli("show", client_id).returncode == 1


@pytest.mark.parametrize("command", [("show",), ("update", "--name", "x"), ("rotate-secret",), ("delete", "--yes")])
def test_unknown_client_exits_1(cli: Cli, command: tuple[str, ...]) -> None:
    result = cli(command[0], "aw_000000000000000000000000", *command[1:])
    assert result.returncode == 1
    assert result.stderr.startswith("error: no client 'aw_000000000000000000000000'")


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        (["--redirect-uri", "https://app.example/cb#fragment"], "has a fragment"),
        (["--redirect-uri", "javascript:alert(1)"], "scheme 'javascript' is not allowed"),
        (["--redirect-uri", "/relative/cb"], "is not an absolute URI"),
        (["--redirect-uri", CB, "--grant", "implicit"], "unknown grant type(s): implicit"),
        (["--public", "--grant", "client_credentials"], "public client cannot use client_credentials"),
        (["--grant", "authorization_code"], "needs at least one --redirect-uri"),
        (["--redirect-uri", CB, "--access-token-ttl", "1"], "between 10 seconds and 400 days"),
    ],
)
def test_invalid_input_exits_2_naming_the_problem(cli: Cli, options: list[str], problem: str) -> None:
    for as_json in ([], ["--json"]):
        result = cli("create", "--name", "Bad", *options, *as_json)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.startswith("error: ") and problem in result.stderr
        assert result.stdout == ""
    assert cli.json("list") == []


def test_jwks_must_be_a_public_jwk_set(cli: Cli, tmp_path: Path) -> None:
    cases = {"not-json": "{nope", "not-a-set": "[]", "private": json.dumps({"keys": [{"kty": "RSA", "n": "x",
                                                                                   "e": "AQAB", "d": "y"}]})}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        result = cli("create", "--name", "Jwt", "--redirect-uri", CB, "--jwks", str(tmp_path / name))
        assert result.returncode == 2 and result.stderr.startswith("error: --jwks"), (name, result.stderr)
    assert "private key material" in result.stderr


@pytest.fixture
async def postgres_url() -> Any:
    if not await postgres_available():
        if IN_CI:
            raise RuntimeError("CI=true but PostgreSQL is not reachable")
        pytest.skip("PostgreSQL not reachable (runs in CI)")
    url = await create_postgres_database()
    yield url
    await drop_postgres_database(url)


def test_lifecycle_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    cli = Cli(tmp_path, postgres_url).migrate()
    created = cli.create("--name", "Web", "--redirect-uri", CB, "--redirect-uri", "https://app.example/2",
                         "--audience", "https://api.example")
    updated = cli.json("update", created["client_id"], "--redirect-uri", "https://new.example/cb", "--first-party")
    assert updated["redirect_uris"] == ["https://new.example/cb"] and updated["audiences"] == ["https://api.example"]
    assert [c["client_id"] for c in cli.json("list")] == [created["client_id"]]

    async def stored_hash() -> str:
        import asyncpg

        conn = await asyncpg.connect(postgres_url)
        try:
            value: str = await conn.fetchval("SELECT client_secret_hash FROM oauth_clients WHERE client_id = $1",
                                             created["client_id"])
            return value
        finally:
            await conn.close()

    assert asyncio.run(stored_hash()) == sha256(created["client_secret"])
    rotated = cli.json("rotate-secret", created["client_id"])
    assert asyncio.run(stored_hash()) == sha256(rotated["client_secret"])
    assert cli.json("delete", created["client_id"])["deleted"] is True
    assert cli("show", created["client_id"]).returncode == 1
