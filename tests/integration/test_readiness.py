"""GET /readyz (services/readiness.py): the database, Redis and the schema revision, each named."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text

from authward.services.readiness import code_head_revision
from tests.integration.test_rate_limits import redis_url

__all__ = ["redis_url"]


@asynccontextmanager
async def schema_marked_at(client: Any, revision: str) -> AsyncIterator[None]:
    """The database claims `revision` for the block, then the code's head again."""
    async with client.core.db.write() as session:
        await session.execute(text("UPDATE alembic_version SET version_num = :rev"), {"rev": revision})
    try:
        yield
    finally:
        async with client.core.db.write() as session:
            await session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": code_head_revision()})


async def test_ready_when_database_answers_and_schema_is_current(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}
    assert (await client.get("/v1/readyz")).status_code == 200


async def test_redis_is_checked_when_configured(make_client, redis_url):
    client = await make_client(redis_url=redis_url)
    assert (await client.get("/readyz")).json()["checks"] == {"database": "ok", "redis": "ok", "migrations": "ok"}


async def test_unreachable_redis_makes_the_instance_unready(make_client):
    client = await make_client(redis_url="redis://127.0.0.1:1/0")
    response = await client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"].startswith("failed")
    assert body["checks"]["database"] == "ok"


async def test_a_schema_behind_the_code_makes_the_instance_unready(client):
    async with schema_marked_at(client, "0001"):
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["migrations"] == f"failed: database at 0001, code at {code_head_revision()}"


async def test_a_database_without_the_schema_makes_the_instance_unready(client):
    async with client.core.db.write() as session:
        await session.execute(text("DROP TABLE alembic_version"))
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("failed")
    assert response.json()["checks"]["migrations"] == "failed: database unreachable"  # no revision to compare


async def test_a_schema_ahead_of_the_code_keeps_the_instance_ready(client):
    """A newer release migrated first (expand/contract): this older code keeps serving during the rollout."""
    async with schema_marked_at(client, "9999"):
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["checks"]["migrations"] == "ok"
