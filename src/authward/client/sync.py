"""The blocking clients, `AuthClient` and Auth0's `AuthenticationClient`. Their methods come from the
method tables (`api.py`, `oauth.py`, `auth0.py`); this module only does I/O, in one runner they share."""

from __future__ import annotations

import threading
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
from authward.client.core import FlowStepper, SyncRunner, request_args
from authward.client.errors import AuthError
from authward.client.oauth import OAuthApi
from authward.client.request_spec import Flow, RequestSpec, Step, T
from authward.client.responses import checked, network_error
from authward.client.routes import refresh_session
from authward.client.state import DEFAULT_BASE_URL, ClientState, Clock
from authward.client.storage import SessionStorage

__all__ = ["AuthClient", "AuthenticationClient", "HttpRunner", "SyncNamespace"]


class HttpRunner(SyncRunner):
    """Drives flows over one `httpx.Client` (its own unless given): performs each request, throws error
    answers into the flow, and refreshes a stored session first when due, one thread at a time."""

    def __init__(self, state: ClientState, *, timeout: float, http_client: httpx.Client | None) -> None:
        self.state = state
        self._http = http_client if http_client is not None else httpx.Client(timeout=timeout)
        self._owns_http = http_client is None
        self._refresh_lock = threading.Lock()

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

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class SyncNamespace(SyncRunner):
    """A group of a client's methods (`client.oauth`, `client.two_factor`, ...): runs on its client's
    connection, session and lock."""

    def __init__(self, client: SyncRunner) -> None:
        self.state = client.state
        self._client = client

    def run(self, flow: Flow[T]) -> T:
        return self._client.run(flow)


class AuthClient(AuthApi, HttpRunner):
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
        state = ClientState(base_url, storage, clock=clock, refresh_margin=refresh_margin)
        HttpRunner.__init__(self, state, timeout=timeout, http_client=http_client)
        self.two_factor = SyncTwoFactor(self)
        self.oauth = SyncOAuth(self)


class SyncTwoFactor(TwoFactorApi, SyncNamespace):
    """`client.two_factor`: runs on its client's connection, session and lock."""


class SyncOAuth(OAuthApi, SyncNamespace):
    """`client.oauth`: the OAuth 2.0 / OIDC client, on its client's connection (and session, for Nhost's login)."""


class AuthenticationClient(AuthenticationApi, HttpRunner):
    """Auth0's Authentication API client (the auth0 npm SDK's `AuthenticationClient`), for authward's Auth0 face.

    `AuthenticationClient("tenant.example.com", client_id, client_secret)` speaks to
    `https://tenant.example.com` (`scheme="http"` for a local server without TLS) as that application:
    `database`, `oauth`, `passwordless`, `users`, `mfa`, `token_exchange`. `connection` is the database
    connection `database.*` name by default; `verify_id_tokens=True` checks every grant's ID token as
    node-auth0 does (needs PyJWT). Thread-safe; it keeps no session.
    """

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
        http_client: httpx.Client | None = None,
        clock: Clock = time.time,
    ) -> None:
        state = Application(domain, client_id, client_secret, scheme=scheme, connection=connection,
                            verify_id_tokens=verify_id_tokens, clock=clock)
        HttpRunner.__init__(self, state, timeout=timeout, http_client=http_client)
        self.database = SyncDatabase(self)
        self.oauth = SyncGrants(self)
        self.passwordless = SyncPasswordless(self)
        self.users = SyncUsers(self)
        self.mfa = SyncMfa(self)


class SyncDatabase(DatabaseApi, SyncNamespace):
    """`client.database`: sign-up and password reset in the database connection."""


class SyncGrants(GrantsApi, SyncNamespace):
    """`client.oauth`: the token endpoint's grants, and revocation."""


class SyncPasswordless(PasswordlessApi, SyncNamespace):
    """`client.passwordless`: one-time codes and links."""


class SyncUsers(UsersApi, SyncNamespace):
    """`client.users`: the profile of an access token."""


class SyncMfa(MfaApi, SyncNamespace):
    """`client.mfa`: finishing a sign-in that raised MfaTokenRequired."""
