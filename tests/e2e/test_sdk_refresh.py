"""Automatic refresh against the real server: short token lifetimes, concurrency, expiry."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable

import httpx
import pytest

from authward.client import AsyncAuthClient, AuthClient, TokenExpired
from tests.e2e.conftest import LiveServer, ServerFactory

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"
LIFETIME = 10
WORKERS = 8


@pytest.fixture(scope="module")
def short_server(server_factory: ServerFactory) -> LiveServer:
    """10 s access tokens and no reuse grace: a second refresh with the same token would fail."""
    return server_factory(access_token_expires_in=LIFETIME, refresh_token_reuse_interval=0)


class Clock:
    """Real time plus an offset the test moves forward, so "about to expire" needs no sleep."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def counting(paths: list[str]) -> Callable[[httpx.Request], None]:
    def hook(request: httpx.Request) -> None:
        paths.append(request.url.path)

    return hook


def test_concurrent_threads_share_exactly_one_refresh(short_server: LiveServer) -> None:
    sent: list[str] = []
    clock = Clock()
    http = httpx.Client(timeout=30, event_hooks={"request": [counting(sent)]})
    with AuthClient(short_server.url, http_client=http, clock=clock) as client:
        client.register(f"threads-{uuid.uuid4().hex[:8]}@example.com", PASSWORD)
        before = client.state.refresh_token()
        clock.offset = LIFETIME - 0.5  # inside the refresh margin (10% of 10 s)
        barrier = threading.Barrier(WORKERS)
        results: list[object] = []

        def work() -> None:
            barrier.wait()
            try:
                results.append(client.get_user().id)
            except Exception as exc:
                results.append(exc)

        threads = [threading.Thread(target=work) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(set(results)) == 1 and isinstance(results[0], str), results
        assert sent.count("/v1/token") == 1
        assert client.state.refresh_token() != before
    http.close()


async def test_concurrent_tasks_share_exactly_one_refresh(short_server: LiveServer) -> None:
    sent: list[str] = []
    clock = Clock()

    async def hook(request: httpx.Request) -> None:
        sent.append(request.url.path)

    http = httpx.AsyncClient(timeout=30, event_hooks={"request": [hook]})
    async with AsyncAuthClient(short_server.url, http_client=http, clock=clock) as client:
        await client.register(f"tasks-{uuid.uuid4().hex[:8]}@example.com", PASSWORD)
        clock.offset = LIFETIME - 0.5
        users = await asyncio.gather(*(client.get_user() for _ in range(WORKERS)))
        assert len({user.id for user in users}) == 1
        assert sent.count("/v1/token") == 1
    await http.aclose()


def test_an_expired_access_token_is_refreshed_before_use(short_server: LiveServer) -> None:
    """The server tolerates some clock skew, so an expired token might still pass there: what
    matters is that the client never sends one it knows has expired."""
    sent: list[str] = []
    clock = Clock()
    http = httpx.Client(timeout=30, event_hooks={"request": [counting(sent)]})
    with AuthClient(short_server.url, http_client=http, clock=clock) as client:
        client.register(f"expiry-{uuid.uuid4().hex[:8]}@example.com", PASSWORD)
        stale = client.get_token()
        clock.offset = LIFETIME + 60
        sent.clear()
        user = client.get_user()
        assert sent == ["/v1/token", "/v1/user"]
        assert user.email and client.get_token() != stale

        with AuthClient(short_server.url, clock=clock) as bare:
            bare.login_with_token(stale)  # a JWT alone cannot be refreshed
            with pytest.raises(TokenExpired):
                bare.get_user()
    http.close()
