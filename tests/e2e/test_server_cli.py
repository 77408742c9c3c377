"""Server commands against a real process: key rotation seen by a running server, migrate, config."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx
import jwt

from tests.e2e.conftest import AUTHWARD_BIN

PASSWORD = "correct horse battery staple"


def run_cli(server, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")}
    env.update(server.env)
    return subprocess.run([AUTHWARD_BIN, *args], env=env, capture_output=True, text=True, timeout=60, check=False)


def test_keys_rotate_from_another_process(server_factory):
    server = server_factory(key_cache_seconds=1)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        session = http.post("/v1/signup/email-password", json={"email": "rot@example.com", "password": PASSWORD}).json()[
            "session"
        ]
        old_kid = jwt.get_unverified_header(session["accessToken"])["kid"]

        result = run_cli(server, "keys", "rotate")
        assert result.returncode == 0, result.stderr
        new_kid = result.stdout.strip()
        assert new_kid and new_kid != old_kid

        listed = run_cli(server, "keys", "list", "--json")
        assert {k["kid"] for k in __import__("json").loads(listed.stdout)} == {old_kid, new_kid}
        table = run_cli(server, "keys", "list").stdout
        assert old_kid in table and new_kid in table and "retired" in table and "signing" in table

        # the running server picks the new key up within its cache period
        token = session["refreshToken"]
        deadline = time.monotonic() + 15
        kid = old_kid
        while kid != new_kid and time.monotonic() < deadline:
            fresh = http.post("/v1/token", json={"refreshToken": token}).json()
            token = fresh["refreshToken"]
            kid = jwt.get_unverified_header(fresh["accessToken"])["kid"]
            if kid != new_kid:
                time.sleep(0.2)
        assert kid == new_kid
        # both keys are published; the token signed by the retired key still works
        assert {k["kid"] for k in http.get("/.well-known/jwks.json").json()["keys"]} == {old_kid, new_kid}
        me = http.get("/v1/user", headers={"Authorization": f"Bearer {session['accessToken']}"})
        assert me.status_code == 200


def test_migrate_is_idempotent(live_server):
    first = run_cli(live_server, "migrate")
    assert first.returncode == 0, first.stderr
    assert "up to date" in first.stderr


def test_serve_refuses_a_malformed_option(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")}
    env["AUTHWARD_PORT"] = "not-a-port"
    result = subprocess.run([AUTHWARD_BIN, "serve"], env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 2
    assert "AUTHWARD_PORT" in result.stderr


def test_several_workers_share_one_key_and_database(server_factory):
    """`AUTHWARD_WORKERS=2`: migrations and the first key happen once, before the workers start."""
    server = server_factory(workers=2, ratelimit_enabled=True)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        session = http.post("/v1/signup/email-password",
                            json={"email": "workers@example.com", "password": PASSWORD}).json()["session"]
        kids = {k["kid"] for k in http.get("/.well-known/jwks.json").json()["keys"]}
        assert len(kids) == 1, "the workers must not each generate a key"
        # every worker verifies the token and rotates the refresh token chain
        token = session["refreshToken"]
        for _ in range(6):
            fresh = http.post("/v1/token", json={"refreshToken": token})
            assert fresh.status_code == 200, fresh.text
            token = fresh.json()["refreshToken"]
            me = http.get("/v1/user", headers={"Authorization": f"Bearer {fresh.json()['accessToken']}"})
            assert me.status_code == 200
    # without Redis each worker counts rate limits alone: the operator is told how to share them
    assert "2 workers count rate limits each on their own" in server.log()
    assert "AUTHWARD_REDIS_URL" in server.log()


def test_the_serving_process_starts_with_the_huge_page_tunable(live_server) -> None:
    """`authward serve` execs the serving process with it: glibc reads tunables at process start only
    (authward/memory.py: the password hashes' memory)."""
    environ = Path(f"/proc/{live_server.process.pid}/environ").read_bytes().split(b"\0")
    assert b"GLIBC_TUNABLES=glibc.malloc.hugetlb=1" in environ
