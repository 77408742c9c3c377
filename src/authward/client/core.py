"""The one request/response core shared by `AuthClient` and `AsyncAuthClient`.

Every SDK method is written once, as a *flow*: a generator that yields `RequestSpec`s (or
`ENSURE_FRESH`), receives the `httpx.Response` back, and returns a typed result. The flows
know the wire contract; they do no I/O. A *runner* (the sync or the async client) drives a
flow: it performs each request, throws `AuthError`s for error answers into the flow (which may
catch them), and refreshes the session first when a request needs the bearer. So the sync and
async clients differ only in how they wait, never in what they send or how they parse.

`Operation` turns a flow into a method: on a sync runner it returns the result, on an async
runner a coroutine of it.
"""

from __future__ import annotations

import functools
import inspect
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

import httpx
from pydantic import BaseModel, ValidationError

from authward.client.errors import (
    AuthError,
    NetworkError,
    NotLoggedIn,
    TokenExpired,
    UnexpectedResponse,
    error_from_response,
    oauth_error_from_response,
)
from authward.client.models import Session, SessionPayload, SignInResponse, StoredSession
from authward.client.oauth_models import ProviderCache
from authward.client.storage import MemoryStorage, SessionStorage
from authward.client.tokens import unverified_claims

__all__ = [
    "API_PREFIX",
    "DEFAULT_BASE_URL",
    "ENSURE_FRESH",
    "AsyncRunner",
    "ClientState",
    "Flow",
    "FlowStepper",
    "Operation",
    "RequestSpec",
    "SyncRunner",
    "body",
    "checked",
    "ensure_fresh",
    "error_for",
    "network_error",
    "oauth_error_for",
    "operation",
    "parse_model",
    "request_args",
    "send",
]

API_PREFIX = "/v1"
DEFAULT_BASE_URL = "http://127.0.0.1:4000"

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
P = ParamSpec("P")
Clock = Callable[[], float]


@dataclass(frozen=True)
class RequestSpec:
    """One HTTP request, described (not sent). `auth` asks the runner for the session's bearer.

    `path` is under the API prefix (`/user` -> `<base>/v1/user`), or an absolute URL (the OAuth
    endpoints discovery names). `oauth_errors`: the route answers errors in RFC 6749's shape.
    """

    method: str
    path: str
    json: Any = None
    params: Mapping[str, str] | None = None
    auth: bool = False
    bearer: str | None = None
    accept_redirect: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] | None = None  # a form-encoded body (the /verify confirm page's POST, OAuth)
    oauth_errors: bool = False


class _EnsureFresh:
    """Yielded by a flow that needs a valid access token but sends no request of its own."""

    def __repr__(self) -> str:
        return "ENSURE_FRESH"


ENSURE_FRESH = _EnsureFresh()
Step = RequestSpec | _EnsureFresh
Flow = Generator[Step, Any, T]


def body(**fields: Any) -> dict[str, Any]:
    """A JSON body of the fields that are set: the wire omits what the caller did not give."""
    return {key: value for key, value in fields.items() if value is not None}


def send(spec: RequestSpec) -> Generator[Step, Any, httpx.Response]:
    """`response = yield from send(spec)`: a successful response, or an AuthError thrown in."""
    response: httpx.Response = yield spec
    return response


def ensure_fresh() -> Generator[Step, Any, None]:
    yield ENSURE_FRESH


def parse_model(response: httpx.Response, model: type[M]) -> M:
    """The response body as `model`, or UnexpectedResponse naming what was wrong."""
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise UnexpectedResponse(
            response.status_code, f"{response.request.url.path}: not a {model.__name__}: {exc.errors()[:1]}"
        ) from exc


def error_for(response: httpx.Response) -> AuthError:
    """The AuthError for an error answer, from its `{status, error, message}` body when it has one."""
    route = f"{response.request.method} {response.request.url.path}"
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        message = body.get("message")
        return error_from_response(status, body["error"], str(message or body["error"]), route=route)
    code = "route-not-found" if status == 404 else "internal-server-error" if status >= 500 else "unexpected-response"
    snippet = response.text[:200].strip()
    return error_from_response(status, code, f"{route}: HTTP {status} {snippet}".strip(), route=route)


