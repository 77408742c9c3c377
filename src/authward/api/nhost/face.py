"""The Nhost Auth REST face: its own routes, its error format, its hot GETs (methods add theirs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from fastapi import APIRouter
from starlette.responses import Response
from starlette.types import Scope

from authward.api import dev
from authward.api.faces import Face
from authward.api.hot import header, valid_body
from authward.api.nhost import account, session, system, token_exchange, user_email
from authward.api.nhost.errors import error_renderer, render_error
from authward.api.nhost.schemas import RefreshTokenRequest, VerifyTokenRequest
from authward.api.nhost.wire import ok_response
from authward.services.runtime import Runtime
from authward.settings import Settings


async def _user(runtime: Runtime, scope: Scope) -> Response:
    return await session.user_response(runtime.core, header(scope, b"authorization"))


async def _refresh(runtime: Runtime, scope: Scope, body: bytes) -> Response | None:
    request = valid_body(RefreshTokenRequest, body)
    if request is None:
        return None  # FastAPI's route answers with its own error
    return await session.refresh_response(runtime.core, request)


async def _verify(runtime: Runtime, scope: Scope, body: bytes) -> Response | None:
    request = valid_body(VerifyTokenRequest, body)
    if request is None or not request.token:  # no token: it may come in the Authorization header (the route's)
        return None
    return await session.verify_response(runtime.core, request.token)


async def _jwks(runtime: Runtime, scope: Scope) -> Response:
    return system.jwks_response(runtime.core)


async def _healthz(runtime: Runtime, scope: Scope) -> Response:
    return ok_response()


def _routers(settings: Settings) -> Sequence[APIRouter]:
    routers = [session.router, token_exchange.router, system.router, user_email.router, account.router]
    if settings.server.dev_mode:
        routers.append(dev.router)  # GET /dev/outbox: never on a production server
    return routers


def _configure(face: Face, settings: Settings) -> Face:
    return replace(face, render_error=error_renderer(settings.security.conceal_errors))


# At the root (documented); /v1, as Nhost Cloud serves it, is mapped onto it by api/prefix.py.
NHOST = Face(
    name="nhost",
    prefixes=("/", "/oauth2/login"),  # Nhost's login contract answers in this face's shape
    render_error=render_error,
    routers=_routers,
    hot_gets={"/user": _user, "/.well-known/jwks.json": _jwks, "/healthz": _healthz},
    hot_posts={"/token": _refresh, "/token/verify": _verify},
    configure=_configure,
)
