"""SIGKILL under sign-up and refresh load, then a restart on the same database (SQLite and PostgreSQL).

What must hold after the restart (issue 13), with the reuse interval at 0 so "used twice" is exact:
- every sign-up answered 2xx can sign in with its password;
- per refresh chain, the last token the client holds (L, from the last answered rotation) and its successor
  M (the token an unanswered rotation of L would have made) work exactly one between them, once: either the
  rotation in flight at the kill committed (M works, L is refused) or it did not (L works, M is unknown); a
  request refused at connect never reached the server, so there L must be the one;
- every token whose rotation was answered 2xx is refused: presented first on half the chains (their family
  still live), so the refusal is the rotation's, and reuse detection then revokes the family;
- no family holds two live tokens, and the SQLite file passes `PRAGMA integrity_check`.

M is computed as the server computes it (HMAC of L under the key derived from AUTHWARD_SECRET_KEY), so the
outcome of the rotation nobody heard back from is observed over HTTP, not guessed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import signal
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from authward.security.secretbox import SecretBox
from authward.security.secrets_at_rest import format_token
from authward.storage.db import Database
from authward.storage.models import RefreshToken
from tests.e2e.conftest import LiveServer, ServerFactory, start_server
from tests.support import TEST_SECRET_KEY

pytestmark = pytest.mark.e2e

PASSWORD = "crash-safe-password-1"
SIGNUP_WORKERS = 4
CHAINS = 6
LOAD_SECONDS = 1.5
SETTINGS = {
    "refresh_token_reuse_interval": 0,  # a rotated token presented again is reuse, at once
    "password_hash_time_cost": 1,  # cheap hashes: more writes per second under load
    "password_hash_memory_kib": 1024,
}


def successor_of(token: str) -> str:
    """The token the server's rotation of `token` mints (services/sessions.py, SessionService.successor_of)."""
    key = SecretBox(TEST_SECRET_KEY).derive(b"authward/refresh-successor/v1")
    return format_token(hmac.new(key, token.encode(), hashlib.sha256).digest())


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (uvicorn workers, if any), from /proc."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = (task / "children").read_text().split() if (task / "children").exists() else []
            pending.extend(int(child) for child in children)
    return found