def oauth_error_for(response: httpx.Response) -> AuthError:
    """The AuthError for an OAuth endpoint's error: RFC 6749's `{error, error_description}` body, or
    (a server without the provider, a proxy) whatever `error_for` makes of it."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str) and "message" not in body:
        description = body.get("error_description")
        return oauth_error_from_response(
            response.status_code, body["error"], description if isinstance(description, str) else None
        )
    return error_for(response)


def checked(response: httpx.Response, spec: RequestSpec) -> httpx.Response:
    """The response itself when it answers `spec` successfully, else its AuthError raised."""
    if response.is_success or (spec.accept_redirect and response.is_redirect):
        return response
    raise oauth_error_for(response) if spec.oauth_errors else error_for(response)


def network_error(exc: httpx.TransportError, spec: RequestSpec) -> NetworkError:
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
    return NetworkError(f"{spec.method} {spec.path} {kind}: {exc or type(exc).__name__}")


class FlowStepper(Generic[T]):
    """Advances a flow one step at a time, so a runner supplies only the I/O between steps.

    `step` is what the flow waits for (None once it has finished with `result`). Hand the
    answer back with `reply`, or a failure with `fail` (the flow may catch it).
    """

    def __init__(self, flow: Flow[T]) -> None:
        self._flow = flow
        self.step: Step | None = None
        self._result: tuple[T] | None = None
        self._advance(lambda: next(flow))

    @property
    def result(self) -> T:
        if self._result is None:
            raise RuntimeError("the flow has not finished")
        return self._result[0]

    def reply(self, response: httpx.Response | None) -> None:
        self._advance(lambda: self._flow.send(response))

    def fail(self, error: AuthError) -> None:
        self._advance(lambda: self._flow.throw(error))

    def _advance(self, move: Callable[[], Step]) -> None:
        try:
            self.step = move()
        except StopIteration as stop:
            self.step = None
            self._result = (stop.value,)


class ClientState:
    """What a client knows between requests: where the server is and the stored session.

    Storage is the source of truth and is re-read on every use, so two clients (or two
    processes) sharing a FileStorage see each other's logins and rotated refresh tokens.
    """

    def __init__(
        self,
        base_url: str,
        storage: SessionStorage | None = None,
        *,
        clock: Clock = time.time,
        refresh_margin: float = 30.0,
        refresh_fraction: float = 0.1,
    ) -> None:
        url = base_url.rstrip("/")
        if url.endswith(API_PREFIX):
            url = url[: -len(API_PREFIX)]
        self.base_url = url
        self.storage: SessionStorage = storage if storage is not None else MemoryStorage()
        self.clock = clock
        self.refresh_margin = refresh_margin
        self.refresh_fraction = refresh_fraction
        self.provider = ProviderCache()  # the OAuth provider's discovery document and signing keys

    def url(self, path: str) -> str:
        """`path` under the API prefix; an absolute URL (from discovery) as it is."""
        if path.startswith(("https://", "http://")):
            return path
        return f"{self.base_url}{API_PREFIX}{path}"

    def detached(self) -> ClientState:
        """The same server with a throwaway memory storage: for calls whose session must not be kept."""
        return ClientState(self.base_url, MemoryStorage(), clock=self.clock)

    # -- reading
    def load(self) -> StoredSession | None:
        """The stored session if it belongs to this server (a token is never sent elsewhere)."""
        stored = self.storage.load()
        if stored is None or stored.base_url.rstrip("/") != self.base_url:
            return None
        return stored

    def needs_refresh(self) -> bool:
        stored = self.load()
        if stored is None or not stored.refresh_token:
            return False
        if not stored.access_token:
            return True
        if stored.expires_at is None:
            return False
        margin = self.refresh_margin
        if stored.lifetime:
            margin = min(margin, stored.lifetime * self.refresh_fraction)
        return self.clock() >= stored.expires_at - margin

    def bearer(self) -> str:
        stored = self.load()
        if stored is None or not stored.access_token:
            raise NotLoggedIn()
        if stored.expires_at is not None and self.clock() >= stored.expires_at and not stored.refresh_token:
            raise TokenExpired()
        return stored.access_token

    def refresh_token(self) -> str:
        stored = self.load()
        if stored is None or not stored.refresh_token:
            raise NotLoggedIn()
        return stored.refresh_token

    def mfa_ticket(self) -> str | None:
        stored = self.load()
        return stored.mfa_ticket if stored else None

    # -- writing
    def remember_session(self, session: Session) -> None:
        self.storage.save(
            StoredSession(
                base_url=self.base_url,
                access_token=session.access_token,
                refresh_token=session.refresh_token,
                refresh_token_id=session.refresh_token_id,
                expires_at=self.clock() + session.access_token_expires_in,
                lifetime=float(session.access_token_expires_in),
                user=session.user,
            )
        )

    def remember_sign_in(self, result: SignInResponse | SessionPayload) -> None:
        """Keep the session of a sign-in answer, or its MFA ticket while the second factor is due."""
        if result.session is not None:
            self.remember_session(result.session)
        elif isinstance(result, SignInResponse) and result.mfa is not None:
            self.remember_mfa_ticket(result.mfa.ticket)

    def remember_access_token(self, token: str) -> None:
        """A bare JWT (no refresh token): it lives until its own `exp`."""
        claims = unverified_claims(token) or {}
        exp, iat = claims.get("exp"), claims.get("iat")
        expires_at = float(exp) if isinstance(exp, int | float) else None
        lifetime = float(exp - iat) if isinstance(exp, int | float) and isinstance(iat, int | float) else None
        self.storage.save(
            StoredSession(base_url=self.base_url, access_token=token, expires_at=expires_at, lifetime=lifetime)
        )

    def remember_mfa_ticket(self, ticket: str) -> None:
        self.storage.save(StoredSession(base_url=self.base_url, mfa_ticket=ticket))

    def forget(self) -> None:
        if self.load() is not None:
            self.storage.clear()


def request_args(state: ClientState, spec: RequestSpec) -> dict[str, Any]:
    """The keyword arguments of `httpx.Client.request` / `httpx.AsyncClient.request` for a spec."""
    headers = {"Accept": "application/json", **spec.headers}
    url = state.url(spec.path)
    if spec.auth and not url.startswith(f"{state.base_url}/"):
        raise ValueError(f"{url}: the session's token goes to its own server only")
    bearer = spec.bearer or (state.bearer() if spec.auth else None)
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    args: dict[str, Any] = {"method": spec.method, "url": url, "headers": headers}
    if spec.json is not None:
        args["json"] = spec.json
    if spec.form is not None:
        args["data"] = dict(spec.form)
    if spec.params:
        args["params"] = dict(spec.params)
    return args


class SyncRunner(ABC):
    """Something that drives flows to completion by blocking I/O."""

    state: ClientState

    @abstractmethod
    def run(self, flow: Flow[T]) -> T: ...


class AsyncRunner(ABC):
    """Something that drives flows to completion with asyncio."""

    state: ClientState

    @abstractmethod
    async def run(self, flow: Flow[T]) -> T: ...


class Operation(Generic[P, T]):
    """A flow exposed as a method of both clients: `result` on sync, `await result` on async."""

    def __init__(self, flow: Callable[Concatenate[ClientState, P], Flow[T]]) -> None:
        self.flow = flow
        self.__doc__ = flow.__doc__
        signature = inspect.signature(flow)
        self._signature = signature.replace(
            parameters=list(signature.parameters.values())[1:], return_annotation=inspect.Signature.empty
        )

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Operation[P, T]: ...

    @overload
    def __get__(self, obj: SyncRunner, owner: type[Any]) -> Callable[P, T]: ...

    @overload
    def __get__(self, obj: AsyncRunner, owner: type[Any]) -> Callable[P, Coroutine[Any, Any, T]]: ...

    def __get__(self, obj: SyncRunner | AsyncRunner | None, owner: type[Any]) -> Any:
        if obj is None:
            return self
        flow = self.flow
        bound: Callable[..., Any]
        if isinstance(obj, AsyncRunner):
            runner = obj

            async def call_async(*args: P.args, **kwargs: P.kwargs) -> T:
                return await runner.run(flow(runner.state, *args, **kwargs))

            bound = call_async
        else:
            sync_runner = obj

            def call(*args: P.args, **kwargs: P.kwargs) -> T:
                return sync_runner.run(flow(sync_runner.state, *args, **kwargs))

            bound = call
        functools.update_wrapper(bound, flow)
        name = getattr(self, "name", flow.__name__)
        bound.__name__ = name
        bound.__qualname__ = f"{type(obj).__name__}.{name}"
        setattr(bound, "__signature__", self._signature)  # noqa: B010 - functions have no typed slot for it
        return bound


def operation(flow: Callable[Concatenate[ClientState, P], Flow[T]]) -> Operation[P, T]:
    return Operation(flow)
