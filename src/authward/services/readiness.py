"""Readiness: may this process take traffic? (`GET /readyz`; liveness is `/healthz`.)

Ready means every dependency a request needs answers now: the database a trivial query, Redis a PING
(when AUTHWARD_REDIS_URL is set), and the database's schema is the one this code migrates to. A load
balancer or Kubernetes takes an instance out of rotation while it is not ready, rather than restarting it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import text

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


async def check(core: Core) -> Readiness:
    checks: dict[str, str] = {}
    revision: str | None = None
    try:
        async with core.db.read() as session:
            await session.execute(text("SELECT 1"))
            revision = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        checks["database"] = OK
    except Exception as exc:  # unreachable, or no schema at all
        checks["database"] = f"failed: {type(exc).__name__}"
    if core.settings.redis.url:
        checks["redis"] = OK if await core.limiter.store_answers() else "failed: no answer to PING"
    if checks["database"] == OK:
        head = code_head_revision()
        checks["migrations"] = OK if revision == head else f"failed: database at {revision}, code at {head}"
    else:
        checks["migrations"] = "failed: database unreachable"
    return Readiness(checks)
