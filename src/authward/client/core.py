"""Running flows: stepping one through its requests, the runner interfaces, and `Operation` (flow -> method).

Every SDK method is written once, as a *flow*: a generator that yields `RequestSpec`s (or
`ENSURE_FRESH`), receives the `httpx.Response` back, and returns a typed result (`request_spec.py`).
The flows know the wire contract; they do no I/O. A *runner* (the sync or the async client) drives a
flow: it performs each request, throws `AuthError`s for error answers (`responses.py`) into the flow
(which may catch them), and refreshes the session (`state.py`) first when a request needs the bearer.
So the sync and async clients differ only in how they wait, never in what they send or how they parse.

`Operation` turns a flow into a method: on a sync runner it returns the result, on an async
runner a coroutine of it. The names the split-out modules define are re-exported here, so
`from authward.client.core import ...` keeps working.
"""

from __future__ import annotations

import functools
import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, Generic, ParamSpec, overload

import httpx

from authward.client.errors import AuthError
from authward.client.request_spec import ENSURE_FRESH, Flow, RequestSpec, Step, T, body, ensure_fresh, send
from authward.client.responses import checked, error_for, network_error, oauth_error_for, parse_model
from authward.client.state import API_PREFIX, DEFAULT_BASE_URL, ClientState

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

P = ParamSpec("P")


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
    """`name = operation(flow)` in a method table: the flow as a method of both clients."""
    return Operation(flow)
