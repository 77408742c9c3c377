"""The hottest routes, answered before FastAPI's router.

GET /user, GET /.well-known/jwks.json and GET /healthz need no body, no validation and no
dependency injection, yet FastAPI's routing and dependency solving cost more than the routes
themselves (measured with `make bench`). Each face declares its hot GETs (`Face.hot_gets`), answered
here with the very functions its FastAPI routes call, so the behaviour is one; the FastAPI routes
stay for the OpenAPI document.

Hot POSTs (a refresh, a token check) are taken the same way when their JSON body is valid for the
route's own model; anything else (a bad body, another content type) goes on to FastAPI with the body
replayed, so every error is still FastAPI's.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from fastapi import FastAPI
from pydantic import BaseModel, ValidationError
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from authward.api.faces import Face, HotHandler, HotPostHandler, face_for_path
from authward.errors import AuthError, ErrorCode
from authward.services.runtime import Runtime

log = logging.getLogger("authward")
M = TypeVar("M", bound=BaseModel)


class HotRoutes:
    """Wraps the FastAPI app: hot GETs are answered here, everything else goes on to it."""

    def __init__(self, app: FastAPI, faces: Sequence[Face]) -> None:
        self.app = app
        self._faces = tuple(faces)
        self._gets: dict[str, HotHandler] = {}
        self._posts: dict[str, HotPostHandler] = {}
        for face in faces:
            self._gets.update(face.hot_gets)
            self._posts.update(face.hot_posts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if scope["method"] == "GET" and (handler := self._gets.get(scope["path"])) is not None:
                await self._answer(scope, receive, send, lambda runtime: handler(runtime, scope))
                return
            if scope["method"] == "POST" and (post := self._posts.get(scope["path"])) is not None \
                    and _is_json(scope):
                body = await _read_body(receive)
                answered = await self._answer(scope, receive, send, lambda runtime: post(runtime, scope, body))
                if not answered:
                    await self.app(scope, _replay(body, receive), send)
                return
        await self.app(scope, receive, send)

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, handler: Callable[[Runtime], Awaitable[Response | None]]
    ) -> bool:
        """Run a hot handler and send its answer; False when it declined (nothing was sent)."""
        runtime: Runtime = self.app.state.runtime
        try:
            response = await handler(runtime)
            if response is None:
                return False
        except AuthError as exc:
            response = face_for_path(self._faces, scope["path"]).render_error(exc)
        except Exception:  # outside FastAPI's handlers: log and answer as they would
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            failure = AuthError(ErrorCode.INTERNAL_SERVER_ERROR)
            response = face_for_path(self._faces, scope["path"]).render_error(failure)
        await response(scope, receive, send)
        return True


def header(scope: Scope, name: bytes) -> str | None:
    """A request header's value (`name` in lower case), as Starlette decodes it; None when absent."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def valid_body(model: type[M], body: bytes) -> M | None:
    """`body` as the route's own model, or None: a hot POST then declines, and the route answers its error."""
    try:
        return model.model_validate_json(body)
    except ValidationError:
        return None


def _is_json(scope: Scope) -> bool:
    content_type = header(scope, b"content-type")
    return content_type is not None and content_type.split(";", 1)[0].strip().lower() == "application/json"


async def _read_body(receive: Receive) -> bytes:
    """The whole request body (its size is already bounded by api/limits.py, outside this layer)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away: an empty body declines the route
            return b""
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands FastAPI the body this layer already read, then the client's own events."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
