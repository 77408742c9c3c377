"""In-process API fixtures: the ASGI app (with its lifespan) behind httpx.ASGITransport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from authward.app import create_asgi
from authward.container import Services, build_services
from tests.support import cheap_settings

ClientFactory = Callable[..., Awaitable[httpx.AsyncClient]]


class ApiClient(httpx.AsyncClient):
    services: Services


@pytest.fixture
async def make_client(database_url: str, tmp_path: Path) -> AsyncIterator[ClientFactory]:
    """Build a client for an app with setting overrides; apps share the test's database.

    `clock=` injects the services' clock (tests move time without sleeping).
    """
    stack: list[tuple[Any, httpx.AsyncClient]] = []

    async def factory(clock: Any = None, **overrides: Any) -> httpx.AsyncClient:
        settings = cheap_settings(tmp_path / "data", database_url, **overrides)
        services = build_services(settings, clock) if clock is not None else build_services(settings)
        asgi = create_asgi(settings, services)
        app = asgi.fastapi_app  # type: ignore[attr-defined]
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        client = ApiClient(transport=httpx.ASGITransport(app=asgi), base_url="http://testserver")
        client.services = services
        stack.append((lifespan, client))
        return client

    yield factory
    for lifespan, client in reversed(stack):
        await client.aclose()
        await lifespan.__aexit__(None, None, None)


@pytest.fixture
async def client(make_client: ClientFactory) -> httpx.AsyncClient:
    return await make_client()
