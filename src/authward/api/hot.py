"""The hottest read routes, answered before FastAPI's router.

GET /user, GET /.well-known/jwks.json and GET /healthz need no body, no validation and no
dependency injection, yet FastAPI's routing and dependency solving cost more than the routes
themselves (measured with `make bench`). Each face declares its hot GETs (`Face.hot_gets`), answered
here with the very functions its FastAPI routes call, so the behaviour is one; the FastAPI routes
stay for the OpenAPI document.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from authward.api.faces import Face, HotHandler, face_for_path
from authward.errors import AuthError, ErrorCode
from authward.services.runtime import Runtime

log = logging.getLogger("authward")


class HotRoutes:
    """Wraps the FastAPI app: hot GETs are answered here, everything else goes on to it."""

    def __init__(self, app: FastAPI, faces: Sequence[Face]) -> None:
        self.app = app
        self._faces = tuple(faces)
        self._gets: dict[str, HotHandler] = {}
        for face in faces:
            self._gets.update(face.hot_gets)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self._gets.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "GET" else None
        if handler is None:
            await self.app(scope, receive, send)
            return
        runtime: Runtime = self.app.state.runtime
        try:
            response = await handler(runtime, scope)
        except AuthError as exc:
            response = face_for_path(self._faces, scope["path"]).render_error(exc)
        except Exception:  # outside FastAPI's handlers: log and answer as they would
            log.exception("unhandled error on GET %s", scope["path"])
            failure = AuthError(ErrorCode.INTERNAL_SERVER_ERROR)
            response = face_for_path(self._faces, scope["path"]).render_error(failure)
        await response(scope, receive, send)
