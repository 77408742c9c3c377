"""Readiness: may this process take traffic? (`GET /readyz`; liveness is `/healthz`.)

Ready means every dependency a request needs answers now: the database a trivial query, the read replica
too (when AUTHWARD_DATABASE_REPLICA_URL is set), Redis a PING (when AUTHWARD_REDIS_URL is set), and the
database's schema is the one this code migrates to, or a newer release's (migrations only add during a
release, so an older instance keeps serving while the new one rolls out: docs/production.md). A load
balancer or Kubernetes takes an instance out of rotation while it is not ready, rather than restarting it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from authward.services.core import Core

OK = "ok"


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str]  # check -> "ok", or why it failed (never a secret: no URL, no password)

    @property
    def ready(self) -> bool:
        return all(outcome == OK for outcome in self.checks.values())


@cache
def code_head_revision() -> str:
    """The Alembic head of this code; imports Alembic once, on the first readiness check only."""
    from authward.storage.migrate import head_revision

    return head_revision()


@cache
def code_revisions() -> frozenset[str]:
    """Every revision of this code: a database at another one was migrated by a newer release."""
    from authward.storage.migrate import known_revisions

    return known_revisions()


async def _revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
        revision: str | None = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        return revision


def _schema(revision: str | None, where: str) -> str:
    head = code_head_revision()
    if revision == head or (revision is not None and revision not in code_revisions()):
        return OK
    return f"failed: {where} at {revision}, code at {head}"


async def check(core: Core) -> Readiness:
    checks: dict[str, str] = {}
    revision: str | None = None
    try:
        revision = await _revision(core.db.engine)
        checks["database"] = OK
    except Exception as exc:  # unreachable, or no schema at all
        checks["database"] = f"failed: {type(exc).__name__}"
    replica = core.db.replica_engine
    if replica is not None:
        try:  # a replica behind this code's schema would fail the reads sent to it: not ready either
            checks["replica"] = _schema(await _revision(replica), "replica")
        except Exception as exc:
            checks["replica"] = f"failed: {type(exc).__name__}"
    if core.settings.redis.url:
        checks["redis"] = OK if await core.limiter.store_answers() else "failed: no answer to PING"
    if checks["database"] == OK:
        checks["migrations"] = _schema(revision, "database")
    else:
        checks["migrations"] = "failed: database unreachable"
    return Readiness(checks)
