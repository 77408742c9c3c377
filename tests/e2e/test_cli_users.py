"""`authward users` and `authward audit tail` as real processes, on the database of a running server
(SQLite and PostgreSQL), and through its admin API with --server."""

from __future__ import annotations

import json
import os
import subprocess
import time
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import AUTHWARD_BIN, LiveServer, ServerFactory

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"
SECRET = "e2e-admin-secret-0123456789abcdef"


def cli_env(server: LiveServer, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")}
    env.update(server.env)
    env.update(extra)
    return env


def run(server: LiveServer, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AUTHWARD_BIN, *args], env=cli_env(server, **env), input=stdin, capture_output=True,
                          text=True, timeout=90, check=False)


def ok_json(server: LiveServer, *args: str, stdin: str | None = None, **env: str) -> Any:
    result = run(server, *args, "--json", stdin=stdin, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def sign_in(server: LiveServer, email: str) -> httpx.Response:
    return httpx.post(f"{server.url}/signin/email-password", json={"email": email, "password": PASSWORD}, timeout=30)


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, server_factory: ServerFactory) -> LiveServer:
    return server_factory(database=request.param, admin_secret=SECRET)


def test_users_commands_on_the_database(server: LiveServer) -> None:
    created = ok_json(server, "users", "create", "--email", "Ada@Example.com", "--password-stdin", "--verified",
                      "--role", "user", "--role", "admin", "--metadata", '{"plan": "pro"}', stdin=PASSWORD + "\n")
    assert created["email"] == "ada@example.com" and set(created["roles"]) == {"user", "admin"}
    assert created["metadata"] == {"plan": "pro"} and created["emailVerified"] is True
    assert PASSWORD not in json.dumps(created)
    session = sign_in(server, "ada@example.com")
    assert session.status_code == 200, session.text
    refresh = session.json()["session"]["refreshToken"]

    listed = ok_json(server, "users", "list", "--role", "admin")
    assert listed["total"] == 1 and listed["users"][0]["id"] == created["id"]
    table = run(server, "users", "list")
    assert table.returncode == 0 and "ada@example.com" in table.stdout and "1 of 1 users" in table.stderr
    shown = ok_json(server, "users", "show", "ada@example.com")
    assert shown["id"] == created["id"] and len(shown["sessions"]) == 1
    updated = ok_json(server, "users", "update", created["id"], "--display-name", "Ada L", "--locale", "fr")
    assert updated["displayName"] == "Ada L" and updated["locale"] == "fr"

    disabled = ok_json(server, "users", "disable", "ada@example.com")
    assert disabled["disabled"] is True
    refused = httpx.post(f"{server.url}/token", json={"refreshToken": refresh}, timeout=30)
    assert refused.status_code == 401 and refused.json()["error"] == "disabled-user"
    assert sign_in(server, "ada@example.com").json()["error"] == "disabled-user"
    assert ok_json(server, "users", "enable", "ada@example.com")["disabled"] is False
    assert sign_in(server, "ada@example.com").status_code == 200
    assert ok_json(server, "users", "revoke-sessions", "ada@example.com") == {"revoked": 1}

    missing = run(server, "users", "show", "nobody@example.com")
    assert missing.returncode == 1 and "not-found" in missing.stderr
    bad = run(server, "users", "create", "--email", "x@example.com", "--role", "root")
    assert bad.returncode == 2 and "role-not-allowed" in bad.stderr
    assert ok_json(server, "users", "delete", "ada@example.com")["deleted"] is True
    assert ok_json(server, "users", "list")["total"] == 0

    invited = ok_json(server, "users", "invite", "lin@example.com", "--display-name", "Lin")
    assert invited["email"] == "lin@example.com" and invited["emailVerified"] is False
    link = run(server, "outbox", "--to", "lin@example.com", "--link")
    assert link.returncode == 0 and "/invite?ticket=invite" in link.stdout, link.stdout + link.stderr
    page = httpx.get(link.stdout.strip(), timeout=30)
    assert page.status_code == 200 and "lin@example.com" in page.text

    events = [json.loads(line) for line in run(server, "audit", "tail", "--json", "-n", "100").stdout.splitlines()]
    names = [e["event"] for e in events]
    assert names.index("admin.user_created") < names.index("admin.user_disabled") < names.index("admin.user_deleted")
    assert {e["actor"] for e in events if e["event"].startswith("admin.")} == {"cli"}
    signed_in = [e for e in events if e["event"] == "user.signed_in"]
    assert signed_in and signed_in[0]["ip"] == "127.0.0.1" and signed_in[0]["data"]["method"] == "password"
    mine = run(server, "audit", "tail", "--json", "--user", created["id"], "--event", "admin.")
    assert all(json.loads(line)["event"].startswith("admin.") for line in mine.stdout.splitlines())


def test_users_commands_through_the_admin_api(server: LiveServer) -> None:
    created = ok_json(server, "users", "create", "--email", "bob@example.com", "--server", server.url)
    assert created["email"] == "bob@example.com"
    assert ok_json(server, "users", "show", "bob@example.com", "--server", server.url)["id"] == created["id"]
    assert ok_json(server, "users", "disable", created["id"], "--server", server.url)["disabled"] is True
    assert ok_json(server, "users", "list", "--disabled", "--server", server.url)["total"] == 1
    wrong = run(server, "users", "list", "--server", server.url, AUTHWARD_ADMIN_SECRET="wrong")
    assert wrong.returncode == 2 and "unauthenticated-user" in wrong.stderr
    events = ok_json(server, "users", "list", "--server", server.url)  # still answers with the right secret
    assert events["total"] == 1
    audit = httpx.get(f"{server.url}/admin/audit", params={"event": "admin."},
                      headers={"x-authward-admin-secret": SECRET}, timeout=30).json()["events"]
    assert {e["actor"] for e in audit} == {"admin-secret"}


def test_audit_tail_follow(server: LiveServer) -> None:
    follower = subprocess.Popen([AUTHWARD_BIN, "audit", "tail", "--follow", "--json", "--interval", "0.2"],
                                env=cli_env(server), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3)  # the follower is polling
        httpx.post(f"{server.url}/signup/email-password", json={"email": "eve@example.com", "password": PASSWORD},
                   timeout=30).raise_for_status()
        deadline = time.monotonic() + 30
        seen: list[str] = []
        assert follower.stdout is not None
        while time.monotonic() < deadline and "user.signed_up" not in seen:
            line = follower.stdout.readline()
            if line:
                seen.append(json.loads(line)["event"])
        assert "user.signed_up" in seen
    finally:
        follower.terminate()
        follower.wait(timeout=10)
