"""`authward users import` and `export` as an operator runs them, beside a running server; then the imported
users sign in through the real `@nhost/nhost-js` SDK with their original passwords. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import AUTHWARD_BIN, LiveServer, ServerFactory
from tests.e2e.test_nhost_js import JS_DIR, _node
from tests.user_exports import email_of, password_of, write_auth0

pytestmark = pytest.mark.e2e

COUNT = 10_000
SIGN_IN = (0, 1, 2, 9_999)


def authward(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(Path(AUTHWARD_BIN).parent), **server.env}
    return subprocess.run([AUTHWARD_BIN, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def imported(request: pytest.FixtureRequest, server_factory: ServerFactory,
             tmp_path_factory: pytest.TempPathFactory) -> tuple[LiveServer, Path]:
    """A running server, and 10,000 Auth0 users imported beside it (a dry run first: it writes nothing)."""
    server = server_factory(database=request.param)
    export = write_auth0(tmp_path_factory.mktemp("auth0") / "users.ndjson", COUNT)
    dry = authward(server, "users", "import", "--from", "auth0", str(export), "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["imported"] == COUNT
    assert authward(server, "users", "export").stdout == ""
    done = authward(server, "users", "import", "--from", "auth0", str(export), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert {key: summary[key] for key in ("imported", "skipped", "failed")} == {
        "imported": COUNT, "skipped": 0, "failed": 0}
    return server, export


def test_import_then_nhost_js_sign_in_with_original_passwords(imported: tuple[LiveServer, Path]) -> None:
    server, export = imported

    exported = [json.loads(line) for line in authward(server, "users", "export").stdout.splitlines()]
    ids = {user["email"]: user["id"] for user in exported}
    users = [{"email": email_of(i), "password": password_of(i), "id": ids[email_of(i)]} for i in SIGN_IN]
    env = {"PATH": str(Path(_node()).parent), "AUTH_URL": f"{server.url}/v1", "SERVER_URL": server.url,
           "USERS": json.dumps(users)}
    run = subprocess.run([_node(), str(JS_DIR / "nhost_imported.mjs")], cwd=JS_DIR, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, f"{run.stderr}\n--- server log ---\n{server.log()}"
    result: dict[str, Any] = json.loads(run.stdout)
    for signed_in, user in zip(result["signIns"], users, strict=True):
        assert signed_in == {"status": 200, "email": user["email"], "sameId": True, "storedBySdk": True,
                             "roles": ["user", "editor"]}
    assert result["wrongPassword"]["status"] == 401
    assert result["wrongPassword"]["body"]["error"] == "invalid-email-password"

    again = authward(server, "users", "import", "--from", "auth0", str(export), "--json")
    assert json.loads(again.stdout)["skipped"] == COUNT and json.loads(again.stdout)["imported"] == 0


def test_export_has_hashes_only_when_asked(imported: tuple[LiveServer, Path], tmp_path: Path) -> None:
    server, _ = imported
    plain = authward(server, "users", "export")
    assert plain.returncode == 0, plain.stderr
    first = json.loads(plain.stdout.splitlines()[0])
    assert "password_hash" not in first and "argon2" not in plain.stdout and "$2" not in plain.stdout
    target = tmp_path / "users.ndjson"
    with_hashes = authward(server, "users", "export", "--include-hashes", "--output", str(target))
    assert with_hashes.returncode == 0, with_hashes.stderr
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(rows) == COUNT
    assert all(row["password_hash"].startswith(("$2", "$argon2id$")) for row in rows)
    assert f"exported {COUNT} users" in with_hashes.stderr
