"""The Nhost Auth REST face: its own routes, its error format, its hot GETs (methods add theirs)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter
from starlette.responses import Response
from starlette.types import Scope

from authward.api import dev
from authward.api.faces import Face
from authward.api.nhost import account, session, system, user_email
from authward.api.nhost.errors import render_error
from authward.api.nhost.wire import ok_response
from authward.services.runtime import Runtime
from authward.settings import Settings


async def _user(runtime: Runtime, scope: Scope) -> Response:
    authorization = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
            break
    return await session.user_response(runtime.core, authorization)


async def _jwks(runtime: Runtime, scope: Scope) -> Response:
    return system.jwks_response(runtime.core)


async def _healthz(runtime: Runtime, scope: Scope) -> Response:
    return ok_response()


def _routers(settings: Settings) -> Sequence[APIRouter]:
    routers = [session.router, system.router, user_email.router, account.router]
    if settings.server.dev_mode:
        routers.append(dev.router)  # GET /dev/outbox: never on a production server
    return routers


# At the root (documented); /v1, as Nhost Cloud serves it, is mapped onto it by api/prefix.py.
NHOST = Face(
    name="nhost",
    prefixes=("/", "/oauth2/login"),  # Nhost's login contract answers in this face's shape
    render_error=render_error,
    routers=_routers,
    hot_gets={"/user": _user, "/.well-known/jwks.json": _jwks, "/healthz": _healthz},
)