def kill_hard(server: LiveServer) -> None:
    """SIGKILL the serving process (`authward serve` exec'd into it: same pid) and anything it started."""
    for pid in process_tree(server.process.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    server.process.wait(timeout=10)


@dataclass
class Chain:
    """One client refreshing in a loop: the tokens it rotated with a 2xx, the one it holds, how it ended."""

    held: str
    rotated: list[str] = field(default_factory=list)
    never_sent: bool = False  # the last attempt was refused at connect: the server never saw it


@dataclass
class Load:
    acknowledged: list[str] = field(default_factory=list)  # emails whose sign-up answered 2xx
    unanswered: int = 0
    chains: list[Chain] = field(default_factory=list)


async def sign_up_until_killed(client: httpx.AsyncClient, worker: int, load: Load) -> None:
    n = 0
    while True:
        email = f"w{worker}-{n}@example.com"
        n += 1
        try:
            answer = await client.post("/v1/signup/email-password", json={"email": email, "password": PASSWORD})
        except httpx.TransportError:
            load.unanswered += 1
            return
        assert answer.status_code == 200, answer.text
        load.acknowledged.append(email)


async def refresh_until_killed(client: httpx.AsyncClient, chain: Chain) -> None:
    while True:
        try:
            answer = await client.post("/v1/token", json={"refreshToken": chain.held})
        except httpx.ConnectError:
            chain.never_sent = True
            return
        except httpx.TransportError:
            return
        assert answer.status_code == 200, answer.text
        chain.rotated.append(chain.held)
        chain.held = answer.json()["refreshToken"]


async def drive_and_kill(server: LiveServer) -> Load:
    load = Load()
    limits = httpx.Limits(max_connections=SIGNUP_WORKERS + CHAINS)
    async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:
        for n in range(CHAINS):
            answer = await client.post("/v1/signup/email-password",
                                       json={"email": f"chain-{n}@example.com", "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            load.chains.append(Chain(answer.json()["session"]["refreshToken"]))
            load.acknowledged.append(f"chain-{n}@example.com")
        workers = [asyncio.create_task(sign_up_until_killed(client, n, load)) for n in range(SIGNUP_WORKERS)]
        workers += [asyncio.create_task(refresh_until_killed(client, chain)) for chain in load.chains]
        await asyncio.sleep(LOAD_SECONDS)
        kill_hard(server)
        await asyncio.wait_for(asyncio.gather(*workers), timeout=30)
    return load


def sqlite_path(database_url: str) -> str:
    return database_url.removeprefix("sqlite:///")


async def live_tokens_per_family(database_url: str) -> list[int]:
    db = Database(database_url)
    try:
        async with db.read() as s:
            rows = await s.execute(select(func.count()).select_from(RefreshToken)
                                   .where(RefreshToken.status == "active").group_by(RefreshToken.family_id))
            return [int(count) for (count,) in rows]
    finally:
        await db.dispose()


async def check_winner(client: httpx.AsyncClient, chain: Chain) -> None:
    """Between L and M exactly one works, and once; then every token the chain rotated is refused."""
    last, successor = chain.held, successor_of(chain.held)
    # M first: an unknown token changes nothing, while a rotated L would revoke the family (reuse) and hide
    # whether M was live
    via_successor = await client.post("/v1/token", json={"refreshToken": successor})
    if via_successor.status_code == 200:
        assert not chain.never_sent, "a rotation the server never received took effect"
        winner = successor
        refused = await client.post("/v1/token", json={"refreshToken": last})
        assert refused.status_code == 401, f"both the old and the new token of one rotation worked: {refused.text}"
    else:
        assert via_successor.status_code == 401, via_successor.text
        winner = last
        works = await client.post("/v1/token", json={"refreshToken": last})
        assert works.status_code == 200, f"the last acknowledged refresh token was lost: {works.text}"
    again = await client.post("/v1/token", json={"refreshToken": winner})
    assert again.status_code == 401, "a refresh token worked twice"
    for token in chain.rotated:
        answer = await client.post("/v1/token", json={"refreshToken": token})
        assert answer.status_code == 401, "a token whose rotation was acknowledged was accepted again"


async def check_rotated_first(client: httpx.AsyncClient, chain: Chain) -> None:
    """The last token whose rotation was acknowledged, presented first (the family still live), is refused;
    reuse detection survived the restart: the family is revoked, L and M with it."""
    answer = await client.post("/v1/token", json={"refreshToken": chain.rotated[-1]})
    assert answer.status_code == 401, "a token whose rotation was acknowledged was accepted again"
    for token in (chain.held, successor_of(chain.held), *chain.rotated):
        answer = await client.post("/v1/token", json={"refreshToken": token})
        assert answer.status_code == 401, "a family survived the reuse of one of its rotated tokens"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_sigkill_under_load_loses_no_acknowledged_write(server_factory: ServerFactory, backend: str) -> None:
    server = server_factory(database=backend, **SETTINGS)
    load = await drive_and_kill(server)
    rotations = sum(len(chain.rotated) for chain in load.chains)
    assert len(load.acknowledged) > CHAINS and rotations > CHAINS, "too little load before the kill"

    if backend == "sqlite":
        with closing(sqlite3.connect(sqlite_path(server.database_url))) as conn:  # replays the WAL the kill left
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert all(count == 1 for count in await live_tokens_per_family(server.database_url)), \
        "a family holds two live refresh tokens"

    restarted = start_server(server.log_path.parent, server.database_url, **SETTINGS)
    try:
        async with httpx.AsyncClient(base_url=restarted.url, timeout=30) as client:
            gate = asyncio.Semaphore(8)

            async def signs_in(email: str) -> int:
                async with gate:
                    answer = await client.post("/v1/signin/email-password",
                                               json={"email": email, "password": PASSWORD})
                    return answer.status_code

            statuses = await asyncio.gather(*(signs_in(email) for email in load.acknowledged))
            lost = [email for email, status in zip(load.acknowledged, statuses, strict=True) if status != 200]
            assert not lost, f"acknowledged sign-ups that cannot sign in after the crash: {lost}"
            for n, chain in enumerate(load.chains):
                await (check_rotated_first if n % 2 and chain.rotated else check_winner)(client, chain)
    finally:
        restarted.stop()
    assert "Traceback" not in restarted.log(), restarted.log()
