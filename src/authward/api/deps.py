"""Dependencies shared by every face: the service container and the bearer token."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from authward.container import Services
from authward.errors import AuthError, ErrorCode
from authward.security.jwt import InvalidToken


async def services(request: Request) -> Services:
    """The dependency. `async` on purpose: FastAPI runs plain `def` dependencies in a thread pool,
    a thread hop per request that costs more than the whole hot route."""
    return request.app.state.services  # type: ignore[no-any-return]


def services_of(request: Request) -> Services:
    """The same, for plain calls from code that is not a dependency."""
    return request.app.state.services  # type: ignore[no-any-return]


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
    return await claims_from_header(services_of(request), request.headers.get("authorization"))


async def claims_from_header(svc: Services, header: str | None) -> dict[str, Any] | None:
    token = bearer_from_header(header)
    if token is None:
        return None
    try:
        return await svc.codec.decode(token)
    except InvalidToken as exc:
        raise AuthError(ErrorCode.UNAUTHENTICATED, "Invalid or expired access token") from exc


async def required_claims(request: Request) -> dict[str, Any]:
    claims = await optional_claims(request)
    if claims is None:
        raise AuthError(ErrorCode.UNAUTHENTICATED)
    return claims


def user_agent(request: Request) -> str | None:
    return request.headers.get("user-agent")
