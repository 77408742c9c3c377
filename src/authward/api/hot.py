"""The hottest read routes, answered before FastAPI's router.

GET /user, GET /.well-known/jwks.json and GET /healthz need no body, no validation and no
dependency injection, yet FastAPI's routing and dependency solving cost more than the routes
themselves (measured with `make bench`). They are answered here with the very functions their
FastAPI routes call, so the behaviour is one; the FastAPI routes stay for the OpenAPI document.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from authward.api.errors import error_response
from authward.api.nhost.session import user_response
from authward.api.nhost.system import jwks_response
from authward.api.nhost.wire import ok_response
from authward.container import Services
from authward.errors import AuthError, ErrorCode

log = logging.getLogger("authward")

HotHandler = Callable[[Services, Scope], Awaitable[Response]]


async def _user(svc: Services, scope: Scope) -> Response:
    authorization = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
            break
    return await user_response(svc, authorization)


async def _jwks(svc: Services, scope: Scope) -> Response:
    return jwks_response(svc)


async def _healthz(svc: Services, scope: Scope) -> Response:
    return ok_response()


HOT_GETS: dict[str, HotHandler] = {"/user": _user, "/.well-known/jwks.json": _jwks, "/healthz": _healthz}


class HotRoutes:
    """Wraps the FastAPI app: hot GETs are answered here, everything else goes on to it."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = HOT_GETS.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "GET" else None
        if handler is None:
            await self.app(scope, receive, send)
            return
        svc: Services = self.app.state.services
        try:
            response = await handler(svc, scope)
        except AuthError as exc:
            response = error_response(exc.code, exc.message, exc.status)
        except Exception:  # outside FastAPI's handlers: log and answer as they would
            log.exception("unhandled error on GET %s", scope["path"])
            response = error_response(ErrorCode.INTERNAL_SERVER_ERROR)
        await response(scope, receive, send)
