"""In-process API fixtures: the ASGI app (with its lifespan) behind httpx.ASGITransport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from authward.app import create_asgi
from authward.composition import build_runtime
from authward.services.core import Core
from authward.services.runtime import Runtime
from authward.storage.db import Database
from tests.support import cheap_settings

ClientFactory = Callable[..., Awaitable[httpx.AsyncClient]]


class ApiClient(httpx.AsyncClient):
    runtime: Runtime
    core: Core


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A `Database` on a fresh migrated database (sqlite and postgres, from `database_url`)."""
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def make_client(database_url: str, tmp_path: Path) -> AsyncIterator[ClientFactory]:
    """Build a client for an app with setting overrides; apps share the test's database.

    `clock=` injects the runtime's clock (tests move time without sleeping).
    """
    stack: list[tuple[Any, httpx.AsyncClient]] = []

    async def factory(clock: Any = None, **overrides: Any) -> httpx.AsyncClient:
        settings = cheap_settings(tmp_path / "data", database_url, **overrides)
        runtime = build_runtime(settings, clock) if clock is not None else build_runtime(settings)
        asgi = create_asgi(settings, runtime)
        app = asgi.fastapi_app  # type: ignore[attr-defined]
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        client = ApiClient(transport=httpx.ASGITransport(app=asgi), base_url="http://testserver")
        client.runtime = runtime
        client.core = runtime.core
        stack.append((lifespan, client))
        return client

    yield factory
    for lifespan, client in reversed(stack):
        await client.aclose()
        await lifespan.__aexit__(None, None, None)


@pytest.fixture
async def client(make_client: ClientFactory) -> httpx.AsyncClient:
    return await make_client()


class LimitsClock:
    """Moves the in-memory rate-limit windows (the `limits` library reads `time.time()`) without sleeping."""

    def __init__(self) -> None:
        import time as real_time

        self._real = real_time
        self.offset = 0.0

    def time(self) -> float:
        return self._real.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def limits_clock(monkeypatch: pytest.MonkeyPatch) -> LimitsClock:
    import limits.storage.memory as memory_storage

    clock = LimitsClock()
    monkeypatch.setattr(memory_storage, "time", clock)  # the in-memory store the server uses (synchronous)
    return clock
