"""20 parallel refreshes of one token against the real server process, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from authward.storage.db import Database
from authward.storage.models import RefreshToken

PARALLEL = 20
PASSWORD = "correct horse battery staple"


async def signed_up(client: httpx.AsyncClient, email: str) -> dict:
    response = await client.post("/v1/signup/email-password", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()["session"]


async def refresh_all(client: httpx.AsyncClient, token: str) -> list[httpx.Response]:
    return await asyncio.gather(
        *[client.post("/v1/token", json={"refreshToken": token}) for _ in range(PARALLEL)]
    )


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


async def test_without_reuse_interval_exactly_one_refresh_wins(server_factory, backend):
    server = server_factory(database=backend, refresh_token_reuse_interval=0)
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        session = await signed_up(client, f"race-{backend}@example.com")
        responses = await refresh_all(client, session["refreshToken"])
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) == 1, statuses
    assert all(r.json()["error"] == "invalid-refresh-token" for r in responses if r.status_code != 200)


async def test_with_reuse_interval_all_get_the_same_successor(server_factory, backend):
    server = server_factory(database=backend)  # default interval: 10 s
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        session = await signed_up(client, f"tabs-{backend}@example.com")
        responses = await refresh_all(client, session["refreshToken"])
        assert [r.status_code for r in responses] == [200] * PARALLEL, [r.text for r in responses if r.status_code != 200]
        successors = {r.json()["refreshToken"] for r in responses}
        assert len(successors) == 1
        (successor,) = successors
        # the family stays usable
        follow = await client.post("/v1/token", json={"refreshToken": successor})
        assert follow.status_code == 200

        # a reuse after the interval revokes the family: backdate the rotation instead of sleeping
        db = Database(server.database_url)
        try:
            async with db.write() as s:
                await s.execute(
                    update(RefreshToken)
                    .where(RefreshToken.status == "rotated")
                    .values(rotated_at=datetime.now(UTC) - timedelta(seconds=30))
                )
        finally:
            await db.dispose()
        late = await client.post("/v1/token", json={"refreshToken": session["refreshToken"]})
        assert late.status_code == 401 and late.json()["error"] == "invalid-refresh-token"
        current = follow.json()["refreshToken"]
        after = await client.post("/v1/token", json={"refreshToken": current})
        assert after.status_code == 401, "reuse after the interval must revoke the whole family"
