"""The steps a flow yields (a described request, or "make the session fresh"): what flows are written in."""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from authward.client.errors import AuthError

__all__ = ["ENSURE_FRESH", "Flow", "RequestSpec", "Step", "T", "body", "ensure_fresh", "send"]

T = TypeVar("T")


@dataclass(frozen=True)
class RequestSpec:
    """One HTTP request, described (not sent). `auth` asks the runner for the session's bearer.

    `path` is under the API prefix (`/user` -> `<base>/v1/user`), or an absolute URL (the OAuth
    endpoints discovery names). `oauth_errors`: the route answers errors in RFC 6749's shape;
    `errors`: a face's own reader of its error answers (Auth0's), used instead of either.
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
    errors: Callable[[httpx.Response], AuthError] | None = None


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
    """`yield from ensure_fresh()`: have the runner refresh the session first if it is due."""
    yield ENSURE_FRESH
