"""Dependencies shared by every face: the running services and the bearer token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Request

from authward.errors import AuthError, ErrorCode
from authward.observability import logs
from authward.security.jwt import InvalidToken, RevokedToken
from authward.security.revocations import DISABLED
from authward.services.core import Core
from authward.services.runtime import Runtime

T = TypeVar("T")


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


async def get_core(request: Request) -> Core:
    """The core services. `async` on purpose: FastAPI runs plain `def` dependencies in a thread pool,
    a thread hop per request that costs more than the whole hot route."""
    return runtime_of(request).core


def provide(kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    """A dependency answering the running service of type `kind` (a method's service)."""

    async def dependency(request: Request) -> T:
        return runtime_of(request).get(kind)

    dependency.__name__ = f"provide_{kind.__name__}"
    return dependency


def bearer_token(request: Request) -> str | None:
    return bearer_from_header(request.headers.get("authorization"))


def bearer_from_header(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer ...` header; None without a header."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError(ErrorCode.UNAUTHENTICATED)
    return token.strip()


async def optional_claims(request: Request) -> dict[str, Any] | None:
    """Claims of a valid bearer token, None without one; an invalid token is an error."""
    return await claims_from_header(runtime_of(request).core, request.headers.get("authorization"))


async def claims_from_header(core: Core, header: str | None) -> dict[str, Any] | None:
    token = bearer_from_header(header)
    if token is None:
        return None
    try:
        claims = await core.codec.decode(token)
    except RevokedToken as exc:  # the answer a read of the user row would give
        raise AuthError(ErrorCode.DISABLED_USER if exc.reason == DISABLED else ErrorCode.UNAUTHENTICATED) from exc
    except InvalidToken as exc:
        raise AuthError(ErrorCode.UNAUTHENTICATED, "Invalid or expired access token") from exc
    logs.note_user(claims.get("sub"))
    return claims


async def required_claims(request: Request) -> dict[str, Any]:
    claims = await optional_claims(request)
    if claims is None:
        raise AuthError(ErrorCode.UNAUTHENTICATED)
    return claims


def user_agent(request: Request) -> str | None:
    return request.headers.get("user-agent")
