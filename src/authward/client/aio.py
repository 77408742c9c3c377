"""`AsyncAuthClient`: the asyncio client. Its methods come from `AuthApi`; this module only does I/O."""

from __future__ import annotations

import asyncio
import time
from types import TracebackType

import httpx

from authward.client.api import AuthApi, TwoFactorApi
from authward.client.core import (
    DEFAULT_BASE_URL,
    AsyncRunner,
    ClientState,
    Clock,
    Flow,
    FlowStepper,
    RequestSpec,
    Step,
    T,
    checked,
    network_error,
    request_args,
)
from authward.client.errors import AuthError
from authward.client.oauth import OAuthApi
from authward.client.routes import refresh_session
from authward.client.storage import SessionStorage

__all__ = ["AsyncAuthClient"]


class AsyncAuthClient(AuthApi, AsyncRunner):
    """The async twin of `AuthClient`: same methods, awaited; one refresh in flight per client.

    Storage is read and written synchronously (a small local file at most).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        storage: SessionStorage | None = None,
        *,
        timeout: float = 10.0,
        http_client: httpx.AsyncClient | None = None,
        clock: Clock = time.time,
        refresh_margin: float = 30.0,
    ) -> None:
        self.state = ClientState(base_url, storage, clock=clock, refresh_margin=refresh_margin)
        self._http = http_client if http_client is not None else httpx.AsyncClient(timeout=timeout)
        self._owns_http = http_client is None
        self._refresh_lock = asyncio.Lock()
        self.two_factor = AsyncTwoFactor(self)
        self.oauth = AsyncOAuth(self)

    async def run(self, flow: Flow[T]) -> T:
        stepper = FlowStepper(flow)
        while stepper.step is not None:
            try:
                answer = await self._perform(stepper.step)
            except AuthError as exc:
                stepper.fail(exc)
            else:
                stepper.reply(answer)
        return stepper.result

    async def _perform(self, step: Step) -> httpx.Response | None:
        if not isinstance(step, RequestSpec):
            await self._ensure_fresh()
            return None
        if step.auth:
            await self._ensure_fresh()
        try:
            response = await self._http.request(**request_args(self.state, step))
        except httpx.TransportError as exc:
            raise network_error(exc, step) from exc
        return checked(response, step)

    async def _ensure_fresh(self) -> None:
        """Refresh if due; tasks arriving meanwhile wait, then find it done."""
        if not self.state.needs_refresh():
            return
        async with self._refresh_lock:
            if self.state.needs_refresh():
                await self.run(refresh_session(self.state))

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncAuthClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class AsyncTwoFactor(TwoFactorApi, AsyncRunner):
    """`client.two_factor`: runs on its client's connection, session and lock."""

    def __init__(self, client: AsyncAuthClient) -> None:
        self.state = client.state
        self._client = client

    async def run(self, flow: Flow[T]) -> T:
        return await self._client.run(flow)


class AsyncOAuth(OAuthApi, AsyncRunner):
    """`client.oauth`: the OAuth 2.0 / OIDC client, on its client's connection (and session, for Nhost's login)."""

    def __init__(self, client: AsyncAuthClient) -> None:
        self.state = client.state
        self._client = client

    async def run(self, flow: Flow[T]) -> T:
        return await self._client.run(flow)
