"""The asyncio clients, `AsyncAuthClient` and Auth0's `AsyncAuthenticationClient`. Their methods come from the
method tables (`api.py`, `oauth.py`, `auth0.py`); this module only does I/O, in one runner they share."""

from __future__ import annotations

import asyncio
import time
from types import TracebackType
from typing import Self

import httpx

from authward.client.api import AuthApi, TwoFactorApi
from authward.client.auth0 import (
    AuthenticationApi,
    DatabaseApi,
    GrantsApi,
    MfaApi,
    PasswordlessApi,
    UsersApi,
)
from authward.client.auth0_application import DEFAULT_CONNECTION, Application
from authward.client.core import AsyncRunner, FlowStepper, request_args
from authward.client.errors import AuthError
from authward.client.oauth import OAuthApi
from authward.client.request_spec import Flow, RequestSpec, Step, T
from authward.client.responses import checked, network_error
from authward.client.routes import refresh_session
from authward.client.state import DEFAULT_BASE_URL, ClientState, Clock
from authward.client.storage import SessionStorage

__all__ = ["AsyncAuthClient", "AsyncAuthenticationClient", "AsyncHttpRunner", "AsyncNamespace"]


class AsyncHttpRunner(AsyncRunner):
    """Drives flows over one `httpx.AsyncClient` (its own unless given): the async twin of `HttpRunner`,
    with one refresh in flight per client. Storage is read and written synchronously (a small local file
    at most)."""

    def __init__(self, state: ClientState, *, timeout: float, http_client: httpx.AsyncClient | None) -> None:
        self.state = state
        self._http = http_client if http_client is not None else httpx.AsyncClient(timeout=timeout)
        self._owns_http = http_client is None
        self._refresh_lock = asyncio.Lock()

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

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class AsyncNamespace(AsyncRunner):
    """A group of a client's methods (`client.oauth`, `client.two_factor`, ...): runs on its client's
    connection, session and lock."""

    def __init__(self, client: AsyncRunner) -> None:
        self.state = client.state
        self._client = client

    async def run(self, flow: Flow[T]) -> T:
        return await self._client.run(flow)


class AsyncAuthClient(AuthApi, AsyncHttpRunner):
    """The async twin of `AuthClient`: same methods, awaited; one refresh in flight per client."""

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
        state = ClientState(base_url, storage, clock=clock, refresh_margin=refresh_margin)
        AsyncHttpRunner.__init__(self, state, timeout=timeout, http_client=http_client)
        self.two_factor = AsyncTwoFactor(self)
        self.oauth = AsyncOAuth(self)


class AsyncTwoFactor(TwoFactorApi, AsyncNamespace):
    """`client.two_factor`: runs on its client's connection, session and lock."""


class AsyncOAuth(OAuthApi, AsyncNamespace):
    """`client.oauth`: the OAuth 2.0 / OIDC client, on its client's connection (and session, for Nhost's login)."""


class AsyncAuthenticationClient(AuthenticationApi, AsyncHttpRunner):
    """The async twin of `AuthenticationClient`: same arguments and methods, awaited."""

    def __init__(
        self,
        domain: str,
        client_id: str,
        client_secret: str | None = None,
        *,
        scheme: str = "https",
        connection: str = DEFAULT_CONNECTION,
        verify_id_tokens: bool = False,
        timeout: float = 10.0,
        http_client: httpx.AsyncClient | None = None,
        clock: Clock = time.time,
    ) -> None:
        state = Application(domain, client_id, client_secret, scheme=scheme, connection=connection,
                            verify_id_tokens=verify_id_tokens, clock=clock)
        AsyncHttpRunner.__init__(self, state, timeout=timeout, http_client=http_client)
        self.database = AsyncDatabase(self)
        self.oauth = AsyncGrants(self)
        self.passwordless = AsyncPasswordless(self)
        self.users = AsyncUsers(self)
        self.mfa = AsyncMfa(self)


class AsyncDatabase(DatabaseApi, AsyncNamespace):
    """`client.database`: sign-up and password reset in the database connection."""


class AsyncGrants(GrantsApi, AsyncNamespace):
    """`client.oauth`: the token endpoint's grants, and revocation."""


class AsyncPasswordless(PasswordlessApi, AsyncNamespace):
    """`client.passwordless`: one-time codes and links."""


class AsyncUsers(UsersApi, AsyncNamespace):
    """`client.users`: the profile of an access token."""


class AsyncMfa(MfaApi, AsyncNamespace):
    """`client.mfa`: finishing a sign-in that raised MfaTokenRequired."""
