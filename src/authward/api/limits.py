"""A pure-ASGI request body limit: refuses oversized bodies before any route parses them."""

from __future__ import annotations

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authward.errors import AuthError, ErrorCode


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a body without Content-Length outgrows the limit.

    An HTTPException (413) because FastAPI turns any other error raised while it reads the body into a
    400 "error parsing the body"; this one it re-raises, and the app's handler answers `payload-too-large`.
    """

    def __init__(self) -> None:
        super().__init__(status_code=413)


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = chunked = False
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_large = int(value) > self.max_bytes
                except ValueError:
                    too_large = True
                if too_large:
                    await self._refuse(send)
                    return
                declared = True
            elif name == b"transfer-encoding":
                chunked = True
        if not chunked and (declared or scope.get("http_version") in ("1.0", "1.1")):
            # the server reads exactly the declared (and checked) length, or HTTP/1 carries no body at all
            # without either header (RFC 9112 6.3): nothing to count, so no wrapper on the hot GETs.
            # A chunked body is counted as it arrives, whatever length it also claims.
            await self.app(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        err = AuthError(ErrorCode.PAYLOAD_TOO_LARGE)
        body = orjson.dumps({"status": err.status, "error": err.code.value, "message": err.message})
        await send({"type": "http.response.start", "status": err.status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
