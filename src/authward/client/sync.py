"""`AuthClient`: the blocking client. Its methods come from `AuthApi`; this module only does I/O."""

from __future__ import annotations

import threading
import time
from types import TracebackType

import httpx

from authward.client.api import AuthApi, TwoFactorApi
from authward.client.core import (
    DEFAULT_BASE_URL,
    ClientState,
    Clock,
    Flow,
    FlowStepper,
    RequestSpec,
    Step,
    SyncRunner,
    T,
    checked,
    network_error,
    request_args,
)
from authward.client.errors import AuthError
from authward.client.oauth import OAuthApi
from authward.client.routes import refresh_session
from authward.client.storage import SessionStorage

__all__ = ["AuthClient"]


class AuthClient(AuthApi, SyncRunner):
    """A thread-safe client for one authward (or Nhost Auth) server.

    `base_url` is the server root (e.g. `http://127.0.0.1:4000`); the SDK adds `/v1`. The
    session lives in `storage` (a `MemoryStorage` unless given) and is refreshed before its
    access token expires, by exactly one thread at a time.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        storage: SessionStorage | None = None,
        *,
        timeout: float = 10.0,
        http_client: httpx.Client | None = None,
        clock: Clock = time.time,
        refresh_margin: float = 30.0,
    ) -> None:
        self.state = ClientState(base_url, storage, clock=clock, refresh_margin=refresh_margin)
        self._http = http_client if http_client is not None else httpx.Client(timeout=timeout)
        self._owns_http = http_client is None
        self._refresh_lock = threading.Lock()
        self.two_factor = SyncTwoFactor(self)
        self.oauth = SyncOAuth(self)

    def run(self, flow: Flow[T]) -> T:
        stepper = FlowStepper(flow)
        while stepper.step is not None:
            try:
                answer = self._perform(stepper.step)
            except AuthError as exc:
                stepper.fail(exc)
            else:
                stepper.reply(answer)
        return stepper.result

    def _perform(self, step: Step) -> httpx.Response | None:
        if not isinstance(step, RequestSpec):
            self._ensure_fresh()
            return None
        if step.auth:
            self._ensure_fresh()
        try:
            response = self._http.request(**request_args(self.state, step))
        except httpx.TransportError as exc:
            raise network_error(exc, step) from exc
        return checked(response, step)

    def _ensure_fresh(self) -> None:
        """Refresh if due; threads arriving meanwhile wait, then find it done."""
        if not self.state.needs_refresh():
            return
        with self._refresh_lock:
            if self.state.needs_refresh():
                self.run(refresh_session(self.state))

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> AuthClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class SyncTwoFactor(TwoFactorApi, SyncRunner):
    """`client.two_factor`: runs on its client's connection, session and lock."""

    def __init__(self, client: AuthClient) -> None:
        self.state = client.state
        self._client = client

    def run(self, flow: Flow[T]) -> T:
        return self._client.run(flow)


class SyncOAuth(OAuthApi, SyncRunner):
    """`client.oauth`: the OAuth 2.0 / OIDC client, on its client's connection (and session, for Nhost's login)."""

    def __init__(self, client: AuthClient) -> None:
        self.state = client.state
        self._client = client

    def run(self, flow: Flow[T]) -> T:
        return self._client.run(flow)
